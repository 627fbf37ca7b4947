// The customer web chat: a name (and optional first message) starts a chat through the web Flex
// Flow; the bot of the Webchat Flow answers, then an agent. The chat token is kept in
// localStorage, so a reload reconnects to the same chat with its history. New messages arrive by
// long-poll (the server parks the request until one comes, or until the chat's status changes:
// an agent joins, the agent ends the chat). After the end the input gives way to "Start a new
// chat", which reopens the same conversation, so the history stays. The office's greeting and
// pre-chat fields come from `/webchat/config` (the answers go in `Context`, the chat's
// pre-engagement data; the question is also the first message); while the chat waits for an
// agent the page shows its place in line. Typing goes both ways: a key press reports it (at most
// every 3 s; it lasts 5 s on the server, and the message ends it), and the reads say which agent
// is typing ("Lea is typing…", hidden by the agent's message or 5 s after the last report).
// Text goes in with textContent only.
import { el } from "/static/common.mjs";

// The channels module's customer endpoints (the per-chat token as a Bearer token).
const START = "/webchat/start";
const messagesPath = (sid) => `/webchat/${sid}/messages`;
const restartPath = (sid) => `/webchat/${sid}/restart`;
const typingPath = (sid) => `/webchat/${sid}/typing`;
// A typing report lasts 5 s on the server; the page sends one at most every 3 s while keys are
// pressed, and hides the agent's 5.5 s after the last report it read.
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 5500;
const KEY = "switchboard.webchat";
const CONFIG = "/webchat/config";
const DEFAULTS = {
  greeting: "Hi! Tell us what you need and we will connect you with someone who can help.",
  pre_chat_fields: [
    { name: "email", label: "Email (optional)", type: "email", required: false },
    { name: "question", label: "How can we help? (optional)", type: "text", required: false },
  ],
};
let config = DEFAULTS;

const $ = (id) => document.getElementById(id);
let chat = null; // { sid, token, identity, name, previous: [{ sid, token, identity }] }
let lastIndex = -1;
let seen = null; // the status tag the page shows
let shown = { agent: null, ended: false };
let poller = null;
const pending = new Map();
let typingSent = 0; // when this page last reported the customer typing
let typingTimer = null;

async function call(method, path, params, token) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (params) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(params).toString();
  }
  const res = await fetch(path, { method, headers, body, credentials: "omit" });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!res.ok) {
    const e = new Error((json && json.message) || `HTTP ${res.status}`);
    e.status = res.status;
    throw e;
  }
  return json;
}

/** The pre-chat form's fields, built from the office's configuration. */
function buildForm() {
  $("chat-intro").textContent = config.greeting || "";
  const box = $("chat-fields");
  box.replaceChildren();
  for (const f of config.pre_chat_fields || []) {
    const id = f.name === "question" ? "chat-first" : `chat-field-${f.name}`;
    const label = el("label", f.label);
    label.htmlFor = id;
    let input;
    if (f.type === "select") {
      input = document.createElement("select");
      const none = el("option", f.required ? "Choose one" : "—");
      none.value = "";
      input.append(none, ...f.options.map((o) => { const x = el("option", o); x.value = o; return x; }));
    } else if (f.type === "textarea") {
      input = document.createElement("textarea");
      input.rows = 3;
    } else {
      input = document.createElement("input");
      input.type = f.type || "text";
      if (f.type === "email") input.autocomplete = "email";
      if (f.type === "tel") input.autocomplete = "tel";
    }
    input.id = id;
    input.dataset.field = f.name;
    input.required = !!f.required;
    if (input.tagName !== "SELECT") input.maxLength = f.name === "question" ? 1000 : 200;
    box.append(label, input);
  }
}

/** The office's greeting at the top of the chat (shown by the page, not a message). */
function greet() {
  if (!config.greeting || $("chat-log").querySelector(".chat-greeting")) return;
  const li = el("li", null, "chat-msg theirs chat-greeting");
  li.append(el("span", "Welcome", "chat-who"), el("p", config.greeting, "chat-body"));
  $("chat-log").prepend(li);
}

function show(which) {
  if (which === "room") greet();
  $("chat-start").classList.toggle("hidden", which !== "start");
  $("chat-room").classList.toggle("hidden", which !== "room");
  $("chat-end").classList.toggle("hidden", which !== "room");
}

function status(text) { $("chat-status").textContent = text; }

function reconnecting(on) {
  const el = $("chat-status");
  if (on === el.classList.contains("reconnecting")) return;
  el.classList.toggle("reconnecting", on);
  status(on ? "Connection lost — reconnecting…" : "");
}

/** Adds one message to the log (once per index). */
function render(m) {
  if (m.index <= lastIndex) return;
  lastIndex = m.index;
  const mine = m.author === chat.identity;
  if (mine && pending.has(m.body)) {
    const li = pending.get(m.body);
    pending.delete(m.body);
    li.querySelector(".chat-meta").textContent = `delivered · ${time(m.date_created)}`;
    li.dataset.index = m.index;
    return;
  }
  if (!mine) showTyping([]);
  const who = mine ? "You" : m.author_name || (m.author === "bot" ? "Bot" : m.author && m.author.startsWith("webchat-") ? "You" : "Agent");
  const li = el("li", null, `chat-msg ${mine ? "mine" : "theirs"}`);
  li.dataset.index = m.index;
  li.append(el("span", who, "chat-who"), el("p", m.body || "", "chat-body"), el("span", mine ? `delivered · ${time(m.date_created)}` : time(m.date_created), "chat-meta"));
  $("chat-log").append(li);
  li.scrollIntoView({ block: "end" });
}

function time(iso) {
  const d = iso ? new Date(iso) : new Date();
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

async function follow() {
  const mine = {};
  poller = mine;
  let backoff = 500;
  while (poller === mine && chat) {
    try {
      const q = new URLSearchParams();
      if (lastIndex >= 0) q.set("After", lastIndex);
      if (seen) q.set("Seen", seen);
      else q.set("Wait", "0"); // the first look answers at once, with the status
      const r = await call("GET", `${messagesPath(chat.sid)}?${q}`, null, chat.token);
      if (poller !== mine) return;
      for (const m of (r && r.messages) || []) render(m);
      if (r) applyStatus(r);
      backoff = 500;
      reconnecting(false);
    } catch (e) {
      if (e.status === 403 || e.status === 404) { forget(); return; }
      // Stays on screen until a read succeeds; that read asks for everything after the last
      // message shown (`After`), and `render` takes each index once: nothing lost, nothing doubled.
      reconnecting(true);
      await new Promise((res) => setTimeout(res, backoff));
      backoff = Math.min(backoff * 2, 10000);
    }
  }
}

/** A line of the chat's own (an agent joined, the end), not a message. */
function sysLine(text, cls = "") {
  const li = el("li", text, `chat-sys ${cls}`.trim());
  $("chat-log").append(li);
  li.scrollIntoView({ block: "end" });
}

/** "Lea is typing…" under the chat, until the agent's message or 5.5 s after the last report. */
function showTyping(names) {
  const line = $("chat-typing");
  clearTimeout(typingTimer);
  const on = !!(names && names.length) && !shown.ended;
  line.classList.toggle("hidden", !on);
  if (!on) { line.textContent = ""; return; }
  line.textContent = `${names.join(" and ")} ${names.length > 1 ? "are" : "is"} typing…`;
  typingTimer = setTimeout(() => showTyping([]), TYPING_SHOWN_MS);
}

/** Tells the agent the customer is typing: at most once every 3 s, never for an empty box. */
function reportTyping() {
  const now = Date.now();
  if (!chat || shown.ended || !$("chat-text").value.trim() || now - typingSent < TYPING_EVERY_MS) return;
  typingSent = now;
  call("POST", typingPath(chat.sid), {}, chat.token).catch(() => { /* a courtesy: the chat works without it */ });
}

/** Shows what the server says of the chat: who serves it, whether it has ended. */
function applyStatus(r) {
  seen = r.status_tag || seen;
  if (r.agent && r.agent !== shown.agent && !r.ended) {
    sysLine(`${r.agent} joined the chat`, "joined");
    shown.agent = r.agent;
  }
  if (r.ended && !shown.ended) {
    sysLine(r.ended_by ? `${r.ended_by} ended the chat` : "This chat has ended", "ended");
    shown.agent = null;
  }
  shown.ended = !!r.ended;
  const n = r.queue_position;
  const wait = $("chat-wait");
  wait.classList.toggle("hidden", !n || shown.ended);
  if (n && !shown.ended) {
    const w = r.typical_wait;
    const usual = typeof w === "number" ? ` Chats are usually answered within ${w < 60 ? "a minute" : `about ${Math.ceil(w / 60)} minutes`}.` : "";
    wait.textContent = `${n === 1 ? "You're next in line." : `You're number ${n} in line.`}${usual}`;
  }
  showTyping(r.typing);
  $("chat-send").classList.toggle("hidden", shown.ended);
  $("chat-over").classList.toggle("hidden", !shown.ended);
  if (shown.ended && document.activeElement === $("chat-text")) $("chat-restart").focus();
}

async function restart() {
  $("chat-restart-error").textContent = "";
  try {
    const r = await call("POST", restartPath(chat.sid), {}, chat.token);
    sysLine("New chat", "restarted");
    applyStatus(r);
  } catch (e) {
    if (e.status !== 409) {
      $("chat-restart-error").textContent = `Could not start a new chat: ${e.message}. Please try again.`;
      return;
    }
    // The conversation is closed: a fresh chat, the old one's history kept above.
    try {
      const r = await call("POST", START, { FriendlyName: chat.name || "Customer" });
      const previous = [...(chat.previous || []), { sid: chat.sid, token: chat.token, identity: chat.identity }];
      chat = { sid: r.conversation_sid, token: r.token, identity: r.identity, name: chat.name, previous };
      localStorage.setItem(KEY, JSON.stringify(chat));
      sysLine("New chat", "restarted");
      lastIndex = -1;
      seen = null;
      shown = { agent: null, ended: false };
      applyStatus({ ended: false });
      follow();
    } catch (e2) {
      $("chat-restart-error").textContent = `Could not start a new chat: ${e2.message}. Please try again.`;
      return;
    }
  }
  $("chat-text").focus();
}

/** The history of this customer's earlier (closed) chats, above the current one. */
async function showPrevious() {
  for (const p of (chat && chat.previous) || []) {
    try {
      const r = await call("GET", `${messagesPath(p.sid)}?Wait=0`, null, p.token);
      for (const m of r.messages || []) {
        const mine = m.author === p.identity;
        const li = el("li", null, `chat-msg ${mine ? "mine" : "theirs"} earlier`);
        li.append(el("span", mine ? "You" : m.author_name || (m.author === "bot" ? "Bot" : "Agent"), "chat-who"), el("p", m.body || "", "chat-body"), el("span", time(m.date_created), "chat-meta"));
        $("chat-log").append(li);
      }
      sysLine(r.ended_by ? `${r.ended_by} ended the chat` : "This chat has ended", "ended");
    } catch {
      // An earlier chat that is gone is simply not shown.
    }
  }
}

function forget() {
  localStorage.removeItem(KEY);
  chat = null;
  poller = null;
  lastIndex = -1;
  seen = null;
  shown = { agent: null, ended: false };
  $("chat-log").replaceChildren();
  show("start");
}

$("chat-start").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("chat-start-error").textContent = "";
  const name = $("chat-name").value.trim();
  const first = $("chat-first") ? $("chat-first").value.trim() : "";
  const context = {};
  for (const input of $("chat-fields").querySelectorAll("[data-field]")) {
    const v = input.value.trim();
    if (v) context[input.dataset.field] = v;
  }
  try {
    const params = { FriendlyName: name };
    if (first) params.Body = first;
    if (Object.keys(context).length) params.Context = JSON.stringify(context);
    const r = await call("POST", START, params);
    chat = { sid: r.conversation_sid, token: r.token, identity: r.identity, name };
    localStorage.setItem(KEY, JSON.stringify(chat));
    show("room");
    follow();
    $("chat-text").focus();
  } catch (e) {
    $("chat-start-error").textContent = `Could not start the chat: ${e.message}`;
  }
});

$("chat-send").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const input = $("chat-text");
  const body = input.value;
  if (!body.trim() || !chat) return;
  input.value = "";
  typingSent = 0; // the message ends the typing; the next key reports it again
  const li = el("li", null, "chat-msg mine");
  li.append(el("span", "You", "chat-who"), el("p", body, "chat-body"), el("span", "sending…", "chat-meta"));
  $("chat-log").append(li);
  li.scrollIntoView({ block: "end" });
  pending.set(body, li);
  try {
    await call("POST", messagesPath(chat.sid), { Body: body }, chat.token);
    if (pending.get(body) === li) li.querySelector(".chat-meta").textContent = "sent";
  } catch (e) {
    pending.delete(body);
    li.classList.add("failed");
    li.querySelector(".chat-meta").textContent = e.status === 409 ? "not sent: this chat has ended" : `not delivered: ${e.message}`;
    if (!input.value) input.value = body;
  }
});

$("chat-text").addEventListener("input", reportTyping);
$("chat-end").addEventListener("click", forget);
$("chat-restart").addEventListener("click", restart);

if (new URLSearchParams(location.search).has("embed")) document.body.classList.add("embedded");

/** The office's hours (the schedule marked for web chat): when closed, a line above the chat
 * says so with the next opening in the office's time; the customer may still leave a message.
 * Looked at again every minute. */
async function officeHours() {
  const line = $("chat-hours");
  try {
    const { office } = await call("GET", "/webchat/hours");
    const closed = office && !office.open;
    line.classList.toggle("hidden", !closed);
    if (closed) {
      const when = office.next_open_local ? ` We open again ${office.next_open_local}.` : "";
      line.textContent = `We're closed right now.${when} Leave a message and we'll answer when we're back.`;
    }
  } catch {
    line.classList.add("hidden"); // the hours are a courtesy: the chat works without them
  }
}
officeHours();
setInterval(officeHours, 60000);

try { chat = JSON.parse(localStorage.getItem(KEY) || "null"); } catch { chat = null; }
try {
  const r = await fetch(CONFIG, { credentials: "omit" });
  if (r.ok) config = await r.json();
} catch { /* the defaults */ }
buildForm();
if (chat && chat.sid && chat.token) {
  show("room");
  showPrevious().then(follow);
} else {
  show("start");
}
