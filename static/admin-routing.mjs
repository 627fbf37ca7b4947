// TaskRouter in the admin console: workers (attributes, activity, channel capacity, agent
// password), queues, workflows (configuration editor; the server's expression errors are shown),
// activities, task channels, and tasks with their events. Twilio's TaskRouter v1 shapes.
import { api, attrs, el, h, listAll, pretty, toast, duration } from "/static/common.mjs";

async function wsPath(ctx) {
  const ws = await ctx.workspace();
  if (!ws) throw new Error("no TaskRouter workspace yet");
  return `/v1/Workspaces/${ws}`;
}

function table(id, heads, rows) {
  return h("table", { id }, h("thead", {}, h("tr", {}, ...heads.map((t) => el("th", t)))), h("tbody", {}, ...rows));
}

/** A create form: fields [name, label, {type, options, value}] → POST to `path`, then `done()`. */
function createForm(id, path, fields, done, button = "Create") {
  const inputs = {};
  const form = h("form", { class: "inline", id });
  for (const [name, label, opt = {}] of fields) {
    let input;
    if (opt.options) {
      input = h("select", { name, "aria-label": label }, ...opt.options.map(([v, t]) => h("option", { value: v, text: t })));
    } else if (opt.type === "textarea") {
      input = h("textarea", { name, placeholder: label, rows: 3, "aria-label": label });
    } else {
      input = h("input", { name, placeholder: label, type: opt.type || "text", "aria-label": label });
    }
    if (opt.value !== undefined) input.value = opt.value;
    inputs[name] = input;
    form.append(input);
  }
  const err = el("span", "", "error");
  form.append(h("button", { type: "submit" }, button), err);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    const params = {};
    for (const [k, input] of Object.entries(inputs)) if (input.value !== "") params[k] = input.type === "checkbox" ? input.checked : input.value;
    try {
      const r = await api("POST", path, params);
      form.reset();
      await done(r);
    } catch (e) {
      err.textContent = e.message;
    }
  });
  return form;
}

export async function workers(root, ctx, [sid]) {
  const base = await wsPath(ctx);
  if (sid) return worker(root, base, sid);
  const [list, acts] = await Promise.all([listAll(`${base}/Workers`, "workers"), listAll(`${base}/Activities`, "activities")]);
  const rows = list.map((w) => h("tr", {}, h("td", {}, h("a", { href: `#workers/${w.sid}`, text: w.friendly_name })),
    el("td", w.activity_name, `badge ${w.available ? "available" : ""}`), el("td", pretty(attrs(w.attributes)).slice(0, 120), "mono"), el("td", w.sid, "mono muted")));
  root.append(h("section", { class: "card" }, el("h2", "Workers"),
    createForm("worker-form", `${base}/Workers`, [
      ["FriendlyName", "Name"],
      ["Attributes", "Attributes JSON", { value: '{"contact_uri":"client:agent","routing":{"skills":[]}}' }],
      ["ActivitySid", "Activity", { options: acts.map((a) => [a.sid, a.friendly_name]) }],
    ], () => workers(root.replaceChildren() || root, ctx, [])),
    table("workers", ["Name", "Activity", "Attributes", "SID"], rows)));
}

async function worker(root, base, sid) {
  const [w, acts, chans] = await Promise.all([api("GET", `${base}/Workers/${sid}`), listAll(`${base}/Activities`, "activities"),
    listAll(`${base}/Workers/${sid}/Channels`, "channels").catch(() => [])]);
  const name = h("input", { name: "FriendlyName", value: w.friendly_name });
  const attributes = h("textarea", { id: "worker-attributes", rows: 8, spellcheck: "false" });
  attributes.value = pretty(attrs(w.attributes));
  const activity = h("select", { id: "worker-activity" }, ...acts.map((a) => h("option", { value: a.sid, text: a.friendly_name })));
  activity.value = w.activity_sid;
  const err = el("span", "", "error");
  const save = h("button", { type: "button", onclick: async () => {
    err.textContent = "";
    try {
      JSON.parse(attributes.value);
      await api("POST", `${base}/Workers/${sid}`, { FriendlyName: name.value, Attributes: attributes.value, ActivitySid: activity.value });
      toast("Worker saved");
    } catch (e) { err.textContent = e.message; }
  } }, "Save");
  const pw = h("input", { type: "password", id: "agent-password", placeholder: "New agent password (8+ characters)", autocomplete: "new-password" });
  const pwErr = el("span", "", "error");
  const setPw = h("form", { class: "inline", id: "password-form", onsubmit: async (ev) => {
    ev.preventDefault();
    pwErr.textContent = "";
    try {
      await api("POST", `/admin/api/workers/${sid}/password`, { Password: pw.value });
      pw.value = "";
      toast("Agent password set; the agent signs in at /agent");
    } catch (e) { pwErr.textContent = e.message; }
  } }, pw, h("button", { type: "submit" }, "Set password"), pwErr);
  const chanRows = chans.map((c) => {
    const cap = h("input", { type: "number", min: 0, max: 50, value: c.configured_capacity, class: "narrow", "aria-label": `capacity ${c.task_channel_unique_name}` });
    const on = h("input", { type: "checkbox", "aria-label": `available ${c.task_channel_unique_name}` });
    on.checked = !!c.available;
    const upd = h("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        await api("POST", `${base}/Workers/${sid}/Channels/${c.sid}`, { Capacity: cap.value, Available: on.checked });
        toast(`Channel ${c.task_channel_unique_name} updated`);
      } catch (e) { toast(e.message, true); }
    } }, "Update");
    return h("tr", {}, el("td", c.task_channel_unique_name), h("td", {}, cap), el("td", c.assigned_tasks ?? 0), el("td", `${c.available_capacity_percentage ?? 0}%`), h("td", {}, on), h("td", {}, upd));
  });
  root.append(
    h("section", { class: "card" }, h("div", { class: "row" }, h("a", { href: "#workers", text: "← Workers" }), el("h2", w.friendly_name), el("span", w.sid, "mono muted")),
      h("div", { class: "grid2" },
        h("div", {}, h("label", {}, "Name"), name, h("label", {}, "Activity"), activity, h("label", {}, "Attributes (JSON)"), attributes, h("p", {}, save, err)),
        h("div", {}, el("h3", "Agent sign-in"), el("p", "The agent signs in at /agent with this worker's name and this password.", "muted"), setPw,
          el("h3", "Channels"), table("worker-channels", ["Channel", "Capacity", "Assigned", "Free", "Available", ""], chanRows)))),
  );
}

export async function queues(root, ctx) {
  const base = await wsPath(ctx);
  const list = await listAll(`${base}/TaskQueues`, "task_queues");
  const rows = list.map((q) => h("tr", {}, el("td", q.friendly_name), el("td", q.target_workers, "mono"), el("td", q.task_order), el("td", q.max_reserved_workers), el("td", q.sid, "mono muted")));
  root.append(h("section", { class: "card" }, el("h2", "Task queues"),
    createForm("queue-form", `${base}/TaskQueues`, [["FriendlyName", "Name"], ["TargetWorkers", "Target workers expression", { value: "1==1" }],
      ["TaskOrder", "Order", { options: [["FIFO", "FIFO"], ["LIFO", "LIFO"]] }]], () => queues(root.replaceChildren() || root, ctx)),
    table("queues", ["Name", "Target workers", "Order", "Max reserved", "SID"], rows)));
}

export async function workflows(root, ctx, [sid]) {
  const base = await wsPath(ctx);
  const list = await listAll(`${base}/Workflows`, "workflows");
  const current = list.find((w) => w.sid === sid);
  const rows = list.map((w) => h("tr", {}, h("td", {}, h("a", { href: `#workflows/${w.sid}`, text: w.friendly_name })), el("td", w.task_reservation_timeout), el("td", w.sid, "mono muted")));
  const name = h("input", { id: "workflow-name", placeholder: "Name", value: current ? current.friendly_name : "" });
  const config = h("textarea", { id: "workflow-config", rows: 16, spellcheck: "false" });
  config.value = pretty(current ? current.configuration : { task_routing: { filters: [{ filter_friendly_name: "Spanish", expression: "language == \"es\"", targets: [{ queue: "WQ…", timeout: 120 }] }], default_filter: { queue: "WQ…" } } });
  const errors = h("div", { id: "workflow-errors", class: "problems" });
  const timeout = h("input", { type: "number", min: 1, max: 86400, value: current ? current.task_reservation_timeout : 120, class: "narrow", "aria-label": "reservation timeout" });
  config.addEventListener("input", () => {
    try { JSON.parse(config.value); errors.replaceChildren(); } catch (e) { errors.replaceChildren(el("p", `JSON: ${e.message}`, "error")); }
  });
  const save = h("button", { type: "button", id: "workflow-save", onclick: async () => {
    errors.replaceChildren();
    try {
      const params = { FriendlyName: name.value, Configuration: JSON.stringify(JSON.parse(config.value)), TaskReservationTimeout: timeout.value };
      const r = await api("POST", current ? `${base}/Workflows/${current.sid}` : `${base}/Workflows`, params);
      toast("Workflow saved");
      location.hash = `#workflows/${r.sid}`;
    } catch (e) {
      errors.replaceChildren(el("p", e.message, "error"));
    }
  } }, current ? "Save workflow" : "Create workflow");
  root.append(h("section", { class: "card" }, el("h2", "Workflows"), table("workflows", ["Name", "Reservation timeout (s)", "SID"], rows)),
    h("section", { class: "card" }, el("h2", current ? `Edit ${current.friendly_name}` : "New workflow"),
      h("div", { class: "row" }, name, el("span", "Reservation timeout", "muted"), timeout, save), config, errors));
}

export async function activities(root, ctx) {
  const base = await wsPath(ctx);
  const list = await listAll(`${base}/Activities`, "activities");
  const rows = list.map((a) => h("tr", {}, el("td", a.friendly_name), el("td", a.available ? "yes" : "no"), el("td", a.sid, "mono muted")));
  root.append(h("section", { class: "card" }, el("h2", "Activities"),
    createForm("activity-form", `${base}/Activities`, [["FriendlyName", "Name"], ["Available", "Available", { options: [["false", "Not available"], ["true", "Available"]] }]],
      () => activities(root.replaceChildren() || root, ctx)),
    table("activities", ["Name", "Available", "SID"], rows)));
}

export async function channels(root, ctx) {
  const base = await wsPath(ctx);
  const list = await listAll(`${base}/TaskChannels`, "channels");
  const rows = list.map((c) => h("tr", {}, el("td", c.unique_name, "mono"), el("td", c.friendly_name), el("td", c.channel_optimized_routing ? "yes" : "no"), el("td", c.sid, "mono muted")));
  root.append(h("section", { class: "card" }, el("h2", "Task channels"),
    createForm("channel-form", `${base}/TaskChannels`, [["UniqueName", "Unique name"], ["FriendlyName", "Name"]], () => channels(root.replaceChildren() || root, ctx)),
    table("channels", ["Unique name", "Name", "Optimized routing", "SID"], rows)));
}

export async function tasks(root, ctx, [sid]) {
  const base = await wsPath(ctx);
  if (sid) return task(root, base, sid);
  const list = await listAll(`${base}/Tasks`, "tasks", 200);
  const rows = list.map((t) => h("tr", {}, h("td", {}, h("a", { href: `#tasks/${t.sid}`, text: t.sid, class: "mono" })), el("td", t.assignment_status, `badge ${t.assignment_status}`),
    el("td", t.task_channel_unique_name), el("td", t.task_queue_friendly_name || ""), el("td", duration(t.age || 0)), el("td", pretty(attrs(t.attributes)).slice(0, 100), "mono")));
  root.append(h("section", { class: "card" }, el("h2", "Tasks"),
    list.length ? table("tasks", ["Task", "Status", "Channel", "Queue", "Age", "Attributes"], rows) : el("p", "No tasks.", "muted")));
}

async function task(root, base, sid) {
  const [t, events] = await Promise.all([api("GET", `${base}/Tasks/${sid}`), listAll(`${base}/Events?TaskSid=${sid}`, "events", 500)]);
  const rows = events.map((e) => h("tr", {}, el("td", e.event_date, "muted"), el("td", e.event_type, "mono"), el("td", e.description)));
  root.append(h("section", { class: "card" }, h("div", { class: "row" }, h("a", { href: "#tasks", text: "← Tasks" }), el("h2", `Task ${t.sid}`), el("span", t.assignment_status, `badge ${t.assignment_status}`)),
    h("div", { class: "grid2" }, h("div", {}, el("h3", "Attributes"), el("pre", pretty(attrs(t.attributes)))),
      h("div", {}, el("h3", "Details"), table("task-details", ["Field", "Value"], [["Channel", t.task_channel_unique_name], ["Queue", t.task_queue_friendly_name], ["Priority", t.priority], ["Reason", t.reason], ["Age", duration(t.age || 0)], ["Created", t.date_created]]
        .map(([k, v]) => h("tr", {}, el("th", k), el("td", v ?? ""))))))),
  h("section", { class: "card" }, el("h2", "Events"), table("task-events", ["When", "Event", "Description"], rows)));
}
