// TaskRouter in the admin console: workers (skills, languages and level as labelled fields,
// activity, channel capacity, whether the agent's password is set), workflows (a builder
// of filters and queues chosen by name; the server's expression errors are shown),
// activities, task channels, and tasks with their events (queues: admin-queues.mjs). Twilio's
// TaskRouter v1 shapes.
import { api, attrs, el, h, listAll, pretty, toast, duration, table } from "/static/common.mjs";
import * as tasksPage from "/static/admin-tasks.mjs";

async function wsPath(ctx) {
  const ws = await ctx.workspace();
  if (!ws) throw new Error("no TaskRouter workspace yet");
  return `/v1/Workspaces/${ws}`;
}


/** A create form: fields [name, label, {type, options, value, help}] → POST to `path`, then `done()`. */
function createForm(id, path, fields, done, button = "Create") {
  const inputs = {};
  const form = h("form", { class: "inline labelled", id });
  for (const [name, label, opt = {}] of fields) {
    let input;
    const fid = `${id}-${name}`;
    if (opt.options) {
      input = h("select", { name, id: fid }, ...opt.options.map(([v, t]) => h("option", { value: v, text: t })));
    } else if (opt.type === "textarea") {
      input = h("textarea", { name, id: fid, rows: 3 });
    } else {
      input = h("input", { name, id: fid, type: opt.type || "text", placeholder: opt.placeholder || null });
    }
    if (opt.value !== undefined) input.value = opt.value;
    inputs[name] = input;
    form.append(h("div", { class: "field" }, h("label", { for: fid }, label), input, opt.help ? el("p", opt.help, "muted help") : null));
  }
  const err = el("span", "", "error");
  form.append(h("div", { class: "field" }, h("button", { type: "submit" }, button)), err);
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

/** "sales, support" → ["sales", "support"]. */
const tags = (text) => [...new Set(String(text || "").split(/[,\n]/).map((x) => x.trim()).filter(Boolean))];

/**
 * A worker's routing as labelled fields: skills, languages, level (Flex's `routing.skills`,
 * `languages`, `level`). `read()` gives the attributes back with everything else kept as it was.
 */
function routingFields(prefix, current) {
  const a = { ...current };
  const routing = a.routing && typeof a.routing === "object" ? a.routing : {};
  const skills = h("input", { id: `${prefix}-skills`, name: "Skills", value: (routing.skills || []).join(", "), placeholder: "sales, support" });
  const langs = h("input", { id: `${prefix}-languages`, name: "Languages", value: (Array.isArray(a.languages) ? a.languages : []).join(", "), placeholder: "en, es" });
  const level = h("input", { id: `${prefix}-level`, name: "Level", type: "number", min: 0, max: 10, value: a.level ?? "", class: "narrow" });
  const field = (id, label, input, help) => h("div", { class: "field" }, h("label", { for: id }, label), input, help ? el("p", help, "muted help") : null);
  return {
    fields: [field(skills.id, "Skills", skills, "Comma-separated; a queue's rules pick agents by them (Queues page)."),
      field(langs.id, "Languages", langs, "Comma-separated codes, e.g. en, es."), field(level.id, "Level (0–10)", level)],
    read(name) {
      const out = { ...a };
      out.routing = { ...routing, skills: tags(skills.value) };
      const l = tags(langs.value);
      if (l.length) out.languages = l; else delete out.languages;
      if (level.value !== "") out.level = Number(level.value); else delete out.level;
      if (name && !out.contact_uri) out.contact_uri = `client:${name}`;
      return out;
    },
  };
}

export async function workers(root, ctx, [sid]) {
  const base = await wsPath(ctx);
  if (sid) return worker(root, base, sid);
  const [list, acts] = await Promise.all([listAll(`${base}/Workers`, "workers"), listAll(`${base}/Activities`, "activities")]);
  const pw = await Promise.all(list.map((w) => api("GET", `/admin/api/workers/${w.sid}/password`).then((r) => r.password_set).catch(() => null)));
  const rows = list.map((w, i) => {
    const a = attrs(w.attributes);
    const skills = (a.routing && a.routing.skills) || [];
    return h("tr", {}, h("td", {}, h("a", { href: `#workers/${w.sid}`, text: w.friendly_name })),
      el("td", w.activity_name, `badge ${w.available ? "available" : ""}`),
      h("td", {}, ...(skills.length ? skills.map((s) => el("span", s, "chip")) : [el("span", "none", "muted")])),
      el("td", (a.languages || []).join(", ")),
      el("td", pw[i] === true ? "set" : pw[i] === false ? "not set: the agent cannot sign in" : "", pw[i] ? "ok" : "warning"));
  });
  const name = h("input", { id: "worker-name", name: "FriendlyName", required: true, placeholder: "alice" });
  const activity = h("select", { id: "worker-new-activity", name: "ActivitySid" }, ...acts.map((a) => h("option", { value: a.sid, text: a.friendly_name })));
  const rf = routingFields("worker-new", {});
  const err = el("p", "", "error");
  const form = h("form", { id: "worker-form", class: "inline labelled", onsubmit: async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    if (!name.value.trim()) { err.textContent = "Give the worker a name: the agent signs in with it."; return; }
    try {
      const w = await api("POST", `${base}/Workers`, { FriendlyName: name.value.trim(), ActivitySid: activity.value, Attributes: JSON.stringify(rf.read(name.value.trim())) });
      toast(`${w.friendly_name} added: open them to set a password, so they can sign in at /agent`);
      await workers(root.replaceChildren() || root, ctx, []);
    } catch (e) { err.textContent = `Not added: ${e.message}`; }
  } },
  h("div", { class: "field" }, h("label", { for: "worker-name" }, "Name (the agent's sign-in)"), name),
  h("div", { class: "field" }, h("label", { for: "worker-new-activity" }, "Activity"), activity), ...rf.fields,
  h("div", { class: "field" }, h("button", { type: "submit" }, "Add worker")), err);
  root.append(h("section", { class: "card" }, el("h2", "Workers"), el("h3", "Add a worker"), form,
    list.length ? h("div", { class: "scroll" }, table("workers", ["Name", "Activity", "Skills", "Languages", "Agent password"], rows)) : el("p", "No workers yet: add the first agent above.", "muted")));
}

async function worker(root, base, sid) {
  const [w, acts, chans, pw] = await Promise.all([api("GET", `${base}/Workers/${sid}`), listAll(`${base}/Activities`, "activities"),
    listAll(`${base}/Workers/${sid}/Channels`, "channels").catch(() => []), api("GET", `/admin/api/workers/${sid}/password`).catch(() => ({}))]);
  const name = h("input", { id: "worker-edit-name", name: "FriendlyName", value: w.friendly_name });
  const activity = h("select", { id: "worker-activity" }, ...acts.map((a) => h("option", { value: a.sid, text: a.friendly_name })));
  activity.value = w.activity_sid;
  const current = attrs(w.attributes);
  const rf = routingFields("worker-edit", current);
  const others = { ...current };
  delete others.routing; delete others.languages; delete others.level;
  const advanced = h("textarea", { id: "worker-attributes", rows: 5, spellcheck: "false" });
  advanced.value = pretty(others);
  const err = el("span", "", "error");
  const save = h("button", { type: "button", id: "worker-save", onclick: async () => {
    err.textContent = "";
    let extra;
    try { extra = JSON.parse(advanced.value || "{}"); } catch (e) { err.textContent = `Other attributes are not JSON: ${e.message}`; return; }
    try {
      const routing = rf.read();
      const merged = { ...extra, routing: routing.routing, ...(routing.languages ? { languages: routing.languages } : {}), ...(routing.level !== undefined ? { level: routing.level } : {}) };
      await api("POST", `${base}/Workers/${sid}`, { FriendlyName: name.value, Attributes: JSON.stringify(merged), ActivitySid: activity.value });
      toast("Worker saved");
    } catch (e) { err.textContent = e.message; }
  } }, "Save");
  const pwState = el("p", pw.password_set ? "A password is set: the agent can sign in at /agent." : "No password yet: the agent cannot sign in until you set one.", pw.password_set ? "ok" : "warning");
  pwState.id = "password-state";
  const pwIn = h("input", { type: "password", id: "agent-password", placeholder: "8 characters or more", autocomplete: "new-password" });
  const pwErr = el("span", "", "error");
  const setPw = h("form", { class: "inline labelled", id: "password-form", onsubmit: async (ev) => {
    ev.preventDefault();
    pwErr.textContent = "";
    try {
      await api("POST", `/admin/api/workers/${sid}/password`, { Password: pwIn.value });
      pwIn.value = "";
      pwState.textContent = "A password is set: the agent can sign in at /agent.";
      pwState.className = "ok";
      toast("Agent password set; the agent signs in at /agent");
    } catch (e) { pwErr.textContent = e.message; }
  } }, h("div", { class: "field" }, h("label", { for: "agent-password" }, pw.password_set ? "New password" : "Password"), pwIn), h("div", { class: "field" }, h("button", { type: "submit" }, "Set password")), pwErr);
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
    h("section", { class: "card" }, h("div", { class: "row" }, h("a", { href: "#workers", text: "← Workers" }), el("h2", w.friendly_name)),
      h("div", { class: "grid2" },
        h("div", {}, h("div", { class: "field" }, h("label", { for: "worker-edit-name" }, "Name"), name), h("div", { class: "field" }, h("label", { for: "worker-activity" }, "Activity"), activity), ...rf.fields,
          h("details", { class: "advanced" }, h("summary", {}, "Other attributes (advanced)"), advanced), h("p", {}, save, err)),
        h("div", {}, el("h3", "Agent sign-in"), el("p", "The agent signs in at /agent with this worker's name and password.", "muted"), pwState, setPw,
          el("h3", "Channels"), table("worker-channels", ["Channel", "Capacity", "Assigned", "Free", "Available", ""], chanRows)))),
  );
}

/** A workflow's configuration as an object (Twilio sends it as a JSON string). */
function configOf(w) {
  const c = w ? attrs(w.configuration) : {};
  const tr = c.task_routing && typeof c.task_routing === "object" ? c.task_routing : {};
  return { ...c, task_routing: { ...tr, filters: Array.isArray(tr.filters) ? tr.filters : [] } };
}

export async function workflows(root, ctx, [sid]) {
  const base = await wsPath(ctx);
  const [list, queues] = await Promise.all([listAll(`${base}/Workflows`, "workflows"), listAll(`${base}/TaskQueues`, "task_queues")]);
  const current = list.find((w) => w.sid === sid);
  const qName = (q) => (queues.find((x) => x.sid === q) || { friendly_name: q ? "a queue that no longer exists" : "no queue" }).friendly_name;
  const rows = list.map((w) => {
    const c = configOf(w);
    const f = c.task_routing.filters;
    const def = c.task_routing.default_filter && c.task_routing.default_filter.queue;
    const text = `${f.map((x) => `${x.filter_friendly_name || x.expression} → ${qName(x.targets && x.targets[0] && x.targets[0].queue)}`).join("; ")}${f.length ? "; " : ""}otherwise ${qName(def)}`;
    return h("tr", {}, h("td", {}, h("a", { href: `#workflows/${w.sid}`, text: w.friendly_name })), el("td", text), el("td", w.task_reservation_timeout));
  });
  const config = current ? configOf(current) : { task_routing: { filters: [], default_filter: { queue: (queues[0] || {}).sid || "" } } };
  const name = h("input", { id: "workflow-name", placeholder: "e.g. Spanish first", value: current ? current.friendly_name : "" });
  const timeout = h("input", { id: "workflow-timeout", type: "number", min: 1, max: 86400, value: current ? current.task_reservation_timeout : 120, class: "narrow" });
  const errors = h("div", { id: "workflow-errors", class: "problems", role: "alert" });
  const filtersBox = h("div", { id: "workflow-filters" });
  const queueSelect = (value, label) => {
    const sel = h("select", { "aria-label": label, class: "wf-queue" }, ...queues.map((q) => h("option", { value: q.sid, text: q.friendly_name })));
    if (value && !queues.some((q) => q.sid === value)) sel.append(h("option", { value, text: "A queue that no longer exists: choose another" }));
    sel.value = value || (queues[0] || {}).sid || "";
    return sel;
  };
  const json = h("textarea", { id: "workflow-config", rows: 12, spellcheck: "false" });
  const syncJson = () => { json.value = pretty(config); };
  const field = (label, input, help) => h("div", { class: "field" }, h("label", {}, label, input), help ? el("p", help, "muted help") : null);
  function drawFilters() {
    const tr = config.task_routing;
    filtersBox.replaceChildren(...tr.filters.map((f, i) => {
      f.targets = Array.isArray(f.targets) && f.targets.length ? f.targets : [{ queue: (queues[0] || {}).sid }];
      const t = f.targets[0];
      const fname = h("input", { name: "filter_friendly_name", value: f.filter_friendly_name || "", placeholder: "Spanish speakers" });
      const expr = h("input", { name: "expression", value: f.expression || "", placeholder: 'language == "es"', class: "mono" });
      const queue = queueSelect(t.queue, `queue of filter ${i + 1}`);
      const tmo = h("input", { name: "timeout", type: "number", min: 1, value: t.timeout ?? "", class: "narrow", placeholder: "none" });
      fname.addEventListener("input", () => { f.filter_friendly_name = fname.value; syncJson(); });
      expr.addEventListener("input", () => { f.expression = expr.value; syncJson(); });
      queue.addEventListener("change", () => { t.queue = queue.value; syncJson(); });
      tmo.addEventListener("input", () => { if (tmo.value) t.timeout = Number(tmo.value); else delete t.timeout; syncJson(); });
      const more = f.targets.length > 1 ? el("p", `and ${f.targets.length - 1} more target(s), kept as they are (see the JSON)`, "muted help") : null;
      return h("div", { class: "wf-filter", dataset: { index: i } }, el("h3", `Filter ${i + 1}`),
        h("div", { class: "inline labelled" }, field("Name", fname), field("Tasks whose attributes match", expr, 'e.g. language == "es"'),
          field("go to queue", queue), field("for at most (s)", tmo),
          h("div", { class: "field" }, h("button", { type: "button", class: "secondary", onclick: () => { tr.filters.splice(i, 1); drawFilters(); } }, "Remove"))), more);
    }));
    syncJson();
  }
  const defaultQueue = queueSelect(config.task_routing.default_filter && config.task_routing.default_filter.queue, "default queue");
  defaultQueue.id = "workflow-default-queue";
  defaultQueue.addEventListener("change", () => { config.task_routing.default_filter = { ...(config.task_routing.default_filter || {}), queue: defaultQueue.value }; syncJson(); });
  json.addEventListener("change", () => {
    try {
      const next = configOf({ configuration: JSON.parse(json.value) });
      Object.keys(config).forEach((k) => delete config[k]);
      Object.assign(config, next);
      defaultQueue.value = (config.task_routing.default_filter || {}).queue || "";
      drawFilters();
      errors.replaceChildren();
    } catch (e) { errors.replaceChildren(el("p", `JSON: ${e.message}`, "error")); }
  });
  drawFilters();
  const save = h("button", { type: "button", id: "workflow-save", onclick: async () => {
    errors.replaceChildren();
    if (!name.value.trim()) return errors.replaceChildren(el("p", "Give the workflow a name.", "error"));
    const blank = config.task_routing.filters.findIndex((f) => !String(f.expression || "").trim());
    if (blank >= 0) return errors.replaceChildren(el("p", `Filter ${blank + 1} needs an expression (1==1 matches every task).`, "error"));
    if (!queues.length) return errors.replaceChildren(el("p", "Create a queue first (Queues page).", "error"));
    config.task_routing.default_filter = { ...(config.task_routing.default_filter || {}), queue: defaultQueue.value };
    try {
      const params = { FriendlyName: name.value.trim(), Configuration: JSON.stringify(config), TaskReservationTimeout: timeout.value };
      const r = await api("POST", current ? `${base}/Workflows/${current.sid}` : `${base}/Workflows`, params);
      toast(`Workflow ${r.friendly_name} saved`);
      location.hash = `#workflows/${r.sid}`;
    } catch (e) {
      errors.replaceChildren(el("p", `Not saved: ${e.message}`, "error"));
    }
  } }, current ? "Save workflow" : "Create workflow");
  root.append(h("section", { class: "card" }, el("h2", "Workflows"), h("div", { class: "scroll" }, table("workflows", ["Name", "Routes", "Reservation timeout (s)"], rows))),
    h("section", { class: "card", id: "workflow-builder" }, h("div", { class: "row" }, el("h2", current ? `Edit ${current.friendly_name}` : "New workflow"), h("span", { class: "spacer" }), current ? h("a", { href: "#workflows", text: "New workflow" }) : null),
      h("div", { class: "inline labelled" }, field("Name", name), field("Reservation timeout (s)", timeout, "How long an agent has to accept.")),
      filtersBox,
      h("div", { class: "row" }, h("button", { type: "button", class: "secondary", id: "workflow-add-filter", onclick: () => {
        config.task_routing.filters.push({ filter_friendly_name: "", expression: "", targets: [{ queue: (queues[0] || {}).sid }] });
        drawFilters();
      } }, "Add filter")),
      h("div", { class: "inline labelled" }, field("Every other task goes to", defaultQueue)),
      h("details", { class: "advanced" }, h("summary", {}, "Configuration JSON (advanced)"), json),
      h("p", {}, save), errors));
}

export async function activities(root, ctx) {
  const base = await wsPath(ctx);
  const list = await listAll(`${base}/Activities`, "activities");
  const rows = list.map((a) => h("tr", {}, el("td", a.friendly_name), el("td", a.available ? "yes" : "no")));
  root.append(h("section", { class: "card" }, el("h2", "Activities"),
    createForm("activity-form", `${base}/Activities`, [["FriendlyName", "Name"], ["Available", "Available", { options: [["false", "Not available"], ["true", "Available"]] }]],
      () => activities(root.replaceChildren() || root, ctx)),
    table("activities", ["Name", "Available"], rows)));
}

export async function channels(root, ctx) {
  const base = await wsPath(ctx);
  const list = await listAll(`${base}/TaskChannels`, "channels");
  const rows = list.map((c) => h("tr", {}, el("td", c.unique_name, "mono"), el("td", c.friendly_name), el("td", c.channel_optimized_routing ? "yes" : "no")));
  root.append(h("section", { class: "card" }, el("h2", "Task channels"),
    createForm("channel-form", `${base}/TaskChannels`, [["UniqueName", "Unique name"], ["FriendlyName", "Name"]], () => channels(root.replaceChildren() || root, ctx)),
    table("channels", ["Unique name", "Name", "Optimized routing"], rows)));
}

export async function tasks(root, ctx, rest) {
  return tasksPage.view(root, await wsPath(ctx), rest);
}
