// Conversations and transcripts (issue 17, item 2): find a conversation by contact, agent, queue,
// date and a word in it (/admin/api/conversations), export the search as CSV a page at a time,
// and read one conversation (#conversations/CH…): the messages with who wrote them, the task's
// life cycle with its events, the Studio flow's steps — every time in the office's local time.
import { api, el, h, listAll, toast, ApiError, when as at, dayStart, localDate } from "/static/common.mjs";

const when = (iso) => at(iso, "datetime");
const time = (iso) => at(iso, "seconds");

/** The office's midnight of a yyyy-mm-dd date input, plus `days`. */
const localDay = (value, days = 0) => dayStart(value, days);

export async function view(root, ctx, [sid]) {
  if (sid) return conversation(root, ctx, sid);
  const ws = await ctx.workspace();
  const [workers, queues] = ws ? await Promise.all([listAll(`/v1/Workspaces/${ws}/Workers`, "workers"), listAll(`/v1/Workspaces/${ws}/TaskQueues`, "task_queues")]) : [[], []];
  const name = (w) => { try { return JSON.parse(w.attributes || "{}").full_name || w.friendly_name; } catch { return w.friendly_name; } };
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const input = (n, label, type = "text") => h("input", { name: n, type, "aria-label": label, placeholder: label, value: q.get(n) || undefined });
  const select = (n, label, items) => {
    const s = h("select", { name: n, "aria-label": label }, h("option", { value: "", text: label }), ...items.map(([v, t]) => h("option", { value: v, text: t })));
    s.value = q.get(n) || "";
    return s;
  };
  const form = h("form", { class: "inline search", id: "conversation-search" },
    input("Text", "Words in the messages"), input("Contact", "Customer name or number"),
    select("Agent", "Any agent", workers.map((w) => [w.sid, name(w)])), select("Queue", "Any queue", queues.map((x) => [x.sid, x.friendly_name])),
    h("label", { class: "inline-label" }, "From ", input("From", "From", "date")), h("label", { class: "inline-label" }, "to ", input("To", "To", "date")),
    h("button", { type: "submit" }, "Search"), h("button", { type: "button", class: "secondary", id: "export-csv" }, "Export CSV"));
  const status = el("p", "", "muted");
  const tbody = h("tbody", { id: "conversations" });
  const more = h("button", { type: "button", class: "secondary hidden", id: "more" }, "Show older");
  root.append(h("section", { class: "card" }, el("h2", "Conversations"), form, status,
    h("div", { class: "scroll" }, h("table", { class: "floor" }, h("thead", {}, h("tr", {}, ...["Started", "Customer", "Channel", "Queue", "Agents", "Messages", "What was said"].map((t) => el("th", t)))), tbody)), more));

  // The search as API parameters (dates are the office's days: From's midnight to the day after To).
  function params() {
    const f = new FormData(form);
    const p = new URLSearchParams();
    for (const k of ["Text", "Contact", "Agent", "Queue"]) if (f.get(k)) p.set(k, f.get(k));
    if (f.get("From")) p.set("From", localDay(f.get("From")));
    if (f.get("To")) p.set("To", localDay(f.get("To"), 1));
    return p;
  }
  let next = null;
  async function load(append) {
    const p = params();
    if (append && next) p.set("PageToken", next);
    status.textContent = "Searching…";
    try {
      const page = await api("GET", `/admin/api/conversations?${p}`);
      next = page.next_page_token;
      if (!append) tbody.replaceChildren();
      for (const c of page.conversations) tbody.append(row(c));
      const n = tbody.rows.length;
      status.textContent = n ? `${n} conversation${n === 1 ? "" : "s"}${next ? " (more below)" : ""}, newest first.` : "No conversation matches. Try fewer words or a wider range.";
      more.classList.toggle("hidden", !next);
    } catch (e) {
      status.textContent = e instanceof ApiError ? e.message : `Search failed: ${e.message}`;
      status.className = "error";
      return;
    }
    status.className = "muted";
  }
  function row(c) {
    const said = c.matched || c.last_message || "";
    const open = () => { location.hash = `#conversations/${c.sid}`; };
    return h("tr", { class: "clickable", dataset: { conversation: c.sid }, onclick: open },
      el("td", when(c.date_created)), h("td", {}, h("a", { href: `#conversations/${c.sid}`, text: c.customer || "Customer" })),
      el("td", c.channel || "—"), el("td", c.queues.join(", ") || "—"), el("td", c.agents.join(", ") || "—"), el("td", c.messages, "num"),
      h("td", { class: "said" }, highlight(said, new FormData(form).get("Text"))));
  }
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    history.replaceState(null, "", `#conversations?${new URLSearchParams([...new FormData(form)].filter(([, v]) => v))}`);
    load(false);
  });
  more.addEventListener("click", () => load(true));
  form.querySelector("#export-csv").addEventListener("click", () => exportCsv(params(), status));
  await load(false);
}

/** The text with each occurrence of `word` in a <mark> (built as nodes, never as HTML). */
function highlight(text, word) {
  const span = el("span");
  const t = String(text).slice(0, 160);
  if (!word) { span.textContent = t; return span; }
  const lower = t.toLowerCase(), w = word.toLowerCase();
  let i = 0;
  for (let j = lower.indexOf(w); j >= 0; j = lower.indexOf(w, i)) {
    span.append(t.slice(i, j), el("mark", t.slice(j, j + w.length)));
    i = j + w.length;
  }
  span.append(t.slice(i));
  return span;
}

// The export walks the search a page (1,000 rows) at a time and saves the parts as one file.
async function exportCsv(p, status) {
  const parts = [];
  let rows = 0, token = null;
  status.textContent = "Exporting…";
  try {
    do {
      const q = new URLSearchParams(p);
      q.set("PageSize", "1000");
      if (token) q.set("PageToken", token);
      const res = await fetch(`/admin/api/conversations.csv?${q}`, { credentials: "same-origin" });
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`);
      const text = await res.text();
      parts.push(text);
      rows += text.split("\r\n").length - 1 - (token ? 0 : 1);
      token = res.headers.get("X-Next-Page-Token");
      status.textContent = `Exporting… ${rows} rows`;
    } while (token);
  } catch (e) {
    status.textContent = `Export failed: ${e.message}`;
    toast(`Export failed: ${e.message}`, true);
    return;
  }
  const a = h("a", { href: URL.createObjectURL(new Blob(parts, { type: "text/csv" })), download: `conversations-${localDate()}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  status.textContent = `Exported ${rows} conversation${rows === 1 ? "" : "s"} to conversations.csv.`;
  toast(`Exported ${rows} conversations`);
}

const EVENT = {
  "task.created": "Task created", "task-queue.entered": "Entered the queue", "task-queue.moved": "Moved to another queue",
  "reservation.created": "Offered to", "reservation.accepted": "Accepted by", "reservation.rejected": "Rejected by",
  "reservation.timeout": "Not answered in time by", "reservation.rescinded": "Offer withdrawn from", "reservation.canceled": "Offer canceled for",
  "reservation.wrapup": "Wrap-up started by", "reservation.completed": "Finished by", "task.wrapup": "Task in wrap-up", "task.completed": "Completed",
  "task.canceled": "Canceled", "workflow.entered": "Routed by the workflow", "workflow.target-matched": "Matched a routing target",
  "task.transfer-initiated": "Transfer started", "task.updated": "Updated", "task.deleted": "Deleted", "workflow.timeout": "Timed out in the workflow",
};

async function conversation(root, ctx, sid) {
  const c = await api("GET", `/admin/api/conversations/${sid}`);
  const log = h("ol", { class: "chat-log transcript", id: "transcript" }, ...c.messages.map((m) =>
    h("li", { class: `chat-msg role-${m.role} ${m.role === "customer" ? "" : "mine"}`, dataset: { role: m.role } },
      m.who ? el("span", m.who, "chat-who") : "", el("p", m.body || (m.media ? "(an attachment)" : ""), "chat-body"), el("span", time(m.date_created), "chat-meta"))));
  if (!c.messages.length) log.append(el("li", "No messages.", "muted"));
  const tasks = c.tasks.map((t) => h("div", { class: "task-life", dataset: { task: t.sid } },
    h("p", {}, el("b", t.queue || "No queue"), ` · ${t.channel} · `, el("span", t.status, `badge ${t.status}`), t.agents.length ? ` · ${t.agents.join(", ")}` : ""),
    t.note ? el("p", `Note: ${t.note}`, "note") : null,
    t.wrapup_code ? el("p", `Wrap-up code: ${typeof t.wrapup_code === "string" ? t.wrapup_code : JSON.stringify(t.wrapup_code)}`, "muted") : null,
    h("ol", { class: "timeline" }, ...t.events.map((e) => h("li", { dataset: { type: e.event_type } }, el("span", time(e.date_created), "muted num"), " ",
      `${EVENT[e.event_type] || e.event_type}${e.agent && e.event_type.startsWith("reservation.") ? ` ${e.agent}` : ""}`,
      e.reason ? el("span", ` (${e.reason})`, "muted") : "")))));
  const flows = c.executions.map((x) => h("div", { class: "flow-run" },
    h("p", {}, el("b", x.flow || "A flow"), " · ", el("span", x.status, `badge ${x.status}`), ` · started ${time(x.date_created)}`),
    h("ol", { class: "timeline", id: "flow-steps" }, ...x.steps.map((s) => h("li", {}, el("span", time(s.date_created), "muted num"), ` ${s.from} → ${s.to || "end"}`, el("span", ` (${s.event})`, "muted"))))));
  root.append(h("section", { class: "card" },
    h("div", { class: "row" }, h("a", { href: "#conversations", class: "button secondary" }, "← Conversations"), el("h2", `Conversation with ${c.customer || "a customer"}`),
      el("span", c.state, `badge ${c.state}`), h("span", { class: "spacer" }), el("span", `started ${when(c.date_created)}`, "muted"))),
    h("div", { class: "grid2 conversation" },
      h("section", { class: "card" }, el("h2", "Messages"), log),
      h("div", {},
        h("section", { class: "card", id: "conversation-tasks" }, el("h2", "Tasks"), ...(tasks.length ? tasks : [el("p", "No agent task: the conversation stayed with the bot.", "muted")])),
        h("section", { class: "card", id: "conversation-flow" }, el("h2", "Studio flow"), ...(flows.length ? flows : [el("p", "No flow execution is recorded for this conversation.", "muted")])))));
}
