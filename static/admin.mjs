// The admin console: sign-in (a session cookie; the CSRF token lives only in this page's memory),
// then one view per hash route. Each view module renders into #view from API data, with
// textContent only. Views: admin-studio.mjs, admin-routing.mjs, admin-queues.mjs (queues and their rules), admin-live.mjs (dashboard,
// Flex Flows, System), admin-floor.mjs (the supervisor's floor), admin-transcripts.mjs (conversations), admin-reports.mjs (reports), admin-settings.mjs (the office's time zone).
import { api, endSession, setCsrf, toast, ApiError, setOfficeZone } from "/static/common.mjs";
import * as studio from "/static/admin-studio.mjs";
import * as routing from "/static/admin-routing.mjs";
import * as queues from "/static/admin-queues.mjs";
import * as live from "/static/admin-live.mjs";
import * as hours from "/static/admin-hours.mjs";
import * as floor from "/static/admin-floor.mjs";
import * as transcripts from "/static/admin-transcripts.mjs";
import * as reports from "/static/admin-reports.mjs";
import * as wiring from "/static/admin-wiring.mjs";
import { checklist } from "/static/admin-firstrun.mjs";
import * as users from "/static/admin-users.mjs";
import * as audit from "/static/admin-audit.mjs";
import * as settings from "/static/admin-settings.mjs";

const views = {
  // The first-run checklist above the live dashboard, until its steps are done.
  dashboard: async (root, c) => {
    const steps = await checklist(c).catch(() => null);
    if (steps) root.append(steps);
    return live.dashboard(root, c);
  },
  floor: floor.view,
  conversations: transcripts.view,
  reports: reports.view,
  studio: studio.view,
  flexflows: wiring.flexFlows,
  workers: routing.workers,
  queues: queues.view,
  workflows: routing.workflows,
  activities: routing.activities,
  channels: routing.channels,
  tasks: routing.tasks,
  hours: hours.view,
  system: live.system,
  users: users.view,
  audit: audit.view,
  settings: settings.view,
};

const ctx = { workspaceSid: null, accountSid: null, stop: [] };

async function workspace() {
  if (!ctx.workspaceSid) {
    const list = await api("GET", "/v1/Workspaces?PageSize=50");
    const ws = (list.workspaces || []).find((w) => w.friendly_name === "Flex Task Assignment") || (list.workspaces || [])[0];
    ctx.workspaceSid = ws ? ws.sid : null;
  }
  return ctx.workspaceSid;
}
ctx.workspace = workspace;

async function show() {
  for (const stop of ctx.stop.splice(0)) stop();
  // `#view/arg?query`: the query (a view's own state, e.g. a search) is the view's to read.
  const [name, ...rest] = (location.hash.slice(1).split("?")[0] || "dashboard").split("/");
  const view = views[name] || views.dashboard;
  for (const a of document.querySelectorAll("#nav a")) {
    const here = a.getAttribute("href") === `#${name in views ? name : "dashboard"}`;
    a.classList.toggle("active", here);
    if (here) { a.setAttribute("aria-current", "page"); document.getElementById("here").textContent = a.textContent; } else a.removeAttribute("aria-current");
  }
  menu(false);
  // Each page renders into its own box: a page still loading when the person moves on fills a
  // box nobody sees, never the next page. The last page's toast leaves with it (unless it is
  // the word on the action that brought the person here, a moment ago).
  const root = document.createElement("div");
  document.getElementById("view").replaceChildren(root);
  const toastEl = document.getElementById("toast");
  if (toastEl && Date.now() - (toast.shownAt || 0) > 1000) toastEl.className = "toast hidden";
  // A role that cannot change this page sees it read-only (admin-users.mjs).
  ctx.stop.push(users.guard(root, ctx, name));
  try {
    await view(root, ctx, rest);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return signedOut();
    const card = document.createElement("section");
    card.className = "card error";
    card.textContent = `Could not load this page: ${e.message}`;
    root.append(card);
  }
}

function signedOut() {
  document.getElementById("console").classList.add("hidden");
  document.getElementById("login").classList.remove("hidden");
}

async function signedIn(session) {
  setCsrf(session.csrf_token);
  setOfficeZone(session.time_zone);
  ctx.accountSid = session.account_sid;
  users.applyRole(session, ctx);
  document.getElementById("login").classList.add("hidden");
  document.getElementById("console").classList.remove("hidden");
  await show();
}

document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const err = document.getElementById("login-error");
  err.textContent = "";
  try {
    const session = await api("POST", "/admin/api/session",
      users.signInParams(document.getElementById("sid").value.trim(), document.getElementById("token").value.trim()));
    document.getElementById("token").value = "";
    await signedIn(session);
  } catch (e) {
    err.textContent = e.status === 401 ? "Those credentials are not right." : `Sign-in failed: ${e.message}`;
  }
});

document.getElementById("logout").addEventListener("click", async () => {
  ctx.accountSid = null;
  for (const stop of ctx.stop.splice(0)) stop();
  try { await endSession("DELETE", "/admin/api/session"); } catch { /* signed out anyway */ }
  history.replaceState(null, "", "/admin");
  location.reload();
});

window.addEventListener("hashchange", () => { if (ctx.accountSid) show(); });

// The phone's menu: the Menu button opens the views over the page; a choice, Escape or a click
// outside closes it.
function menu(open) {
  document.getElementById("nav").classList.toggle("open", open);
  document.getElementById("menu").setAttribute("aria-expanded", String(open));
}
document.getElementById("menu").addEventListener("click", (ev) => {
  ev.stopPropagation();
  menu(!document.getElementById("nav").classList.contains("open"));
});
document.getElementById("nav").addEventListener("click", (ev) => { if (ev.target.closest("a")) menu(false); });
document.addEventListener("click", (ev) => { if (!ev.target.closest("#nav")) menu(false); });
document.addEventListener("keydown", (ev) => { if (ev.key === "Escape") menu(false); });

// An invite link opens the invite page; otherwise a reload keeps the session (the cookie) and
// the CSRF token is fetched again.
const invite = users.inviteCode();
if (invite) users.acceptInvite(invite, signedIn).catch(signedOut);
else fetch("/admin/api/session", { credentials: "same-origin" })
  .then((r) => (r.ok ? r.json() : null))
  .then((s) => (s && s.signed_in ? signedIn(s) : signedOut()))
  .catch(signedOut);
