// The console's Tasks pages, in words a person reads: each task by its customer (the name or
// address its attributes carry, as the floor shows it), its status in words, queue, channel and
// times in the office's local time; one task's page with what its attributes say as fields and
// its life as sentences ("Offered to Alice Smith", "Alice Smith accepted"). The task's SID and
// raw attributes stay under "Technical details", for support.
import { api, attrs, el, h, listAll, pretty, duration, table, when } from "/static/common.mjs";

const STATUS = { pending: "Waiting", reserved: "Ringing", assigned: "In progress", wrapping: "Wrapping up", completed: "Completed", canceled: "Canceled" };
const LIVE = ["pending", "reserved", "assigned", "wrapping"];

/** The customer a task is for, as the floor names it; else when it came in. */
export function customerOf(t) {
  const a = attrs(t.attributes) || {};
  for (const k of ["customer_name", "customerName", "name", "from", "customerAddress", "caller"]) {
    if (typeof a[k] === "string" && a[k].trim()) return a[k].trim();
  }
  return `Task of ${localTime(t.date_created)}`;
}

/** The time alone today, else the date too (the office's). */
const localTime = (iso) => when(iso, "auto");

/** Workers by login → the name a person knows them by. */
async function agentNames(base) {
  const workers = await listAll(`${base}/Workers`, "workers", 1000).catch(() => []);
  const names = new Map();
  for (const w of workers) {
    const a = attrs(w.attributes) || {};
    names.set(w.friendly_name, (typeof a.full_name === "string" && a.full_name.trim()) || w.friendly_name);
  }
  return names;
}

/** One event of a task's life as a sentence, without SIDs. */
export function sentence(e, names) {
  const d = e.event_data || {};
  const agent = names.get(d.WorkerName) || d.WorkerName || "an agent";
  const why = d.TaskCompletedReason || d.TaskCanceledReason || d.Reason;
  const phrases = {
    "task.created": "Came in",
    "task.updated": "Details changed",
    "task.canceled": `Canceled${why ? `: ${why}` : ""}`,
    "task.completed": `Completed${why ? `: ${why}` : ""}`,
    "task.wrapup": "Conversation over; wrap-up started",
    "task.deleted": "Deleted",
    "task.transfer-initiated": "Transfer started",
    "task.transfer-attempt-failed": "A transfer found nobody",
    "task.transfer-completed": "Transfer done",
    "task.transfer-canceled": "Transfer withdrawn",
    "task.transfer-failed": "Transfer failed",
    "workflow.entered": `Routed by “${d.WorkflowName || "the workflow"}”`,
    "workflow.target-matched": `Matched the rule “${d.WorkflowFilterName || "default"}”`,
    "workflow.skipped": "Skipped a routing step",
    "workflow.timeout": "Nobody took it before the workflow's time ran out",
    "task-queue.entered": `Waiting in queue ${d.TaskQueueName || ""}`.trim(),
    "task-queue.moved": `Moved to queue ${d.TaskQueueName || ""}`.trim(),
    "task-queue.timeout": `Left queue ${d.TaskQueueName || ""} after waiting its time`.trim(),
    "reservation.created": `Offered to ${agent}`,
    "reservation.accepted": `${agent} accepted`,
    "reservation.rejected": `${agent} declined`,
    "reservation.timeout": `${agent} did not answer in time`,
    "reservation.canceled": `The offer to ${agent} was withdrawn`,
    "reservation.rescinded": `The offer to ${agent} was withdrawn (another agent took it)`,
    "reservation.wrapup": `${agent} is wrapping up`,
    "reservation.completed": `${agent} finished`,
    "reservation.failed": `The offer to ${agent} failed`,
  };
  if (phrases[e.event_type]) return phrases[e.event_type];
  // Anything else: its description, with the SIDs it names left out.
  return String(e.description || e.event_type)
    .replace(/\b(Task|Reservation|Worker) [A-Z]{2}[0-9a-f]{32}\b/g, (_, w) => ({ Task: "The task", Reservation: "The offer", Worker: "An agent" })[w])
    .replace(/\b[A-Z]{2}[0-9a-f]{32}\b/g, "…");
}

/** Attributes as field rows: nested objects as "a › b", lists joined, long values kept whole. */
function fields(value, prefix = "") {
  const rows = [];
  for (const [k, v] of Object.entries(value || {})) {
    const name = prefix ? `${prefix} › ${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) rows.push(...fields(v, name));
    else rows.push([name, Array.isArray(v) ? v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ") : String(v ?? "")]);
  }
  return rows;
}


function badge(status) {
  return el("span", STATUS[status] || status, `badge ${status}`);
}

export async function view(root, base, [sid]) {
  if (sid) return task(root, base, sid);
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const which = params.get("status") || "live";
  const picker = h("select", { id: "task-filter", "aria-label": "Which tasks" },
    ...[["live", "Open now"], ["completed", "Completed"], ["canceled", "Canceled"], ["all", "All"]].map(([v, t]) => h("option", { value: v, text: t, selected: v === which })));
  picker.addEventListener("change", () => { location.hash = `#tasks?status=${picker.value}`; });
  const list = await listAll(`${base}/Tasks${which === "live" || which === "all" ? "" : `?AssignmentStatus=${which}`}`, "tasks", 500);
  const shown = which === "live" ? list.filter((t) => LIVE.includes(t.assignment_status)) : list;
  const rows = shown.map((t) => h("tr", {}, h("td", {}, h("a", { href: `#tasks/${t.sid}`, text: customerOf(t), dataset: { task: t.sid } })), h("td", {}, badge(t.assignment_status)),
    el("td", t.task_channel_unique_name), el("td", t.task_queue_friendly_name || "—"), el("td", localTime(t.date_created), "nowrap"), el("td", LIVE.includes(t.assignment_status) ? duration(t.age || 0) : "—", "num")));
  root.append(h("section", { class: "card" }, h("div", { class: "row" }, el("h2", "Tasks"), h("span", { class: "spacer" }), picker),
    shown.length ? h("div", { class: "scroll" }, table("tasks", ["Customer", "Status", "Channel", "Queue", "Came in", "Waiting"], rows))
      : el("p", which === "live" ? "No open tasks: nobody is waiting or being served." : "No tasks here.", "muted")));
}

async function task(root, base, sid) {
  const [t, events, names] = await Promise.all([api("GET", `${base}/Tasks/${sid}`), listAll(`${base}/Events?TaskSid=${sid}`, "events", 500), agentNames(base)]);
  const life = [...events].reverse().map((e) => h("tr", { dataset: { event: e.event_type } }, el("td", localTime(e.event_date), "muted nowrap"), el("td", sentence(e, names))));
  const about = fields(attrs(t.attributes)).map(([k, v]) => h("tr", {}, el("th", k), el("td", v)));
  const details = [["Status", STATUS[t.assignment_status] || t.assignment_status], ["Channel", t.task_channel_unique_name], ["Queue", t.task_queue_friendly_name || "—"],
    ["Priority", t.priority], ["Reason", t.reason || "—"], ["Came in", localTime(t.date_created)], ["Waiting", LIVE.includes(t.assignment_status) ? duration(t.age || 0) : "—"]];
  root.append(h("section", { class: "card" }, h("div", { class: "row" }, h("a", { href: "#tasks", text: "← Tasks" }), el("h2", customerOf(t)), badge(t.assignment_status)),
    h("div", { class: "grid2" },
      h("div", {}, el("h3", "What the task says"), about.length ? table("task-attributes", ["Field", "Value"], about) : el("p", "Nothing besides its routing.", "muted")),
      h("div", {}, el("h3", "Details"), table("task-details", ["Field", "Value"], details.map(([k, v]) => h("tr", {}, el("th", k), el("td", v ?? "")))))),
    h("details", { class: "technical" }, el("summary", "Technical details"), h("p", {}, "Task SID ", el("code", t.sid)), el("pre", pretty(attrs(t.attributes))))),
  h("section", { class: "card" }, el("h2", "What happened"), life.length ? table("task-events", ["When", "What"], life) : el("p", "Nothing yet.", "muted")));
}
