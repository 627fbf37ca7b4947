// The agent desktop's transfers (issue 15 item 4): a panel to hand the open chat to a colleague
// or a queue, cold (hand over and leave) or warm (stay until they join), with a note only
// agents read; the banner of a transfer under way (withdraw it, or leave once they joined); and
// where a transferred offer came from. Targets go by name (`worker:LOGIN`, `queue:NAME`), never
// by SID. Keys: t opens the panel, Escape closes it, Enter in the note sends.
import { api, el, h, toast } from "/static/common.mjs";

/** login → display name of every colleague, for the transcript's other-agent lines. */
export const names = new Map();
let colleagues = { agents: [], queues: [] };

export async function loadColleagues() {
  try {
    colleagues = await api("GET", "/agent/api/colleagues");
    for (const a of colleagues.agents) names.set(a.login, a.name);
  } catch { /* the panel says so when it opens */ }
  return colleagues;
}

/** "Transferred by Amy Adams · warm" and the note, for an offer card or the task's details. */
export function origin(t) {
  const x = t.transfer_in;
  if (!x) return null;
  return h("div", { class: "transfer-origin" },
    el("p", `↪ Transferred by ${x.from_name} · ${x.type === "warm" ? "warm (they stay until you join)" : "cold"}`, "transfer-from"),
    x.note ? el("p", x.note, "offer-note") : null);
}

/** The transfer under way from this task: waiting, joined (warm), or nobody took it. */
export function banner(r, refresh) {
  const x = r.task.transfer_out;
  if (!x) return null;
  const move = (status, label, done) => h("button", { type: "button", class: "secondary", id: `transfer-${status}`, onclick: async (ev) => {
    ev.target.disabled = true;
    try {
      await api("POST", `/agent/api/tasks/${r.task.sid}/transfer`, { Status: status });
      toast(done);
      await refresh();
    } catch (e) { toast(e.message, true); ev.target.disabled = false; }
  } }, label);
  if (x.status === "failed") {
    return h("div", { class: "transfer-banner failed", id: "transfer-banner", role: "status" },
      el("span", `Nobody took the transfer to ${x.to_name}. The chat is still yours.`));
  }
  if (x.accepted) {
    return h("div", { class: "transfer-banner joined", id: "transfer-banner", role: "status" },
      el("span", `${x.joined_name || x.to_name} joined. Leave when you have introduced them.`),
      move("completed", "Leave the chat", `You left; ${x.joined_name || x.to_name} has the chat`));
  }
  return h("div", { class: "transfer-banner waiting", id: "transfer-banner", role: "status" },
    el("span", `Waiting for ${x.to_kind === "queue" ? "someone in " : ""}${x.to_name} to accept (${x.type}). You keep the chat meanwhile.`),
    move("failed", "Withdraw", "Transfer withdrawn; the chat is still yours"));
}

/** Toasts for a transfer's outcome the agent did not click for: taken, joined, not taken. */
export function watch(before, after) {
  const x = before && before.task.transfer_out;
  if (!x || x.status !== "active") return;
  const y = after && after.task.transfer_out;
  if (!after || after.status === "wrapping" || !y || y.status === "completed") {
    if (x.type === "cold") toast(`${x.to_kind === "queue" ? "A colleague" : x.to_name} took the chat. Complete it when you are ready.`);
  } else if (y.status === "failed") toast(`Nobody took the transfer to ${x.to_name}. The chat is still yours.`, true);
  else if (y.accepted && !x.accepted) toast(`${y.joined_name || y.to_name} joined the chat`);
}

/** The panel: whom to, cold or warm, a note; Transfer or Cancel. */
export function panel(r, { close, refresh }) {
  const to = h("select", { id: "transfer-to", required: true, "aria-label": "Transfer to" });
  const fill = () => {
    const agents = h("optgroup", { label: "Agents" }, ...colleagues.agents.map((a) =>
      h("option", { value: `worker:${a.login}`, text: `${a.name} — ${a.available ? "available" : (a.activity || "away").toLowerCase()}` })));
    const queues = h("optgroup", { label: "Queues" }, ...colleagues.queues.map((q) => h("option", { value: `queue:${q.name}`, text: `${q.name} queue` })));
    to.replaceChildren(h("option", { value: "", text: "Choose an agent or a queue" }), agents, queues);
    const free = colleagues.agents.find((a) => a.available);
    if (free) to.value = `worker:${free.login}`;
  };
  fill();
  loadColleagues().then(() => { const v = to.value; fill(); if (v) to.value = v; });
  const kind = (value, text, hint, checked) => h("label", { class: "transfer-kind" },
    h("input", { type: "radio", name: "transfer-type", value, checked }), el("span", text), el("small", hint, "muted"));
  const note = h("textarea", { id: "transfer-note", rows: 2, maxlength: 4000, placeholder: "What they should know (the customer does not see this)" });
  const error = el("p", "", "error");
  error.setAttribute("role", "alert");
  const submit = h("button", { type: "submit", id: "transfer-send" }, "Transfer");
  const form = h("form", { class: "transfer-panel", id: "transfer-form", onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = "";
    if (!to.value) { error.textContent = "Choose whom to transfer to."; to.focus(); return; }
    const type = form.querySelector("input[name=transfer-type]:checked").value;
    submit.disabled = true;
    try {
      const x = await api("POST", `/agent/api/tasks/${r.task.sid}/transfers`, { To: to.value, Type: type, Note: note.value });
      toast(`Transferring to ${x.to_name}…`);
      close();
      await refresh();
    } catch (e) {
      error.textContent = e.status >= 500 ? "The transfer did not go through. Try again in a moment." : e.message;
      submit.disabled = false;
    }
  } },
  el("h3", "Transfer this chat"),
  h("label", { for: "transfer-to" }, "To"), to,
  h("fieldset", { class: "transfer-kinds" }, h("legend", {}, "How"),
    kind("cold", "Cold", "hand over now; you leave when they accept", true),
    kind("warm", "Warm", "you stay in the chat until you leave", false)),
  h("label", { for: "transfer-note" }, "Note for them"), note,
  error,
  h("div", { class: "task-actions" }, submit, h("button", { type: "button", class: "secondary", onclick: close }, "Cancel", el("kbd", "Esc"))));
  form.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") { ev.preventDefault(); close(); }
    if (ev.key === "Enter" && ev.target === note && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });
  requestAnimationFrame(() => to.focus());
  return form;
}
