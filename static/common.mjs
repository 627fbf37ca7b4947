// Shared by every page: building DOM from data (textContent only, never HTML from data), calling
// the API with the session's CSRF token, and the long-poll loop for live updates.

/** An element with optional text (set as textContent) and class. */
export function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

/** An element with children. */
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = String(v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

/** A table with a header row of `heads` and the given body rows. */
export function table(id, heads, rows) {
  return h("table", { id }, h("thead", {}, h("tr", {}, ...heads.map((t) => el("th", t)))), h("tbody", {}, ...rows));
}

/** An API error: Twilio's error JSON (`code`, `message`, `details`) plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

let csrf = "";
export function setCsrf(token) { csrf = token || ""; }

// Every request of this page's session shares one abort signal. Signing out aborts what is in
// flight and refuses what a timer or a live update starts afterwards, so nothing reaches the
// server with a session that is gone (it would answer 401 to a page nobody reads any more).
let session = new AbortController();
const signedOutError = () => new ApiError(401, { message: "You are signed out." });

/**
 * Ends this page's session: aborts every request in flight, then sends `last` (the sign-out
 * itself) as the only request allowed afterwards. Its errors are the caller's.
 */
export async function endSession(method, path) {
  session.abort(signedOutError());
  const last = await fetch(path, { method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
  if (!last.ok && last.status !== 401) throw new ApiError(last.status, null);
}

/** Calls the API on this origin with the session cookie; `params` go form-encoded (Twilio's way). */
export async function api(method, path, params, { signal, headers } = {}) {
  if (session.signal.aborted) throw signedOutError();
  const both = signal ? AbortSignal.any([signal, session.signal]) : session.signal;
  const opts = { method, credentials: "same-origin", headers: { ...headers }, signal: both };
  if (method !== "GET") opts.headers["X-CSRF-Token"] = csrf;
  if (params) {
    opts.headers["Content-Type"] = "application/x-www-form-urlencoded";
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
      else q.append(k, typeof v === "object" ? JSON.stringify(v) : String(v));
    }
    opts.body = q.toString();
  }
  const res = await fetch(path, opts);
  const text = res.status === 204 ? "" : await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { message: text }; }
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

/** Fetches every page of a Twilio list (following `meta.next_page_url`), up to `max` items. */
export async function listAll(path, key, max = 1000) {
  const items = [];
  let next = path + (path.includes("?") ? "&" : "?") + "PageSize=200";
  while (next && items.length < max) {
    const page = await api("GET", next);
    items.push(...(page[key] || []));
    const url = page.meta && page.meta.next_page_url;
    next = url ? new URL(url, location.href).pathname + new URL(url, location.href).search : null;
  }
  return items;
}

/**
 * Long-polls `feedPath` (`?Topic=…&After=…`) for events about `topic` and calls `onEvents(list)`.
 * The server parks each request until something happens, so an idle page costs no server thread.
 * Returns a function that stops the loop.
 */
export function follow(feedPath, topic, onEvents) {
  const ctl = new AbortController();
  let stopped = false;
  (async () => {
    let after = null;
    let backoff = 500;
    while (!stopped) {
      try {
        const q = new URLSearchParams({ Topic: topic });
        if (after !== null) q.set("After", after);
        if (session.signal.aborted) return;
        const signal = AbortSignal.any([ctl.signal, session.signal]);
        const res = await fetch(`${feedPath}?${q}`, { credentials: "same-origin", signal });
        if (res.status === 401) return;
        if (res.status === 204) continue;
        if (!res.ok) throw new Error(`feed ${res.status}`);
        const body = await res.json();
        const first = after === null;
        after = body.last_seq;
        backoff = 500;
        if (!first && body.events && body.events.length) onEvents(body.events);
      } catch (e) {
        if (stopped || session.signal.aborted || (e && e.name === "AbortError")) return;
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 10000);
      }
    }
  })();
  return () => { stopped = true; ctl.abort(); };
}

/** "3m 12s" for a number of seconds. */
export function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** Pretty JSON of a value or of a JSON string. */
export function pretty(v) {
  if (typeof v === "string") {
    try { return JSON.stringify(JSON.parse(v), null, 2); } catch { return v; }
  }
  return JSON.stringify(v, null, 2);
}

/** Parses a JSON attribute string (Twilio sends attributes as strings) into an object. */
export function attrs(v) {
  if (v && typeof v === "object") return v;
  try { return JSON.parse(v || "{}"); } catch { return {}; }
}

/** Shows a transient message in the page's #toast element. */
export function toast(text, bad = false) {
  const t = document.getElementById("toast");
  if (!t) return;
  t.textContent = text;
  t.className = bad ? "toast bad" : "toast";
  clearTimeout(toast.timer);
  toast.shownAt = Date.now();
  toast.timer = setTimeout(() => (t.className = "toast hidden"), 4000);
}

// The office's time zone (issue 16): the console and the agent desktop show every time in it,
// through `when`, whatever zone the browser is in. The pages learn it from their session
// (`time_zone`, null until an admin sets it: then the browser's own zone).
let officeTz = null;
const formats = new Map();

/** The browser's own IANA zone. */
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** Sets the office's zone for this page (a zone this browser does not know is left out). */
export function setOfficeZone(tz) {
  try { officeTz = tz ? new Intl.DateTimeFormat("en", { timeZone: tz }).resolvedOptions().timeZone : null; } catch { officeTz = null; }
  formats.clear();
}

/** The zone times are shown in: the office's, else the browser's. */
export const officeZone = () => officeTz || browserZone();

/** Every IANA zone the browser knows (the pickers' choices). */
export function zones() {
  try { return Intl.supportedValuesOf("timeZone"); } catch { return ["UTC"]; }
}

const STYLES = {
  time: { hour: "2-digit", minute: "2-digit" },
  seconds: { hour: "2-digit", minute: "2-digit", second: "2-digit" },
  short: { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" },
  datetime: { dateStyle: "medium", timeStyle: "short" },
  full: { dateStyle: "medium", timeStyle: "medium" },
  date: { dateStyle: "medium" },
  ymd: { year: "numeric", month: "2-digit", day: "2-digit" },
  zone: { timeZoneName: "short", hour: "2-digit" },
};

function format(style) {
  const key = `${style}|${officeZone()}`;
  if (!formats.has(key)) {
    const locale = style === "ymd" ? "en-CA" : undefined;
    formats.set(key, new Intl.DateTimeFormat(locale, { ...STYLES[style], timeZone: officeZone() }));
  }
  return formats.get(key);
}

/**
 * An instant (ISO 8601 text, Unix ms or a Date) as the office reads it, in the office's zone:
 * `time` 14:05, `seconds` 14:05:09, `short` Dec 4, 14:05, `datetime` Dec 4, 2026, 2:05 PM,
 * `full` with seconds, `date`, `ymd` 2026-12-04; `auto`: the time alone when it is today in the
 * office, else `datetime`. Nothing or an unreadable value is "".
 */
export function when(t, style = "datetime") {
  if (t === null || t === undefined || t === "") return "";
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(+d)) return "";
  if (style === "auto") return format("ymd").format(d) === format("ymd").format(new Date()) ? format("time").format(d) : format("datetime").format(d);
  return format(STYLES[style] ? style : "datetime").format(d);
}

/** The office zone's short name at an instant ("CET", "GMT+1"). */
export function zoneName(t = Date.now()) {
  const part = format("zone").formatToParts(new Date(t)).find((p) => p.type === "timeZoneName");
  return part ? part.value : officeZone();
}

/** Today's date in the office, yyyy-mm-dd (or the date of `t`). */
export const localDate = (t = Date.now()) => format("ymd").format(new Date(t));

/** The instant (ISO) the office's day of `t` began: its midnight in the office's zone. */
export const midnight = (t = Date.now()) => dayStart(localDate(t));

/** The instant (ISO) the office's day `ymd` (yyyy-mm-dd), plus `days`, begins in its zone. */
export function dayStart(ymd, days = 0) {
  const [y, m, d] = ymd.split("-").map(Number);
  // The zone's offset from UTC at an instant, from the office's wall clock there.
  const offset = (ms) => {
    const p = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: officeZone(), hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" })
      .formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
  };
  const wall = Date.UTC(y, m - 1, d + days);
  return new Date(wall - offset(wall - offset(wall))).toISOString();
}
