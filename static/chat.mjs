// The customer web chat: a name (and optional first message) starts a chat through the web Flex
// Flow; the bot of the Webchat Flow answers, then an agent. The chat token is kept in
// localStorage, so a reload reconnects to the same chat with its history. New messages arrive by
// long-poll (the server parks the request until one comes). Text goes in with textContent only.
import { el } from "/static/common.mjs";

// The channels module's customer endpoints (the per-chat token as a Bearer token).
const START = "/webchat/start";
const messagesPath = (sid) => `/webchat/${sid}/messages`;
const KEY = "switchboard.webchat";

const $ = (id) => document.getElementById(id);
let chat = null; // { sid, token, identity, name }
let lastIndex = -1;
let poller = null;
const pending = new Map();

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

function show(which) {
  $("chat-start").classList.toggle("hidden", which !== "start");
  $("chat-room").classList.toggle("hidden", which !== "room");
  $("chat-end").classList.toggle("hidden", which !== "room");
}

function status(text) { $("chat-status").textContent = text; }

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
  const who = mine ? "You" : m.author_name || (m.author && m.author.startsWith("webchat-") ? "You" : m.author) || "";
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
      const q = lastIndex >= 0 ? `?After=${lastIndex}` : "";
      const r = await call("GET", messagesPath(chat.sid) + q, null, chat.token);
      if (poller !== mine) return;
      for (const m of (r && r.messages) || []) render(m);
      if (r && r.state === "closed") status("This chat has ended.");
      backoff = 500;
    } catch (e) {
      if (e.status === 403 || e.status === 404) { forget(); return; }
      status("Reconnecting…");
      await new Promise((res) => setTimeout(res, backoff));
      backoff = Math.min(backoff * 2, 10000);
      status("");
    }
  }
}

function forget() {
  localStorage.removeItem(KEY);
  chat = null;
  poller = null;
  lastIndex = -1;
  $("chat-log").replaceChildren();
  show("start");
}

$("chat-start").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("chat-start-error").textContent = "";
  const name = $("chat-name").value.trim();
  const first = $("chat-first").value.trim();
  try {
    const params = { FriendlyName: name };
    if (first) params.Body = first;
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
    li.querySelector(".chat-meta").textContent = `not delivered: ${e.message}`;
  }
});

$("chat-end").addEventListener("click", forget);

if (new URLSearchParams(location.search).has("embed")) document.body.classList.add("embedded");

try { chat = JSON.parse(localStorage.getItem(KEY) || "null"); } catch { chat = null; }
if (chat && chat.sid && chat.token) {
  show("room");
  follow();
} else {
  show("start");
}
