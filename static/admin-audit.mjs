// The audit log in the admin console (issue 17): who changed which flow, workflow, queue, worker,
// user or setting, and when (the office's local time), newest first; filters by who, by what and
// by a word in the name; names as they were when the change was made, SIDs only where none exists.
import { api, el, h, when as at } from "/static/common.mjs";

const KINDS = [["", "Everything"], ["flow", "Flows"], ["workflow", "Workflows"], ["queue", "Queues"], ["worker", "Workers"], ["user", "Users"], ["setting", "Settings"], ["task", "Tasks (repairs)"], ["execution", "Studio executions"]];
const KIND_LABEL = { flow: "flow", workflow: "workflow", queue: "queue", worker: "worker", user: "user", setting: "setting", task: "task", execution: "execution" };

/** When it happened, in the office's time. */
const when = (iso) => at(iso, "full") || iso;

export async function view(root) {
  const who = h("select", { id: "audit-who", "aria-label": "Who" }, h("option", { value: "", text: "Anyone" }));
  const what = h("select", { id: "audit-what", "aria-label": "What" }, ...KINDS.map(([v, t]) => h("option", { value: v, text: t })));
  const text = h("input", { id: "audit-text", type: "search", placeholder: "a name, e.g. Billing", "aria-label": "Name contains" });
  const tbody = h("tbody");
  const more = h("button", { type: "button", class: "secondary hidden", id: "audit-more" }, "Older entries");
  const empty = el("p", "", "muted");
  let before = null;
  const load = async (append) => {
    const q = new URLSearchParams({ PageSize: "50" });
    if (who.value) q.set("Who", who.value);
    if (what.value) q.set("What", what.value);
    if (text.value.trim()) q.set("Text", text.value.trim());
    if (append && before) q.set("Before", before);
    const page = await api("GET", `/admin/api/audit?${q}`);
    if (!append) {
      const keep = who.value;
      who.replaceChildren(h("option", { value: "", text: "Anyone" }), ...page.actors.map((a) => h("option", { value: a.sid, text: a.name })));
      who.value = keep;
      tbody.replaceChildren();
    }
    for (const e of page.entries) {
      const thing = e.resource_name || (e.resource_sid ? `(unnamed ${e.resource_sid.slice(0, 2)}…${e.resource_sid.slice(-4)})` : "");
      const cellWhat = h("td", {}, el("span", KIND_LABEL[e.kind] || e.kind, "muted"), " ", el("strong", thing));
      if (e.resource_sid) cellWhat.title = e.resource_sid;
      const row = h("tr", { dataset: { kind: e.kind, action: e.action } }, el("td", when(e.date), "when"), el("td", e.actor_name, "who"), el("td", e.action, "did"), cellWhat, el("td", e.details, "details muted"));
      // Each cell names its column: the phone shows rows as labelled cards.
      ["When", "Who", "Did", "What", "Details"].forEach((l, i) => { row.cells[i].dataset.label = l; });
      tbody.append(row);
    }
    before = page.next_before;
    more.classList.toggle("hidden", !before);
    empty.textContent = tbody.children.length ? "" : "Nothing recorded matches.";
  };
  const form = h("form", { class: "inline", id: "audit-filter", onsubmit: (ev) => { ev.preventDefault(); load(false); } },
    who, what, text, h("button", { type: "submit" }, "Filter"));
  who.addEventListener("change", () => load(false));
  what.addEventListener("change", () => load(false));
  more.addEventListener("click", () => load(true));
  root.append(h("section", { class: "card" }, el("h2", "Audit log"),
    el("p", "Every change to flows, workflows, queues, workers, users and settings: who made it and when. What was sent is named, its values are not kept.", "muted"),
    form, h("div", { class: "scroll" }, h("table", { id: "audit", class: "floor" }, h("thead", {}, h("tr", {}, ...["When", "Who", "Did", "What", "Details"].map((t) => el("th", t)))), tbody)), empty, more));
  await load(false);
}
