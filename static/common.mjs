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
