// The agent desktop: sign in as a worker, set the activity, see incoming reservations with the
// task's attributes and a countdown, accept or reject, and handle several chats at once
// (transcript with history, send, the customer's messages live, end the chat = wrap-up,
// complete). Voice tasks show the caller, the IVR answers and the call's state. One long-poll
// (`/agent/api/updates`, parked on the server) brings every change; text goes in as textContent.
// A new offer is never missed: `(N)` in the title, a short WebAudio tone (on/off per agent in
// localStorage), a browser notification once the agent allowed it (asked on a click, never on
// load); keys a / r / n accept, reject, go to the next chat. The open chat is in the URL
// (`#task=WT…`), so a reload keeps it. Transfers (key t) live in agent-transfer.mjs. Typing goes
// both ways: the reply box reports it (at most every 3 s), and the updates poll says who is
// typing in the agent's chats ("Nora is typing…" under the transcript and in the list). "New
// conversation" (key o, agent-outbound.mjs) writes first by SMS or WhatsApp; each message sent
// to a carrier shows where it stands (sending, sent, delivered, read) and a refusal in words.
import { api, endSession, setCsrf, el, h, pretty, toast, duration, ApiError, when, setOfficeZone } from "/static/common.mjs";
import * as transfer from "/static/agent-transfer.mjs";
import * as tools from "/static/agent-tools.mjs";
import * as beyond from "/static/agent-beyond.mjs";
import * as outbound from "/static/agent-outbound.mjs";

const $ = (id) => document.getElementById(id);
const state = {
  me: null,
  work: [],            // reservations with their task
  selected: null,      // task sid
  chats: new Map(),    // task sid → { lastIndex, messages: [], unread, conversation }
  skew: 0,             // server clock − ours, ms
  seq: null,
  stopped: false,
  seenOffers: null,    // reservation sids already announced (null until the first load)
  transferPanel: null, // { task, form }: the open transfer panel, kept over redraws
  wrapForms: new Map(),// task sid → its wrap-up form, kept over redraws
  beyond: new Map(),   // "task sid:…" → its call back panel or park form, kept over redraws
  typing: new Map(),   // conversation sid → identities typing there now (from the updates poll)
  typingTag: null,     // the poll's tag for that list
  typingSent: new Map(),// task sid → when this desk last reported the agent typing in it
};
// A typing report lasts 5 s on the server: the desk sends one at most every 3 s, and hides a
// customer's 5.5 s after the last report it read (a refresh wakes the poll, so it stays on).
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 5500;
let typingTimer = null;

/* ---------- sign-in ---------- */

function signedOut() {
  state.stopped = true;
  $("desk").classList.add("hidden");
  $("login").classList.remove("hidden");
}

async function signedIn(s) {
  setCsrf(s.csrf_token);
  setOfficeZone(s.time_zone);
  state.me = s.worker;
  state.stopped = false;
  $("me").textContent = s.worker.name || s.worker.friendly_name;
  const sel = $("activity");
  sel.replaceChildren(...s.activities.map((a) => h("option", { value: a.sid, text: a.friendly_name })));
  sel.value = s.worker.activity_sid;
  $("login").classList.add("hidden");
  $("desk").classList.remove("hidden");
  drawAlertButtons();
  transfer.loadColleagues();
  const wanted = taskFromUrl();
  await refresh();
  const r = wanted && state.work.find((x) => x.task.sid === wanted && x.status !== "pending");
  if (r) await select(wanted);
  else if (wanted) setUrlTask(null);
  updates();
}

/* ---------- never miss an offer: title, tone, notification, keys ---------- */

const soundKey = () => `switchboard.agent.sound.${state.me ? state.me.sid : ""}`;
const soundOn = () => localStorage.getItem(soundKey()) !== "off";
let audio = null;

/** The AudioContext, created (or resumed) only inside a click or key press, as browsers want. */
function unlockAudio() {
  if (!window.AudioContext) return;
  if (!audio) audio = new AudioContext();
  if (audio.state === "suspended") audio.resume().catch(() => {});
}
document.addEventListener("pointerdown", unlockAudio);
document.addEventListener("keydown", unlockAudio);

/** Two short soft notes; nothing to download. */
function tone() {
  if (!soundOn()) return;
  // After a reload the page has no gesture yet; once it had one, an AudioContext may start.
  if (!audio && navigator.userActivation && navigator.userActivation.hasBeenActive) unlockAudio();
  if (!audio) return;
  const t0 = audio.currentTime;
  for (const [i, f] of [880, 660].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = "sine";
    osc.frequency.value = f;
    const start = t0 + i * 0.18;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
    osc.connect(gain).connect(audio.destination);
    osc.start(start);
    osc.stop(start + 0.17);
  }
}

function drawAlertButtons() {
  const b = $("sound-toggle");
  b.textContent = soundOn() ? "Sound on" : "Sound off";
  b.setAttribute("aria-pressed", String(soundOn()));
  const n = $("notify-toggle");
  n.classList.toggle("hidden", !("Notification" in window) || Notification.permission === "granted");
  n.textContent = "Notification" in window && Notification.permission === "denied" ? "Notifications blocked" : "Notify me";
  n.disabled = "Notification" in window && Notification.permission === "denied";
}

$("sound-toggle").addEventListener("click", () => {
  localStorage.setItem(soundKey(), soundOn() ? "off" : "on");
  drawAlertButtons();
  if (soundOn()) { unlockAudio(); toast("A tone plays when a task is offered"); }
});

$("notify-toggle").addEventListener("click", async () => {
  try {
    const p = await Notification.requestPermission();
    toast(p === "granted" ? "You will get a notification for every offer" : "Notifications are off for this site", p !== "granted");
  } catch (e) { toast(e.message, true); }
  drawAlertButtons();
});

/** Title badge, and for each offer not seen before a tone and a notification. */
function announce() {
  const pending = state.work.filter((r) => r.status === "pending");
  document.title = `${pending.length ? `(${pending.length}) ` : ""}switchboard agent`;
  const first = state.seenOffers === null;
  if (first) state.seenOffers = new Set();
  const fresh = pending.filter((r) => !state.seenOffers.has(r.sid));
  for (const r of pending) state.seenOffers.add(r.sid);
  if (first || !fresh.length) return;
  tone();
  if ("Notification" in window && Notification.permission === "granted") {
    for (const r of fresh) {
      const c = card(r.task);
      const n = new Notification(`New ${c.channel.toLowerCase()}: ${c.who}`, { body: c.words || (c.queue ? `Queue ${c.queue}` : "A task is waiting for you"), tag: r.sid });
      n.onclick = () => { window.focus(); n.close(); };
    }
  }
}

document.addEventListener("keydown", (ev) => {
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) return;
  const t = ev.target;
  if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
  if ($("desk").classList.contains("hidden")) return;
  const pending = state.work.filter((r) => r.status === "pending");
  if ((ev.key === "a" || ev.key === "r") && pending.length) {
    ev.preventDefault();
    decide(pending[0], ev.key === "a" ? "accepted" : "rejected");
  } else if (ev.key === "t") {
    const r = state.work.find((x) => x.task.sid === state.selected);
    if (!r || r.status !== "accepted" || !r.task.conversation_sid || (r.task.transfer_out && r.task.transfer_out.status === "active")) return;
    ev.preventDefault();
    openTransfer(r);
  } else if (ev.key === "o") {
    ev.preventDefault();
    openOutbound();
  } else if (ev.key === "m") {
    ev.preventDefault();
    openMyWork();
  } else if (ev.key === "n") {
    const mine = state.work.filter((r) => r.status === "accepted" || r.status === "wrapping");
    if (!mine.length) return;
    ev.preventDefault();
    const i = mine.findIndex((r) => r.task.sid === state.selected);
    select(mine[(i + 1) % mine.length].task.sid);
  }
});

/* ---------- the open chat in the URL ---------- */

function taskFromUrl() {
  const m = /(?:^#|&)task=(WT[0-9a-f]{32})/.exec(location.hash);
  return m ? m[1] : null;
}

function setUrlTask(sid) {
  const want = sid ? `#task=${sid}` : " ";
  if (location.hash !== (sid ? want : "")) history.replaceState(null, "", sid ? want : location.pathname + location.search);
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
  try { await endSession("DELETE", "/agent/api/session"); } catch { /* signed out anyway */ }
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
  const before = new Map(state.work.map((x) => [x.task.sid, x]));
  state.work = r.reservations;
  for (const [sid, old] of before) transfer.watch(old, state.work.find((x) => x.task.sid === sid));
  if (r.worker) {
    state.me = r.worker;
    if (document.activeElement !== $("activity")) $("activity").value = r.worker.activity_sid;
  }
  drawLists();
  announce();
  if (state.selected) {
    const still = state.work.find((x) => x.task.sid === state.selected);
    if (still) drawTask(still);
    else {
      state.selected = null;
      setUrlTask(null);
      $("desk-main").classList.remove("has-task");
      $("task").replaceChildren(el("p", "That task is finished.", "muted"));
      for (const sid of [...state.wrapForms.keys()]) if (!state.work.some((x) => x.task.sid === sid)) { state.wrapForms.delete(sid); tools.forget(sid); }
      for (const key of [...state.beyond.keys()]) if (!state.work.some((x) => key.startsWith(`${x.task.sid}:`))) state.beyond.delete(key);
    }
  }
}

/* ---------- what a person reads about a task ---------- */

const SID_RE = /^[A-Z]{2}[0-9a-f]{32}$/;
const NAME_KEYS = ["customer_name", "customerName", "name", "friendlyName", "friendly_name"];
const TOPIC_KEYS = ["topic", "subject", "reason", "question"];
const TECHNICAL = new Set(["conversationSid", "conversation_sid", "flow_execution_sid", "flexFlowSid", "flexInteractionSid", "flexInteractionChannelSid", "flexChannelInviteSid", "customerAddress", "direction", "channelType", "from", "to", "call_sid", "caller", "conversations", "customers", "transferTargetType", "transferTargetSid", "transferQueueSid", "transfer", "transferNote", "transferType", "originalTaskSid", "contact_uri"]);

/** Whether an attribute is routing plumbing rather than something the customer or the IVR said. */
function technical(k, v) {
  if (TECHNICAL.has(k) || /sid$/i.test(k)) return true;
  if (v !== null && typeof v === "object") return true;
  return typeof v === "string" && (SID_RE.test(v) || /^(webchat|client):/.test(v) || /^webchat-/.test(v));
}

/** "department" → "Department", "order_number" → "Order number", "callBack" → "Call back". */
function label(k) {
  const words = k.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function channelName(t) {
  const a = t.attributes || {};
  const c = String(t.task_channel_unique_name || "").toLowerCase();
  const type = String(a.channelType || "").toLowerCase();
  if (c === "voice" || a.call_sid) return "Voice call";
  if (type === "web" || type === "webchat" || /^webchat/.test(String(a.from || ""))) return "Web chat";
  if (type === "sms" || c === "sms") return "SMS";
  if (type === "whatsapp" || /^whatsapp:/.test(String(a.from || ""))) return "WhatsApp";
  if (type === "messenger") return "Messenger";
  return c ? c.charAt(0).toUpperCase() + c.slice(1) : "Task";
}

/** The customer, the channel, their words or topic, the queue: what the offer card shows. */
function card(t) {
  const a = t.attributes || {};
  const named = t.customer_name || NAME_KEYS.map((k) => a[k]).find((v) => typeof v === "string" && v.trim() && !technical("name", v));
  const address = [a.from, a.caller, a.customerAddress].find((v) => typeof v === "string" && v && !technical("x", v));
  const who = named || address || (channelName(t) === "Web chat" ? "Web chat visitor" : "Customer");
  const topic = TOPIC_KEYS.map((k) => a[k]).find((v) => typeof v === "string" && v.trim());
  return { who, address: named && address && address !== named ? address : null, channel: channelName(t), words: topic || t.preview || null, queue: t.queue_name || null, transferNote: a.transferNote || (a.transfer && a.transfer.note) || null };
}

/** The topic the customer chose in the pre-chat form, if any. */
function preTopic(t) {
  const p = t.pre_engagement || (t.attributes || {}).pre_engagement_data;
  return p && typeof p.topic === "string" ? p.topic : null;
}

function summary(t) {
  return card(t).who;
}

/** What the IVR or the pre-chat form asked (department, order number…), as label/value rows. */
function answers(t, skip = []) {
  const a = t.attributes || {};
  const dl = h("dl", { class: "kv attrs" });
  for (const [k, v] of Object.entries(a)) {
    if (technical(k, v) || NAME_KEYS.includes(k) || TOPIC_KEYS.includes(k) || skip.includes(k)) continue;
    dl.append(el("dt", label(k)), el("dd", String(v)));
  }
  return dl;
}

/** Everything else, folded away: SIDs and routing data for whoever needs them. */
function techDetails(r) {
  const t = r.task;
  const dl = h("dl", { class: "kv" });
  dl.append(el("dt", "Task"), el("dd", t.sid, "mono"), el("dt", "Reservation"), el("dd", r.sid, "mono"));
  for (const [k, v] of Object.entries(t.attributes || {})) {
    if (!technical(k, v)) continue;
    dl.append(el("dt", k), el("dd", typeof v === "object" ? pretty(v) : String(v), typeof v === "object" ? "mono pre" : "mono"));
  }
  return h("details", { class: "tech" }, el("summary", "Technical details"), dl);
}

async function decide(r, status) {
  try {
    await api("POST", `/agent/api/reservations/${r.sid}`, { ReservationStatus: status });
    await refresh();
    if (status === "accepted" && state.work.some((x) => x.task.sid === r.task.sid)) await select(r.task.sid);
  } catch (e) { toast(e.message, true); await refresh(); }
}

function drawLists() {
  const incoming = state.work.filter((r) => r.status === "pending");
  const mine = state.work.filter((r) => r.status === "accepted" || r.status === "wrapping");
  $("incoming").replaceChildren(...incoming.map(incomingItem));
  $("mine").replaceChildren(...mine.map(mineItem));
  $("no-incoming").classList.toggle("hidden", incoming.length > 0);
  $("no-mine").classList.toggle("hidden", mine.length > 0);
  // On a phone an offer comes before the open chat: it is the thing that cannot wait.
  $("desk-main").classList.toggle("has-offer", incoming.length > 0);
  tick();
}

function incomingItem(r) {
  const t = r.task;
  const c = card(t);
  const meta = h("p", { class: "offer-meta muted" },
    c.queue ? el("span", `Queue ${c.queue}`) : null,
    preTopic(t) ? el("span", `Topic ${preTopic(t)}`) : null,
    h("span", { class: "waited", dataset: { since: t.date_created } }));
  return h("li", { class: "work-item incoming offer", dataset: { reservation: r.sid, task: t.sid } },
    h("div", { class: "offer-head" },
      h("span", { class: "offer-who" }, el("span", c.who, "title"), c.address ? el("span", c.address, "muted offer-address") : null),
      el("span", c.channel, "chip"),
      h("span", { class: "countdown", dataset: { deadline: r.timeout_at } })),
    transfer.origin(t) || (c.transferNote ? el("p", `Transfer note: ${c.transferNote}`, "offer-note") : null),
    c.words ? el("blockquote", c.words, "offer-words") : null,
    meta,
    answers(t),
    techDetails(r),
    h("div", { class: "task-actions" },
      h("button", { type: "button", class: "accept", title: "Accept (a)", onclick: () => decide(r, "accepted") }, "Accept", el("kbd", "a")),
      h("button", { type: "button", class: "secondary reject", title: "Reject (r)", onclick: () => decide(r, "rejected") }, "Reject", el("kbd", "r"))));
}

function mineItem(r) {
  const t = r.task;
  const chat = state.chats.get(t.sid);
  const li = h("li", { class: `work-item${state.selected === t.sid ? " selected" : ""}`, dataset: { task: t.sid }, onclick: () => select(t.sid) },
    el("span", summary(t), "title"),
    chat && chat.unread ? el("span", chat.unread, "unread") : null,
    el("div", `${channelName(t)} · ${typingNames(t).length ? "typing…" : statusWord(r)}`, "muted"));
  return li;
}

/** What a person reads for where a task stands (not TaskRouter's "assigned"). */
function statusWord(r) {
  const t = r.task;
  if (r.status === "pending") return "Offered";
  if (r.status === "wrapping") return "Wrap-up";
  if (t.transfer_out && t.transfer_out.status === "active") return t.transfer_out.accepted ? "Handing over" : "Transferring";
  if (t.task_channel_unique_name === "voice" || (t.attributes || {}).call_sid) return "On call";
  return t.conversation_sid ? "In chat" : "In progress";
}

function openTransfer(r) {
  const close = () => { state.transferPanel = null; const s = state.work.find((x) => x.task.sid === r.task.sid); if (s) drawTask(s); if ($("task-transfer")) $("task-transfer").focus(); };
  state.transferPanel = { task: r.task.sid, form: transfer.panel(r, { close, refresh }) };
  drawTask(r);
}

/** Countdowns of pending reservations, once a second. */
function tick() {
  for (const c of document.querySelectorAll(".countdown[data-deadline]")) {
    const left = (Date.parse(c.dataset.deadline) - (Date.now() + state.skew)) / 1000;
    c.textContent = left > 0 ? `${duration(left)} left` : "timing out";
  }
  for (const w of document.querySelectorAll(".waited[data-since]")) {
    w.textContent = `waited ${duration((Date.now() + state.skew - Date.parse(w.dataset.since)) / 1000)}`;
  }
}
setInterval(tick, 1000);

/* ---------- one task ---------- */

/** "My work" in the task pane (key m); Back or Escape returns to the open chat. */
function openMyWork() {
  const back = state.selected;
  state.selected = null;
  setUrlTask(null);
  $("desk-main").classList.add("has-task");
  drawLists();
  tools.myWork($("task"), {
    line: (m, who) => message(m, who),
    close: () => {
      if (back && state.work.some((x) => x.task.sid === back)) select(back);
      else { $("desk-main").classList.remove("has-task"); $("task").replaceChildren(el("p", "Pick a task from your list.", "muted")); }
    },
  });
}
$("my-work").addEventListener("click", openMyWork);
// On a phone the header's tools fold into a menu.
$("menu-toggle").addEventListener("click", () => {
  const open = $("header-tools").classList.toggle("open");
  $("menu-toggle").setAttribute("aria-expanded", String(open));
});
$("header-tools").addEventListener("click", (ev) => {
  if (ev.target.closest("button") && ev.target.id !== "notify-toggle") { $("header-tools").classList.remove("open"); $("menu-toggle").setAttribute("aria-expanded", "false"); }
});
$("canned-open").addEventListener("click", () => tools.cannedDialog());

/** "New conversation": once the server made it the agent's task, the desk opens it. */
function openOutbound() {
  outbound.open({ started: async (taskSid) => { await refresh(); if (state.work.some((x) => x.task.sid === taskSid)) await select(taskSid); } });
}
$("outbound-open").addEventListener("click", openOutbound);

async function select(taskSid) {
  tools.reloadNotes(taskSid);
  state.selected = taskSid;
  setUrlTask(taskSid);
  $("desk-main").classList.add("has-task");
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
  // Live updates ask for a redraw often; one that would draw the same task the same way is
  // skipped, so buttons stay put under the agent's pointer (a redraw between press and release
  // loses the click) and what they are typing or reading is left alone.
  const sig = JSON.stringify([r, state.transferPanel && state.transferPanel.task, (state.chats.get(t.sid) || {}).messages?.length],
    (k, v) => (k === "age" ? undefined : v));
  if (!fresh && state.drawn === sig && pane.childElementCount) return;
  state.drawn = sig;
  const a = t.attributes || {};
  const isVoice = t.task_channel_unique_name === "voice" || a.call_sid;
  const c = card(t);
  const word = statusWord(r);
  const header = h("div", { class: "row task-head" }, el("h2", c.who), el("span", c.channel, "chip"),
    el("span", word, `badge status-${word.toLowerCase().replace(/[^a-z]+/g, "-")}`));
  const details = h("dl", { class: "kv", id: "task-attributes" });
  if (isVoice) {
    details.append(el("dt", "Caller"), el("dd", a.from || a.caller || "unknown"));
    if (!beyond.isCallback(t)) details.append(el("dt", "Call"), el("dd", r.call_status ? r.call_status.replace(/-/g, " ") : "connected through the office's number"));
  } else if (c.address) details.append(el("dt", "Address"), el("dd", c.address));
  if (c.queue) details.append(el("dt", "Queue"), el("dd", c.queue));
  if (c.words && c.words !== t.preview) details.append(el("dt", "Topic"), el("dd", c.words));
  if (t.transfer_in) details.append(el("dt", "Transferred"), h("dd", {}, transfer.origin(t)));
  else if (c.transferNote) details.append(el("dt", "Transfer note"), el("dd", c.transferNote, "offer-note"));
  if (t.conversation_state && t.conversation_state !== "active") details.append(el("dt", "Chat"), el("dd", t.conversation_state));
  // What the customer or the IVR told us comes first; routing plumbing goes under a fold.
  for (const row of [...answers(t).children]) details.append(row);
  details.append(el("dt", ""), h("dd", {}, techDetails(r)));
  const actions = h("div", { class: "task-actions" });
  const move = (status, label) => h("button", { type: "button", id: `task-${status}`, class: status === "completed" ? "" : "secondary", onclick: async () => {
    try {
      await api("POST", `/agent/api/reservations/${r.sid}`, { ReservationStatus: status });
      toast(label);
      await refresh();
    } catch (e) { toast(e.message, true); }
  } }, label);
  const moving = t.transfer_out && t.transfer_out.status === "active";
  const panelOpen = !!(state.transferPanel && state.transferPanel.task === t.sid);
  if (r.status === "accepted" && t.conversation_sid && !moving && !panelOpen) {
    actions.append(h("button", { type: "button", id: "task-transfer", class: "secondary", title: "Transfer (t)", onclick: () => openTransfer(r) }, "Transfer", el("kbd", "t")));
  }
  // While a transfer is under way its banner holds the way out (withdraw, leave).
  if (r.status === "accepted" && !moving) actions.append(move("wrapping", t.conversation_sid ? "End chat" : "Wrap up"));
  // Completing goes through the wrap-up form (the queue's codes, a note); a chat still open may
  // complete at once only where no code is required.
  const wrap = t.wrapup || { codes: [], required: false };
  if (r.status === "accepted" && !moving && !wrap.required) actions.append(move("completed", "Complete"));
  let wrapForm = null;
  if (r.status === "wrapping") {
    wrapForm = state.wrapForms.get(t.sid) || tools.wrapupForm(r, { refresh });
    state.wrapForms.set(t.sid, wrapForm);
  }

  const parts = [details];
  // A callback's panel and a chat's park form are kept over redraws (live updates redraw often).
  if (beyond.isCallback(t)) {
    const key = `${t.sid}:${r.status}`;
    if (!state.beyond.has(key)) state.beyond.set(key, beyond.callbackPanel(r, { refresh }));
    parts.push(state.beyond.get(key));
  }
  let park = null;
  if (r.status === "accepted" && t.conversation_sid && !moving) {
    if (!state.beyond.has(`${t.sid}:park`)) state.beyond.set(`${t.sid}:park`, beyond.parkButton(r, { refresh }));
    park = state.beyond.get(`${t.sid}:park`);
  }
  if (t.conversation_sid) {
    const chat = fresh || !state.chats.has(t.sid) ? await loadMessages(t.sid) : state.chats.get(t.sid);
    chat.unread = 0;
    const log = h("ol", { class: "chat-log", id: "transcript", "aria-live": "polite" });
    chat.customer = { identity: t.customer_identity, name: t.customer_name };
    for (const m of chat.messages) log.append(message(m, chat.customer));
    const input = h("input", { id: "reply", maxlength: 1600, autocomplete: "off", placeholder: r.status === "accepted" ? "Reply" : "The chat has ended", "aria-label": "Reply" });
    input.addEventListener("input", () => reportTyping(t.sid, input.value));
    const send = h("form", { class: "chat-send", id: "reply-form", onsubmit: async (ev) => {
      ev.preventDefault();
      const body = input.value;
      if (!body.trim()) return;
      input.value = "";
      state.typingSent.delete(t.sid); // the message ends the typing
      try {
        await api("POST", `/agent/api/tasks/${t.sid}/messages`, { Body: body });
        await onMessages(t.sid);
      } catch (e) { toast(e.message, true); input.value = body; }
    } }, input, h("button", { type: "submit" }, "Send"));
    if (r.status !== "accepted") { input.disabled = true; send.querySelector("button").disabled = true; }
    else tools.attachCanned(input, () => ({ customer: c.who, agent: state.me ? state.me.name || state.me.friendly_name : "" }));
    parts.push(log, typingLine(t), send);
    requestAnimationFrame(() => { log.scrollTop = log.scrollHeight; });
  }
  if (state.transferPanel && (state.transferPanel.task !== t.sid || r.status !== "accepted" || moving)) {
    if (state.transferPanel.task === t.sid) state.transferPanel = null;
  }
  if (state.transferPanel && state.transferPanel.task === t.sid) parts.push(state.transferPanel.form);
  if (wrapForm) parts.push(wrapForm);
  // Nodes kept over redraws join this draw's tree only now, after its last wait: draws overlap
  // (one may wait for the chat's messages), and the one that fills the pane last must hold them.
  if (park) { actions.append(park.open); parts.push(park.form); }
  if (actions.childElementCount) parts.push(actions);
  const tb = transfer.banner(r, refresh);
  const main = h("div", { class: "task-main" }, ...parts);
  const body = t.conversation_sid
    ? h("div", { class: "task-body" }, main, tools.side(r, { card: c, pre: t.pre_engagement || (t.attributes || {}).pre_engagement_data, line: (m) => message(m, state.chats.get(t.sid) && state.chats.get(t.sid).customer) }))
    : main;
  const keepFocus = document.activeElement && document.activeElement.id === "reply";
  const focused = document.activeElement && pane.contains(document.activeElement) ? document.activeElement : null;
  const draft = $("reply") ? $("reply").value : "";
  pane.replaceChildren(header, tb || "", body);
  if (keepFocus && $("reply")) { $("reply").value = draft; $("reply").focus(); }
  // The transfer panel is the same node over redraws: what was focused in it stays focused.
  if (focused && focused !== document.activeElement && focused.isConnected) focused.focus();
}

/** Who is typing in a task's chat, by name (the customer, or a colleague in a transfer). */
function typingNames(t) {
  const ids = (t.conversation_sid && state.typing.get(t.conversation_sid)) || [];
  return ids.map((id) => (id === t.customer_identity ? card(t).who : transfer.names.get(id) || id));
}

function typingLine(t) {
  const names = typingNames(t);
  const p = el("p", names.length ? `${names.join(" and ")} ${names.length > 1 ? "are" : "is"} typing…` : "", "typing-line");
  p.id = "typing-line";
  p.setAttribute("aria-live", "polite");
  p.classList.toggle("quiet", !names.length);
  return p;
}

/** Redraws the typing line of the open chat and the list's "typing…" marks. */
function drawTyping() {
  const r = state.work.find((x) => x.task.sid === state.selected);
  const line = $("typing-line");
  if (r && line) line.replaceWith(typingLine(r.task));
  drawLists();
}

/** What the updates poll says of typing: who, and a timer that hides it 5.5 s after the last. */
function applyTyping(list, tag) {
  state.typingTag = tag ?? state.typingTag;
  const next = new Map();
  for (const x of list || []) next.set(x.conversation_sid, [...(next.get(x.conversation_sid) || []), x.identity]);
  state.typing = next;
  clearTimeout(typingTimer);
  if (next.size) typingTimer = setTimeout(() => { state.typing = new Map(); drawTyping(); }, TYPING_SHOWN_MS);
  drawTyping();
}

/** Tells the customer the agent is typing: at most once every 3 s, never for an empty box. */
function reportTyping(taskSid, value) {
  const now = Date.now();
  if (!value.trim() || value.startsWith("/") || now - (state.typingSent.get(taskSid) || 0) < TYPING_EVERY_MS) return;
  state.typingSent.set(taskSid, now);
  api("POST", `/agent/api/tasks/${taskSid}/typing`).catch(() => { /* a courtesy: the chat works without it */ });
}

/** Who wrote a line: the agent themself, the customer, the bot, another agent, the system. */
function role(m, customer) {
  if (state.me && m.author === state.me.friendly_name) return "me";
  if (m.author === "bot") return "bot";
  if (!m.author || m.author === "system") return "system";
  if (customer && customer.identity) return m.author === customer.identity ? "customer" : "agent";
  return "customer";
}

const WHO = { me: () => "You", bot: () => "Bot", system: () => "", customer: (m, c) => (c && c.name) || "Customer", agent: (m) => transfer.names.get(m.author) || m.author };

const DELIVERY = { sending: "sending…", sent: "sent", delivered: "delivered", read: "read", failed: "not delivered" };

function message(m, customer) {
  const r = role(m, customer);
  const li = el("li", null, `chat-msg role-${r} ${r === "me" ? "mine" : "theirs"}`);
  li.dataset.index = m.index;
  li.dataset.role = r;
  li.dataset.delivery = JSON.stringify(m.delivery);
  const who = WHO[r](m, customer);
  li.append(who ? el("span", who, "chat-who") : "", el("p", m.body || "", "chat-body"),
    el("span", [when(m.date_created, "time"), DELIVERY[m.delivery && m.delivery.status]].filter(Boolean).join(" · "), "chat-meta"));
  if (m.delivery && m.delivery.status === "failed") {
    // The carrier's refusal in words, and the text kept: one click puts it back to edit.
    li.classList.add("failed");
    li.append(el("p", `Not delivered: ${m.delivery.error || "the carrier could not deliver it."}`, "delivery-error"),
      h("button", { type: "button", class: "secondary small put-back", onclick: () => {
        const reply = $("reply");
        if (!reply || reply.disabled) return;
        reply.value = m.body || "";
        reply.focus();
      } }, "Put back in the reply box"));
  }
  return li;
}

/** The carrier's word on messages already shown (sent, delivered, refused): lines redrawn. */
async function onDelivery(taskSid) {
  const chat = state.chats.get(taskSid);
  if (!chat) return;
  const r = await api("GET", `/agent/api/tasks/${taskSid}/messages`);
  const byIndex = new Map(r.messages.map((m) => [m.index, m]));
  chat.messages = chat.messages.map((m) => byIndex.get(m.index) || m);
  const log = state.selected === taskSid && $("transcript");
  if (!log) return;
  for (const li of [...log.children]) {
    const m = byIndex.get(Number(li.dataset.index));
    if (m && JSON.stringify(m.delivery) !== li.dataset.delivery) li.replaceWith(message(m, chat.customer));
  }
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
      const q = new URLSearchParams();
      if (state.seq !== null) q.set("After", state.seq);
      if (state.seq !== null && state.typingTag !== null) q.set("Seen", state.typingTag);
      const r = await api("GET", `/agent/api/updates${String(q) ? `?${q}` : ""}`);
      const first = state.seq === null;
      state.seq = r.last_seq;
      backoff = 500;
      const typingChanged = r.tag !== state.typingTag;
      if (typingChanged || (r.typing || []).length) applyTyping(r.typing, r.tag);
      if (first || !r.events.length) continue;
      const convs = new Set(r.events.filter((e) => e.event_type === "conversation.message.added").map((e) => e.data.ConversationSid || e.resource_sid));
      const DELIVERY_EVENTS = ["message.outbound.sent", "message.outbound.failed", "conversation.message.delivery-updated"];
      const delivered = new Set(r.events.filter((e) => DELIVERY_EVENTS.includes(e.event_type)).map((e) => e.data.ConversationSid));
      const other = r.events.some((e) => e.event_type !== "conversation.message.added" && !DELIVERY_EVENTS.includes(e.event_type));
      if (other) await refresh();
      for (const res of state.work) {
        if (res.status === "pending" || !res.task.conversation_sid || !convs.has(res.task.conversation_sid)) continue;
        await onMessages(res.task.sid);
      }
      for (const res of state.work) {
        if (res.status !== "pending" && res.task.conversation_sid && delivered.has(res.task.conversation_sid)) await onDelivery(res.task.sid);
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
