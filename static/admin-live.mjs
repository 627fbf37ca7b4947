// The live dashboard (per queue: waiting tasks, longest wait, agents free to take one — an
// available agent with free capacity, from the floor's answer —, service level today; tasks by status),
// updated without reload by long-polling the workspace's events; Flex Flows with their janitor and
// long-lived switches; the System Checkup and the recent delivery failures.
import { api, el, h, listAll, follow, duration, toast, when, midnight } from "/static/common.mjs";

export async function dashboard(root, ctx) {
  const ws = await ctx.workspace();
  if (!ws) throw new Error("no TaskRouter workspace yet");
  const base = `/v1/Workspaces/${ws}`;
  const totals = h("div", { class: "stats", id: "status-totals" });
  const tbody = h("tbody", { id: "queue-stats" });
  const updated = el("span", "", "muted");
  root.append(h("section", { class: "card" }, h("div", { class: "row" }, el("h2", "Live dashboard"), h("span", { class: "spacer" }), updated), totals,
    h("div", { class: "scroll" }, h("table", { id: "dashboard" }, h("thead", {}, h("tr", {}, ...["Queue", "Waiting", "Longest wait", "Agents free", "Reserved", "Assigned", "Wrapping", "Service level today"].map((t) => el("th", t)))), tbody))));

  let busy = false, again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const [wsStats, queues, floor] = await Promise.all([api("GET", `${base}/RealTimeStatistics`), listAll(`${base}/TaskQueues`, "task_queues"),
        api("GET", `/admin/api/workspaces/${ws}/floor?Since=${encodeURIComponent(midnight())}`)]);
      const onFloor = new Map(floor.queues.map((q) => [q.sid, q]));
      const byStatus = wsStats.tasks_by_status || {};
      totals.replaceChildren(...["pending", "reserved", "assigned", "wrapping", "completed", "canceled"].filter((k) => k in byStatus || ["pending", "reserved", "assigned", "wrapping"].includes(k))
        .map((k) => h("div", { class: "stat", dataset: { status: k } }, el("b", byStatus[k] ?? 0), el("span", k))));
      const stats = await Promise.all(queues.map((q) => api("GET", `${base}/TaskQueues/${q.sid}/RealTimeStatistics`).catch(() => ({}))));
      tbody.replaceChildren(...queues.map((q, i) => {
        const s = stats[i] || {};
        const t = s.tasks_by_status || {};
        const f = onFloor.get(q.sid) || { free_agents: 0, free_agent_names: [], service_level: null };
        const free = el("td", f.free_agents, "num available");
        free.title = f.free_agent_names.join(", ") || "nobody can take a task now";
        return h("tr", { dataset: { queue: q.friendly_name } }, el("td", q.friendly_name), el("td", t.pending ?? 0, "num waiting"), el("td", duration(s.longest_task_waiting_age || 0)),
          free, el("td", t.reserved ?? 0, "num"), el("td", t.assigned ?? 0, "num"), el("td", t.wrapping ?? 0, "num"),
          el("td", f.service_level === null ? "—" : `${f.service_level}% within ${f.sla_seconds}s`, "num"));
      }));
      updated.textContent = `updated ${when(Date.now(), "seconds")}`;
    } finally {
      busy = false;
      // A refresh asked for meanwhile; its failure (a sign-out in between) is the next tick's.
      if (again) { again = false; refresh().catch(() => {}); }
    }
  }
  // Waiting times grow without events; a slow tick keeps "longest wait" honest. The stops are
  // registered before the first refresh is awaited: a page left while it loads (or signed out)
  // must not keep polling with a session that is gone.
  const quiet = () => refresh().catch(() => { /* the next event or tick tries again */ });
  const tick = setInterval(quiet, 15000);
  ctx.stop.push(() => clearInterval(tick));
  ctx.stop.push(follow("/admin/api/events", ws, quiet));
  await refresh();
}

export async function flexFlows(root) {
  const list = await listAll("/v1/FlexFlows", "flex_flows");
  const toggle = (f, field, param) => {
    const box = h("input", { type: "checkbox", "aria-label": `${param} ${f.friendly_name}`, dataset: { field: param } });
    box.checked = !!f[field];
    box.addEventListener("change", async () => {
      try {
        await api("POST", `/v1/FlexFlows/${f.sid}`, { [param]: box.checked });
        toast(`${f.friendly_name}: ${param} ${box.checked ? "on" : "off"}`);
      } catch (e) {
        box.checked = !box.checked;
        toast(e.message, true);
      }
    });
    return h("td", {}, box);
  };
  const rows = list.map((f) => h("tr", { dataset: { sid: f.sid } }, el("td", f.friendly_name), el("td", f.channel_type), el("td", f.contact_identity || "", "mono"),
    el("td", f.integration_type), toggle(f, "enabled", "Enabled"), toggle(f, "janitor_enabled", "JanitorEnabled"), toggle(f, "long_lived", "LongLived"), el("td", f.sid, "mono muted")));
  root.append(h("section", { class: "card" }, el("h2", "Flex Flows (message handlers)"),
    h("table", { id: "flexflows" }, h("thead", {}, h("tr", {}, ...["Name", "Channel", "Contact identity", "Integration", "Enabled", "Janitor", "Long-lived", "SID"].map((t) => el("th", t)))), h("tbody", {}, ...rows))));
}

/** Where the System Checkup runs (the channels module's admin action). */
export const CHECKUP_PATH = "/v1/Checkup";

export async function system(root) {
  const out = h("div", { id: "checkup-result" });
  const go = (fix) => async () => {
    for (const b of root.querySelectorAll("button")) b.disabled = true;
    out.replaceChildren(el("p", "Running…", "muted"));
    try {
      out.replaceChildren(checkupReport(await api("POST", CHECKUP_PATH, { Fix: fix })));
    } catch (e) {
      out.replaceChildren(el("p", `Checkup failed: ${e.message}`, "error"));
    } finally {
      for (const b of root.querySelectorAll("button")) b.disabled = false;
    }
  };
  root.append(h("section", { class: "card" }, el("h2", "System Checkup"),
    el("p", "Finds channel sessions and conversations whose tasks are gone (a crash, or the janitor off), and cleans them.", "muted"),
    h("div", { class: "row" },
      h("button", { type: "button", id: "run-checkup", onclick: go(true) }, "Run System Checkup and clean"),
      h("button", { type: "button", class: "secondary", id: "check-only", onclick: go(false) }, "Only report")),
    out));
  root.append(await failuresCard());
}

// Deliveries that gave up after their retries: event callbacks, webhooks, outbound messages.
async function failuresCard() {
  const list = (await api("GET", "/admin/api/failures?PageSize=50")).failures || [];
  const card = h("section", { class: "card", id: "failures" }, el("h2", "Recent delivery failures"),
    el("p", "Event callbacks, webhooks and outbound messages that gave up after their retries (newest first).", "muted"));
  if (!list.length) {
    card.append(el("p", "No failed deliveries.", "ok"));
    return card;
  }
  card.append(h("table", {}, h("thead", {}, h("tr", {}, el("th", "When"), el("th", "What"), el("th", "Details"))),
    h("tbody", {}, ...list.map((f) => h("tr", { dataset: { type: f.event_type } },
      el("td", when(f.date_created, "full")), el("td", f.event_type, "mono"), el("td", f.description))))));
  return card;
}

function checkupReport(r) {
  const sessions = r.stale_sessions || [];
  const convs = r.stale_conversations || [];
  const verb = r.fixed ? "Cleaned" : "Found";
  const box = h("div");
  box.append(el("p", sessions.length + convs.length === 0 ? "Everything is in order: nothing stale." :
    `${verb} ${sessions.length} stale channel session(s) and ${convs.length} stale conversation(s).`, sessions.length + convs.length ? "" : "ok"));
  if (sessions.length) {
    box.append(h("table", { id: "stale-sessions" }, h("thead", {}, h("tr", {}, el("th", "Session"), el("th", "Conversation"), el("th", "Why"))),
      h("tbody", {}, ...sessions.map((x) => h("tr", {}, el("td", x.sid, "mono"), el("td", x.conversation_sid, "mono"), el("td", x.reason))))));
  }
  if (convs.length) {
    box.append(h("table", { id: "stale-conversations" }, h("thead", {}, h("tr", {}, el("th", "Conversation"), el("th", "Why"))),
      h("tbody", {}, ...convs.map((x) => h("tr", {}, el("td", x.sid, "mono"), el("td", x.reason))))));
  }
  return box;
}
