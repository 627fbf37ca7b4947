// The agent desktop's working tools (issue 15): the side of an open chat (who the customer is,
// their earlier conversations with transcripts, private notes), the wrap-up form (the queue's
// codes, a note), canned responses picked with / in the reply box (↑ ↓ Enter, Esc) and kept in
// "Replies", and "My work" (finished tasks, searchable, with transcripts). Text goes in as
// textContent only; nothing here shows a SID.
import { api, el, h, toast, when } from "/static/common.mjs";

const time = (iso) => when(iso, "short");
const clock = (iso) => when(iso, "time");

/* ---------- the side of an open chat: customer and notes ---------- */

const sides = new Map(); // task sid → { node, load }

/** The side panel of task `r`, the same node over redraws (what was typed in it stays). */
export function side(r, ctx) {
  const sid = r.task.sid;
  let s = sides.get(sid);
  if (!s) {
    s = makeSide(r, ctx);
    sides.set(sid, s);
    s.load();
  }
  return s.node;
}

export function forget(taskSid) { sides.delete(taskSid); }

/** Notes again (another agent may have added one, e.g. before a transfer). */
export function reloadNotes(taskSid) { const s = sides.get(taskSid); if (s) s.loadNotes(); }

function makeSide(r, ctx) {
  const sid = r.task.sid;
  const who = h("dl", { class: "kv customer-kv" });
  const earlier = h("ul", { class: "earlier-list" });
  const earlierNone = el("p", "No earlier conversations.", "muted");
  const notes = h("ol", { class: "notes-list", id: "notes-list" });
  const notesNone = el("p", "No notes yet. Only agents see them.", "muted");
  const input = h("textarea", { id: "note-text", rows: 2, maxlength: 4000, placeholder: "A note for agents (the customer never sees it)", "aria-label": "New note" });
  const error = el("p", "", "error");
  const add = h("form", { class: "note-form", id: "note-form", onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    const body = input.value.trim();
    if (!body) { input.focus(); return; }
    try {
      await api("POST", `/agent/api/tasks/${sid}/notes`, { Body: body });
      input.value = "";
      toast("Note saved");
      await loadNotes();
    } catch (e) { error.textContent = `Not saved: ${e.message}`; }
  } }, input, error, h("button", { type: "submit", class: "secondary" }, "Save note"));
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); add.requestSubmit(); }
  });
  const noteCount = el("span", "", "count");
  const node = h("aside", { class: "task-side", id: "task-side" },
    h("section", { class: "side-block", id: "customer-panel" }, el("h3", "Customer"), who,
      el("h4", "Earlier conversations"), earlier, earlierNone),
    h("section", { class: "side-block", id: "notes-panel" }, h("h3", {}, "Notes ", noteCount), notes, notesNone, add));

  async function loadCustomer() {
    try {
      const c = await api("GET", `/agent/api/tasks/${sid}/customer`);
      who.replaceChildren();
      const row = (k, v) => { if (v) who.append(el("dt", k), el("dd", v)); };
      row("Name", c.name || ctx.card.who);
      row("Address", c.address && !/^webchat-/.test(c.address) ? c.address : null);
      row("Channel", ctx.card.channel);
      row("Since", c.since ? time(c.since) : null);
      // What the customer answered in the pre-chat form (email, topic…).
      const pre = ctx.pre;
      if (pre && typeof pre === "object") {
        for (const [k, v] of Object.entries(pre)) {
          if (typeof v !== "string" || k === "question") continue;
          row(k.charAt(0).toUpperCase() + k.slice(1).replace(/[_-]+/g, " "), v);
        }
      }
      earlier.replaceChildren(...c.earlier.map((x) => earlierItem(sid, x, ctx)));
      earlierNone.classList.toggle("hidden", c.earlier.length > 0);
    } catch (e) {
      who.replaceChildren(el("dd", `Could not load the customer: ${e.message}`, "error"));
    }
  }
  async function loadNotes() {
    try {
      const n = await api("GET", `/agent/api/tasks/${sid}/notes`);
      notes.replaceChildren(...n.notes.map(noteItem));
      notesNone.classList.toggle("hidden", n.notes.length > 0);
      noteCount.textContent = n.notes.length ? `(${n.notes.length})` : "";
    } catch { /* shown again on the next load */ }
  }
  return { node, load: () => Promise.all([loadCustomer(), loadNotes()]), loadNotes };
}

function noteItem(n) {
  return h("li", { class: `note${n.kind === "wrapup" ? " wrapup" : ""}` },
    h("div", { class: "note-meta" }, el("strong", n.mine ? "You" : n.author_name), el("span", `${n.kind === "wrapup" ? "wrap-up · " : ""}${time(n.date_created)}`, "muted")),
    el("p", n.body, "note-body"));
}

function earlierItem(taskSid, x, ctx) {
  const log = h("ol", { class: "chat-log earlier-log" });
  const d = h("details", { class: "earlier", ontoggle: async () => {
    if (!d.open || log.childElementCount) return;
    try {
      const m = await api("GET", `/agent/api/tasks/${taskSid}/customer/${x.key}/messages`);
      log.replaceChildren(...m.messages.map((msg) => ctx.line(msg)));
      if (!m.messages.length) log.append(el("li", "No messages.", "muted"));
    } catch (e) { log.replaceChildren(el("li", `Could not load it: ${e.message}`, "error")); }
  } }, h("summary", {}, el("span", time(x.date_created), "earlier-date"), el("span", x.first_line || `${x.messages} messages`, "earlier-first")), log);
  return h("li", {}, d);
}

/* ---------- wrap-up ---------- */

/** The wrap-up form (code from the queue's list, a note) whose submit is `#task-completed`. */
export function wrapupForm(r, { refresh }) {
  const w = r.task.wrapup || { codes: [], required: false };
  const code = w.codes.length ? h("select", { id: "wrapup-code", "aria-label": "Wrap-up code" },
    h("option", { value: "", text: w.required ? "Choose a wrap-up code (required)" : "No wrap-up code" }),
    ...w.codes.map((c) => h("option", { value: c, text: c }))) : null;
  if (code && w.code) code.value = w.code;
  if (code) code.addEventListener("change", () => { error.textContent = ""; });
  const note = h("textarea", { id: "wrapup-note", rows: 2, maxlength: 4000, placeholder: "What happened, for whoever reads this later (optional)", "aria-label": "Wrap-up note" });
  const error = el("p", "", "error");
  error.setAttribute("role", "alert");
  const done = h("button", { type: "submit", id: "task-completed" }, "Complete");
  const form = h("form", { class: "wrapup-form", id: "wrapup-form", onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    if (code && w.required && !code.value) { error.textContent = "Choose a wrap-up code to complete."; code.focus(); return; }
    done.disabled = true;
    try {
      if (note.value.trim() && r.task.conversation_sid) await api("POST", `/agent/api/tasks/${r.task.sid}/notes`, { Body: note.value, Kind: "wrapup" });
      const p = { ReservationStatus: "completed" };
      if (code && code.value) p.WrapupCode = code.value;
      await api("POST", `/agent/api/reservations/${r.sid}`, p);
      toast(code && code.value ? `Completed · ${code.value}` : "Completed");
      await refresh();
    } catch (e) {
      error.textContent = e.status === 400 && code ? "That code is not one of this queue's; choose one from the list." : `Not completed: ${e.message}`;
      done.disabled = false;
    }
  } }, el("h3", "Wrap-up"),
  code ? h("label", { for: "wrapup-code" }, "Wrap-up code") : null, code,
  h("label", { for: "wrapup-note" }, "Note"), note, error,
  h("div", { class: "task-actions" }, done));
  note.addEventListener("keydown", (ev) => { if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); form.requestSubmit(); } });
  return form;
}

/* ---------- canned responses ---------- */

let canned = null;
export async function loadCanned() {
  try { canned = (await api("GET", "/agent/api/canned")).canned; } catch { canned = canned || []; }
  return canned;
}

const first = (s) => String(s || "").trim().split(/\s+/)[0] || "";
/** Fills the placeholders for this chat. */
export function fill(body, { customer, agent }) {
  return body.replace(/\{\{\s*(customer|agent)\.(name|first_name)\s*\}\}/g, (_, who, part) => {
    const name = who === "customer" ? customer : agent;
    return part === "first_name" ? first(name) : (name || "");
  });
}

/** `/` in the reply box: a list of the office's responses, filtered as the agent types. */
export function attachCanned(input, names) {
  const list = h("ul", { class: "canned-pick hidden", id: "canned-pick", role: "listbox" });
  input.insertAdjacentElement("afterend", list);
  let items = [];
  let at = 0;
  const close = () => { list.classList.add("hidden"); items = []; };
  const draw = () => {
    list.replaceChildren(...items.map((c, i) => h("li", { role: "option", class: i === at ? "active" : "", "aria-selected": String(i === at), onmousedown: (ev) => { ev.preventDefault(); at = i; pick(); } },
      el("strong", `/${c.shortcut}`), el("span", fill(c.body, names()), "muted"))));
    if (!items.length) list.append(el("li", canned && canned.length ? "No reply with that shortcut" : "No canned replies yet: add them under Replies", "muted empty"));
    list.classList.remove("hidden");
  };
  const pick = () => {
    const c = items[at];
    if (!c) return;
    input.value = fill(c.body, names());
    close();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  };
  input.addEventListener("input", async () => {
    const m = /^\/(\S*)$/.exec(input.value);
    if (!m) return close();
    if (canned === null) await loadCanned();
    const q = m[1].toLowerCase();
    items = canned.filter((c) => c.shortcut.startsWith(q) || (q.length > 1 && c.body.toLowerCase().includes(q))).slice(0, 8);
    at = 0;
    draw();
  });
  input.addEventListener("keydown", (ev) => {
    if (list.classList.contains("hidden")) return;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (items.length) at = (at + (ev.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      draw();
    } else if ((ev.key === "Enter" || ev.key === "Tab") && items.length) {
      ev.preventDefault();
      pick();
    } else if (ev.key === "Escape") { ev.preventDefault(); close(); }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

/** "Replies": the office's canned responses, added, changed and removed here. */
export async function cannedDialog() {
  const dlg = document.getElementById("canned-dialog");
  const list = document.getElementById("canned-list");
  const form = document.getElementById("canned-form");
  const error = document.getElementById("canned-error");
  const draw = async () => {
    await loadCanned();
    list.replaceChildren(...canned.map((c) => h("li", { class: "canned-item" },
      h("div", {}, el("strong", `/${c.shortcut}`), el("p", c.body, "canned-body")),
      h("div", { class: "task-actions" },
        h("button", { type: "button", class: "secondary", onclick: () => { form.dataset.id = c.id; form.elements.shortcut.value = c.shortcut; form.elements.body.value = c.body; form.elements.shortcut.focus(); } }, "Edit"),
        h("button", { type: "button", class: "secondary", onclick: async () => {
          try { await api("DELETE", `/agent/api/canned/${c.id}`); toast(`/${c.shortcut} removed`); await draw(); } catch (e) { error.textContent = e.message; }
        } }, "Remove")))));
    if (!canned.length) list.append(el("li", "None yet. Add the answers you type most.", "muted"));
  };
  if (!form.dataset.wired) {
    form.dataset.wired = "1";
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      error.textContent = "";
      const id = form.dataset.id;
      try {
        const c = await api("POST", id ? `/agent/api/canned/${id}` : "/agent/api/canned", { Shortcut: form.elements.shortcut.value, Body: form.elements.body.value });
        toast(`/${c.shortcut} saved`);
        delete form.dataset.id;
        form.reset();
        await draw();
        form.elements.shortcut.focus();
      } catch (e) { error.textContent = e.message; }
    });
    document.getElementById("canned-close").addEventListener("click", () => dlg.close());
  }
  delete form.dataset.id;
  form.reset();
  error.textContent = "";
  await draw();
  dlg.showModal();
  form.elements.shortcut.focus();
}

/* ---------- My work ---------- */

/** "My work": the agent's finished tasks, searchable; a click opens the transcript. */
export async function myWork(pane, ctx) {
  const search = h("input", { id: "work-search", type: "search", placeholder: "Search customers, codes and messages", "aria-label": "Search my work" });
  const list = h("ul", { class: "work-list history", id: "history" });
  const view = h("div", { class: "history-view", id: "history-view" });
  let timer = null;
  const load = async () => {
    const q = search.value.trim();
    try {
      const r = await api("GET", `/agent/api/history${q ? `?Q=${encodeURIComponent(q)}` : ""}`);
      list.replaceChildren(...r.tasks.map((t) => h("li", { class: "work-item", tabindex: 0, dataset: { task: t.task_sid }, onclick: () => open(t), onkeydown: (ev) => { if (ev.key === "Enter") open(t); } },
        h("div", { class: "history-head" }, el("span", t.customer_name || "Customer", "title"), el("span", time(t.date_finished), "muted")),
        el("div", [t.channel_type === "web" ? "Web chat" : t.channel, t.queue_name, t.wrapup_code].filter(Boolean).join(" · "), "muted"),
        t.first_line ? el("p", t.first_line, "history-first") : null)));
      if (!r.tasks.length) list.append(el("li", q ? "Nothing matches." : "Nothing finished yet today.", "muted"));
    } catch (e) { list.replaceChildren(el("li", `Could not load your work: ${e.message}`, "error")); }
  };
  const open = async (t) => {
    view.replaceChildren(el("h3", t.customer_name || "Customer"), el("p", "Loading…", "muted"));
    for (const li of list.children) li.classList.toggle("selected", li.dataset.task === t.task_sid);
    if (!t.has_chat) { view.replaceChildren(el("h3", t.customer_name || "Customer"), el("p", "No transcript: this task had no chat.", "muted")); return; }
    try {
      const r = await api("GET", `/agent/api/history/${t.task_sid}/messages`);
      const who = { identity: t.customer_identity, name: t.customer_name };
      const log = h("ol", { class: "chat-log", id: "history-transcript" }, ...r.messages.map((m) => ctx.line(m, who)));
      const notes = r.notes.length ? h("ol", { class: "notes-list" }, ...r.notes.map(noteItem)) : null;
      view.replaceChildren(el("h3", `${t.customer_name || "Customer"} · ${time(t.date_finished)}`),
        t.wrapup_code ? el("p", `Wrap-up: ${t.wrapup_code}`, "muted") : null, log, notes ? el("h4", "Notes") : null, notes);
    } catch (e) { view.replaceChildren(el("p", `Could not load it: ${e.message}`, "error")); }
  };
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  pane.replaceChildren(h("div", { class: "row task-head" }, el("h2", "My work"), h("span", { class: "spacer" }), h("button", { type: "button", class: "secondary", id: "work-close", onclick: ctx.close }, "Back", el("kbd", "Esc"))),
    search, h("div", { class: "history-grid" }, list, view));
  pane.addEventListener("keydown", function esc(ev) {
    if (ev.key === "Escape" && document.getElementById("work-search")) { ev.preventDefault(); pane.removeEventListener("keydown", esc); ctx.close(); }
  });
  await load();
  search.focus();
}

export { clock };
