// The agent desktop: sign in as a worker, set the activity, see incoming reservations with the
// task's attributes and a countdown, accept or reject, and handle several chats at once
// (transcript with history, send, the customer's messages live, end the chat = wrap-up,
// complete). Voice tasks show the caller, the IVR answers and the call's state. One long-poll
// (`/agent/api/updates`, parked on the server) brings every change; text goes in as textContent.
import { api, setCsrf, el, h, pretty, toast, duration, ApiError } from "/static/common.mjs";

const $ = (id) => document.getElementById(id);
const state = {
  me: null,
  work: [],            // reservations with their task
  selected: null,      // task sid
  chats: new Map(),    // task sid → { lastIndex, messages: [], unread, conversation }
  skew: 0,             // server clock − ours, ms
  seq: null,
  stopped: false,
};

/* ---------- sign-in ---------- */

function signedOut() {
  state.stopped = true;
  $("desk").classList.add("hidden");
  $("login").classList.remove("hidden");
}

async function signedIn(s) {
  setCsrf(s.csrf_token);
  state.me = s.worker;
  state.stopped = false;
  $("me").textContent = s.worker.friendly_name;
  const sel = $("activity");
  sel.replaceChildren(...s.activities.map((a) => h("option", { value: a.sid, text: a.friendly_name })));
  sel.value = s.worker.activity_sid;
  $("login").classList.add("hidden");
  $("desk").classList.remove("hidden");
  await refresh();
  updates();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  try {
    const s = await api("POST", "/agent/api/session", { Worker: $("worker").value.trim(), Password: $("password").value });
    $("password").value = "";
    await signedIn(s);
  } catch (e) {
    $("login-error").textContent = e.status === 401 ? "That name and password do not match." : `Sign-in failed: ${e.message}`;
  }
});

$("logout").addEventListener("click", async () => {
  try { await api("DELETE", "/agent/api/session"); } catch { /* signed out anyway */ }
  location.reload();
});

$("activity").addEventListener("change", async () => {
  try {
    const w = await api("POST", "/agent/api/activity", { ActivitySid: $("activity").value });
    state.me = w;
    toast(`You are ${w.activity_name}`);
  } catch (e) {
    toast(e.message, true);
    $("activity").value = state.me.activity_sid;
  }
});

/* ---------- work list ---------- */

async function refresh() {
  const r = await api("GET", "/agent/api/work");
  state.skew = Date.parse(r.server_time) - Date.now();
  state.work = r.reservations;
  if (r.worker) {
    state.me = r.worker;
    if (document.activeElement !== $("activity")) $("activity").value = r.worker.activity_sid;
  }
  drawLists();
  if (state.selected) {
    const still = state.work.find((x) => x.task.sid === state.selected);
    if (still) drawTask(still);
    else {
      state.selected = null;
      $("task").replaceChildren(el("p", "That task is finished.", "muted"));
    }
  }
}

function summary(t) {
  const a = t.attributes || {};
  const who = t.customer_name || a.customer_name || a.name || a.from || a.caller || "";
  return `${t.task_channel_unique_name}${who ? " · " + who : ""}`;
}

function drawLists() {
  const incoming = state.work.filter((r) => r.status === "pending");
  const mine = state.work.filter((r) => r.status === "accepted" || r.status === "wrapping");
  $("incoming").replaceChildren(...incoming.map(incomingItem));
  $("mine").replaceChildren(...mine.map(mineItem));
  $("no-incoming").classList.toggle("hidden", incoming.length > 0);
  $("no-mine").classList.toggle("hidden", mine.length > 0);
  tick();
}

function incomingItem(r) {
  const t = r.task;
  const attrs = h("dl", { class: "kv attrs" });
  for (const [k, v] of Object.entries(t.attributes || {}).slice(0, 8)) attrs.append(el("dt", k), el("dd", typeof v === "object" ? JSON.stringify(v) : String(v)));
  const act = (status) => async () => {
    try {
      await api("POST", `/agent/api/reservations/${r.sid}`, { ReservationStatus: status });
      if (status === "accepted") state.selected = t.sid;
      await refresh();
    } catch (e) { toast(e.message, true); await refresh(); }
  };
  return h("li", { class: "work-item incoming", dataset: { reservation: r.sid, task: t.sid } },
    h("div", {}, el("span", summary(t), "title"), " ", h("span", { class: "countdown", dataset: { deadline: r.timeout_at } })),
    attrs,
    h("div", { class: "task-actions" },
      h("button", { type: "button", class: "accept", onclick: act("accepted") }, "Accept"),
      h("button", { type: "button", class: "secondary reject", onclick: act("rejected") }, "Reject")));
}

function mineItem(r) {
  const t = r.task;
  const chat = state.chats.get(t.sid);
  const li = h("li", { class: `work-item${state.selected === t.sid ? " selected" : ""}`, dataset: { task: t.sid }, onclick: () => select(t.sid) },
    el("span", summary(t), "title"),
    chat && chat.unread ? el("span", chat.unread, "unread") : null,
    el("div", r.status === "wrapping" ? "wrap-up" : t.assignment_status, "muted"));
  return li;
}

/** Countdowns of pending reservations, once a second. */
function tick() {
  for (const c of document.querySelectorAll(".countdown[data-deadline]")) {
    const left = (Date.parse(c.dataset.deadline) - (Date.now() + state.skew)) / 1000;
    c.textContent = left > 0 ? `${duration(left)} left` : "timing out";
  }
}
setInterval(tick, 1000);

/* ---------- one task ---------- */

const TECHNICAL = new Set(["conversationSid", "conversation_sid", "flow_execution_sid", "flexFlowSid", "customerAddress", "direction", "channelType", "from"]);

async function select(taskSid) {
  state.selected = taskSid;
  drawLists();
  const r = state.work.find((x) => x.task.sid === taskSid);
  if (r) await drawTask(r, true);
}

async function loadMessages(taskSid) {
  let chat = state.chats.get(taskSid);
  if (!chat) {
    chat = { lastIndex: -1, messages: [], unread: 0 };
    state.chats.set(taskSid, chat);
  }
  const q = chat.lastIndex >= 0 ? `?After=${chat.lastIndex}` : "";
  const r = await api("GET", `/agent/api/tasks/${taskSid}/messages${q}`);
  for (const m of r.messages) {
    if (m.index <= chat.lastIndex) continue;
    chat.lastIndex = m.index;
    chat.messages.push(m);
    if (state.selected !== taskSid) chat.unread++;
  }
  return chat;
}

async function drawTask(r, fresh = false) {
  const t = r.task;
  const pane = $("task");
  const a = t.attributes || {};
  const isVoice = t.task_channel_unique_name === "voice" || a.call_sid;
  const header = h("div", { class: "row" }, el("h2", summary(t)), el("span", r.status === "wrapping" ? "wrap-up" : t.assignment_status, `badge ${t.assignment_status}`),
    h("span", { class: "spacer" }), el("span", t.sid, "mono muted"));
  const details = h("dl", { class: "kv", id: "task-attributes" });
  if (isVoice) {
    details.append(el("dt", "Caller"), el("dd", a.from || a.caller || "unknown"));
    details.append(el("dt", "Call"), el("dd", `${a.call_sid || ""} ${r.call_status ? "· " + r.call_status : ""}`.trim()));
  }
  if (t.customer_name) details.append(el("dt", "Customer"), el("dd", t.customer_name));
  if (t.conversation_state && t.conversation_state !== "active") details.append(el("dt", "Chat"), el("dd", t.conversation_state));
  // What the customer or the IVR told us comes first; routing plumbing goes under a fold.
  const tech = h("dl", { class: "kv" });
  for (const [k, v] of Object.entries(a)) {
    if (isVoice && ["from", "caller", "call_sid"].includes(k)) continue;
    const target = TECHNICAL.has(k) || (t.customer_name && k === "name" && v === a.from) ? tech : details;
    target.append(el("dt", k), el("dd", typeof v === "object" ? pretty(v) : String(v)));
  }
  if (tech.children.length) details.append(el("dt", ""), h("dd", {}, h("details", {}, el("summary", "Technical details"), tech)));
  const actions = h("div", { class: "task-actions" });
  const move = (status, label) => h("button", { type: "button", id: `task-${status}`, class: status === "completed" ? "" : "secondary", onclick: async () => {
    try {
      await api("POST", `/agent/api/reservations/${r.sid}`, { ReservationStatus: status });
      toast(label);
      await refresh();
    } catch (e) { toast(e.message, true); }
  } }, label);
  if (r.status === "accepted") actions.append(move("wrapping", t.conversation_sid ? "End chat" : "Wrap up"));
  if (r.status === "accepted" || r.status === "wrapping") actions.append(move("completed", "Complete"));

  const parts = [header, details];
  if (t.conversation_sid) {
    const chat = fresh || !state.chats.has(t.sid) ? await loadMessages(t.sid) : state.chats.get(t.sid);
    chat.unread = 0;
    const log = h("ol", { class: "chat-log", id: "transcript", "aria-live": "polite" });
    chat.customer = { identity: t.customer_identity, name: t.customer_name };
    for (const m of chat.messages) log.append(message(m, chat.customer));
    const input = h("input", { id: "reply", maxlength: 1600, autocomplete: "off", placeholder: r.status === "accepted" ? "Reply" : "The chat has ended", "aria-label": "Reply" });
    const send = h("form", { class: "chat-send", id: "reply-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const body = input.value;
      if (!body.trim()) return;
      input.value = "";
      try {
        await api("POST", `/agent/api/tasks/${t.sid}/messages`, { Body: body });
        await onMessages(t.sid);
      } catch (e) { toast(e.message, true); input.value = body; }
    } }, input, h("button", { type: "submit" }, "Send"));
    if (r.status !== "accepted") { input.disabled = true; send.querySelector("button").disabled = true; }
    parts.push(log, send);
    requestAnimationFrame(() => { log.scrollTop = log.scrollHeight; });
  }
  parts.push(actions);
  const keepFocus = document.activeElement && document.activeElement.id === "reply";
  const draft = $("reply") ? $("reply").value : "";
  pane.replaceChildren(...parts);
  if (keepFocus && $("reply")) { $("reply").value = draft; $("reply").focus(); }
}

function message(m, customer) {
  const mine = m.author === (state.me && state.me.friendly_name);
  const who = mine ? "You" : customer && customer.identity && m.author === customer.identity ? customer.name || "Customer" : m.author;
  const li = el("li", null, `chat-msg ${mine ? "mine" : "theirs"}`);
  li.dataset.index = m.index;
  li.append(el("span", who, "chat-who"), el("p", m.body || "", "chat-body"),
    el("span", new Date(m.date_created).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }), "chat-meta"));
  return li;
}

async function onMessages(taskSid) {
  const chat = await loadMessages(taskSid);
  if (state.selected === taskSid) {
    const log = $("transcript");
    if (log) {
      const have = new Set([...log.children].map((li) => Number(li.dataset.index)));
      for (const m of chat.messages) if (!have.has(m.index)) log.append(message(m, chat.customer));
      log.scrollTop = log.scrollHeight;
    }
    chat.unread = 0;
  } else {
    drawLists();
  }
}

/* ---------- live updates: one parked long-poll for everything of this agent ---------- */

async function updates() {
  let backoff = 500;
  while (!state.stopped) {
    try {
      const q = state.seq === null ? "" : `?After=${state.seq}`;
      const r = await api("GET", `/agent/api/updates${q}`);
      const first = state.seq === null;
      state.seq = r.last_seq;
      backoff = 500;
      if (first || !r.events.length) continue;
      const convs = new Set(r.events.filter((e) => e.event_type === "conversation.message.added").map((e) => e.data.ConversationSid || e.resource_sid));
      const other = r.events.some((e) => e.event_type !== "conversation.message.added");
      if (other) await refresh();
      for (const res of state.work) {
        if (res.status === "pending" || !res.task.conversation_sid || !convs.has(res.task.conversation_sid)) continue;
        await onMessages(res.task.sid);
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return signedOut();
      await new Promise((res) => setTimeout(res, backoff));
      backoff = Math.min(backoff * 2, 10000);
    }
  }
}

fetch("/agent/api/session", { credentials: "same-origin" })
  .then((r) => r.json())
  .then((s) => (s && s.signed_in ? signedIn(s) : signedOut()))
  .catch(signedOut);
