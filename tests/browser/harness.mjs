// The browser test harness: Debian's Chromium (never a downloaded browser) driven over the
// DevTools protocol by playwright-core. Every context records its requests and fails the run on
// a request to any host but the server under test, on a console error or an uncaught exception.
// Screenshots go to $ARTIFACTS.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const BASE = process.env.BASE_URL;
export const SID = process.env.ACCOUNT_SID;
export const TOKEN = process.env.AUTH_TOKEN;
export const ARTIFACTS = process.env.ARTIFACTS || "target/browser-artifacts";
mkdirSync(ARTIFACTS, { recursive: true });

const origin = new URL(BASE).origin;
/** The same server under another name: a second origin, as the office's own site for the snippet. */
export const OTHER_ORIGIN = origin.replace("127.0.0.1", "localhost");
const problems = [];
export const outsideRequests = [];

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    chromiumSandbox: false,
    args: ["--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
}

/** A fresh browser context (its own cookies and storage) whose page is watched; `timezoneId` puts the browser in that zone. */
export async function context(browser, name, { allowConsole = [], timezoneId } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1360, height: 900 }, ...(timezoneId ? { timezoneId } : {}) });
  await ctx.route("**/*", (route) => {
    const url = route.request().url();
    // A page's own route (a scenario dropping reads) may have handled it meanwhile: that is no
    // failure of the page, so "already handled" is ignored.
    const handled = () => {};
    if (url.startsWith(origin) || url.startsWith(OTHER_ORIGIN) || url.startsWith("data:") || url.startsWith("about:")) return route.continue().catch(handled);
    outsideRequests.push(`${name}: ${url}`);
    return route.abort().catch(handled);
  });
  const page = await ctx.newPage();
  page.allowConsole = allowConsole;
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const text = `${m.text()} (${m.location().url})`;
    if (page.allowConsole.some((re) => re.test(text))) return;
    problems.push(`${name} console error: ${text}`);
  });
  page.on("pageerror", (e) => problems.push(`${name} uncaught: ${e.message}`));
  page.setDefaultTimeout(10000);
  return { ctx, page };
}

export async function shot(page, name) {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Calls the REST API as the account (for setting up and checking what pages did). */
export async function rest(method, path, params) {
  const headers = { Authorization: "Basic " + Buffer.from(`${SID}:${TOKEN}`).toString("base64") };
  let body;
  if (params) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(params).toString();
  }
  const res = await fetch(BASE + path, { method, headers, body });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = { text }; }
  return { status: res.status, json };
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

/** Polls `f` until it returns a truthy value (no fixed sleeps). */
export async function waitFor(what, f, timeout = 10000) {
  const until = Date.now() + timeout;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const results = [];
export async function scenario(name, f) {
  const started = Date.now();
  try {
    await f();
    results.push([name, "ok", Date.now() - started]);
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push([name, "FAILED", Date.now() - started]);
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}

/** A scenario whose API is missing from this build: a failure (every API the pages use is on main). */
export function skip(why) {
  results.push([why, "FAILED", 0]);
  console.log(`FAIL skipped: ${why}`);
}

/** Prints the summary; the exit code says whether everything passed. */
export function finish() {
  for (const p of problems) console.log(`PROBLEM ${p}`);
  for (const r of outsideRequests) console.log(`OUTSIDE REQUEST ${r}`);
  const failed = results.filter((r) => r[1] !== "ok").length + problems.length + outsideRequests.length;
  console.log(`${results.length - results.filter((r) => r[1] !== "ok").length} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

/**
 * The Flex workspace with nobody available: every available worker is set offline, so a
 * scenario group's own agents are the only ones offered work. Its `base` path and the
 * `offline` / `available` activity SIDs.
 */
export async function quietFloor() {
  const ws = (await rest("GET", "/v1/Workspaces")).json.workspaces.find((w) => w.friendly_name === "Flex Task Assignment");
  const base = `/v1/Workspaces/${ws.sid}`;
  const acts = (await rest("GET", `${base}/Activities`)).json.activities;
  const offline = acts.find((a) => a.friendly_name === "Offline").sid;
  const available = acts.find((a) => a.friendly_name === "Available").sid;
  for (const w of (await rest("GET", `${base}/Workers?PageSize=100`)).json.workers) {
    if (w.available) await rest("POST", `${base}/Workers/${w.sid}`, { ActivitySid: offline });
  }
  return { ws, base, offline, available };
}
