// Users and roles in the admin console (issue 17): the Users page (invite someone — the console
// shows the one-time link to send, there is no mail server —, change a role, disable, a new
// link), taking up an invite (`/admin#invite/CODE`: the code stays in the fragment, never sent in
// a request line or logged), the sign-in's two kinds of credentials, and what each role sees: a
// supervisor's nav has no Users, Audit log or System, and the pages that change configuration are
// read-only with a note saying why (the server refuses the change anyway, http::roles).
import { api, el, h, listAll, toast, when as at } from "/static/common.mjs";

/** Views a supervisor uses fully; every other page is read-only for them. */
const SUPERVISOR_VIEWS = new Set(["dashboard", "floor", "conversations", "reports"]);
const ROLES = [["supervisor", "Supervisor"], ["admin", "Admin"], ["agent", "Agent"]];
/** Tools that only move the view, never the data: a read-only page keeps them. */
const VIEW_TOOLS = new Set(["flow-export", "zoom-in", "zoom-out", "zoom-fit", "tab-canvas", "tab-json"]);

/** The sign-in form's fields as the server wants them: a SID and token, or a login and password. */
export function signInParams(who, secret) {
  return /^(AC|SK)[0-9a-f]{32}$/.test(who) ? { AccountSid: who, AuthToken: secret } : { Login: who, Password: secret };
}

/** Shows who is signed in and marks the page with the role (CSS and views read it). */
export function applyRole(session, ctx) {
  ctx.role = session.role || "admin";
  document.body.dataset.role = ctx.role;
  // A menu group of admin pages only has nothing left for another role.
  for (const g of document.querySelectorAll("#nav .nav-group")) {
    g.classList.toggle("hidden", ctx.role !== "admin" && ![...g.querySelectorAll("a")].some((a) => !a.hasAttribute("data-admin-only")));
  }
  const who = document.getElementById("who");
  if (session.user_sid) {
    who.textContent = `${session.name} · ${ctx.role}`;
    who.title = `Signed in as ${session.name} (${ctx.role})`;
  } else {
    who.textContent = `${session.account_sid.slice(0, 6)}…${session.account_sid.slice(-4)} · admin`;
    who.title = `${session.account_sid}: the account's own credentials (admin)`;
  }
}

/**
 * Makes a page read-only for a role that cannot change it: a note on top, and every control
 * that would change something disabled, also those the page draws later. Returns the stop.
 */
export function guard(root, ctx, name) {
  if (ctx.role !== "supervisor" || SUPERVISOR_VIEWS.has(name)) return () => {};
  const what = { studio: "flows", workers: "workers", queues: "queues", workflows: "workflows" }[name] || "this page";
  const note = h("section", { class: "card readonly-note", id: "readonly-note", role: "note" },
    `Read only: you are signed in as a supervisor, who can look at ${what} but not change them. An admin can.`);
  const lock = () => {
    if (!note.isConnected) root.prepend(note);
    // Links dressed as buttons start a change ("New flow"): gone.
    for (const a of root.querySelectorAll("a.button, label.file-button")) a.classList.add("hidden");
    for (const c of root.querySelectorAll("button, input, select, textarea")) {
      if (c.disabled || c.getAttribute("role") === "tab" || VIEW_TOOLS.has(c.id) || c.classList.contains("link")) continue;
      c.disabled = true;
      c.title = "A supervisor cannot change this";
    }
  };
  lock();
  const watch = new MutationObserver(lock);
  watch.observe(root, { childList: true, subtree: true });
  return () => watch.disconnect();
}

/** The invite code in the URL (`#invite/CODE`), if the page was opened from an invite link. */
export function inviteCode() {
  const m = location.hash.match(/^#invite\/([0-9a-f]{32})$/);
  return m ? m[1] : null;
}

/** The invite page: whom it is for, choose a password; then signed in (or sent to the desk). */
export async function acceptInvite(code, signedIn) {
  const box = document.getElementById("invite");
  document.getElementById("login").classList.add("hidden");
  box.classList.remove("hidden");
  const intro = document.getElementById("invite-intro");
  const err = document.getElementById("invite-error");
  const form = document.getElementById("invite-form");
  const res = await fetch(`/admin/api/invites/${code}`, { credentials: "same-origin" });
  const who = res.ok ? await res.json() : null;
  if (!who) {
    intro.textContent = "This invite link was used already or has expired. Ask an admin for a new one.";
    form.classList.add("hidden");
    return;
  }
  intro.textContent = `Welcome, ${who.name}. Choose a password to sign in as ${who.role === "agent" ? "an agent" : `a ${who.role}`} (your login: ${who.login}).`;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    const pw = document.getElementById("invite-password").value;
    if (pw !== document.getElementById("invite-again").value) { err.textContent = "The two passwords differ."; return; }
    try {
      const answer = await api("POST", `/admin/api/invites/${code}`, { Password: pw });
      // The code is spent: it leaves the address bar (and the history) now.
      history.replaceState(null, "", "/admin#dashboard");
      box.classList.add("hidden");
      if (answer.signed_in) return signedIn(answer);
      box.classList.remove("hidden");
      form.classList.add("hidden");
      intro.replaceChildren(`Your password is set. Sign in at the agent desk as ${answer.worker_name || "your worker's name"}: `, h("a", { href: answer.sign_in_url, text: "open the desk" }));
    } catch (e) {
      err.textContent = e.status === 410 ? e.message : `Not set: ${e.message}`;
    }
  });
}

const when = (iso) => at(iso, "full");

/** A link to hand over, with a Copy button (the page shows it once). */
function linkBox(u) {
  const input = h("input", { id: "invite-link", readonly: true, value: u.invite_url, "aria-label": `Invite link for ${u.name}` });
  const copy = h("button", { type: "button", class: "secondary", id: "invite-copy", onclick: async () => {
    input.select();
    try { await navigator.clipboard.writeText(u.invite_url); toast("Link copied"); } catch { toast("Press Ctrl+C to copy the selected link"); }
  } }, "Copy");
  return h("div", { class: "card invite-result", id: "invite-result" },
    el("p", `Send this link to ${u.name}. It works once, for 7 days; the console will not show it again.`),
    h("div", { class: "row" }, input, copy));
}

/** The Users page (admins only: the nav hides it from others, the server refuses it). */
export async function view(root, ctx) {
  const ws = await ctx.workspace();
  const [{ users }, workers] = await Promise.all([api("GET", "/admin/api/users"), ws ? listAll(`/v1/Workspaces/${ws}/Workers`, "workers") : []]);
  const result = h("div");
  const name = h("input", { id: "user-name", required: true, placeholder: "Sue Park" });
  const login = h("input", { id: "user-login", required: true, placeholder: "sue@office.example", autocomplete: "off" });
  const role = h("select", { id: "user-role" }, ...ROLES.map(([v, t]) => h("option", { value: v, text: t })));
  const worker = h("select", { id: "user-worker" }, h("option", { value: "", text: "Choose the agent's worker" }), ...workers.map((w) => h("option", { value: w.sid, text: w.friendly_name })));
  const workerField = h("div", { class: "field hidden" }, h("label", { for: "user-worker" }, "Worker (the agent signs in at /agent with its name)"), worker);
  role.addEventListener("change", () => workerField.classList.toggle("hidden", role.value !== "agent"));
  worker.addEventListener("change", () => { if (!login.value) login.value = worker.selectedOptions[0].text; });
  const err = el("p", "", "error");
  const form = h("form", { id: "user-form", class: "inline labelled", onsubmit: async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    try {
      const u = await api("POST", "/admin/api/users", { Name: name.value.trim(), Login: login.value.trim(), Role: role.value, WorkerSid: role.value === "agent" ? worker.value : undefined });
      await view(root.replaceChildren() || root, ctx);
      root.querySelector("#invite-slot").replaceChildren(linkBox(u));
      toast(`${u.name} is invited: send them the link`);
    } catch (e) { err.textContent = `Not invited: ${e.message}`; }
  } },
  h("div", { class: "field" }, h("label", { for: "user-name" }, "Name"), name),
  h("div", { class: "field" }, h("label", { for: "user-login" }, "Login (a username or e-mail)"), login),
  h("div", { class: "field" }, h("label", { for: "user-role" }, "Role"), role), workerField,
  el("p", "A supervisor watches the floor, reads conversations and reports, and changes no configuration; an admin changes anything; an agent works at the desk as one of the workers.", "muted help"),
  h("div", { class: "field" }, h("button", { type: "submit" }, "Create invite link")), err);

  const rows = users.map((u) => {
    const change = async (params, what) => {
      try { await api("POST", `/admin/api/users/${u.sid}`, params); toast(`${u.name}: ${what}`); await view(root.replaceChildren() || root, ctx); } catch (e) { toast(`Not changed: ${e.message}`, true); }
    };
    let roleCell;
    if (u.role === "agent") roleCell = el("td", `agent (worker ${u.worker_name || "gone"})`);
    else {
      const sel = h("select", { "aria-label": `Role of ${u.name}` }, h("option", { value: "admin", text: "admin" }), h("option", { value: "supervisor", text: "supervisor" }));
      sel.value = u.role;
      sel.addEventListener("change", () => change({ Role: sel.value }, `now ${sel.value}`));
      roleCell = h("td", {}, sel);
    }
    const status = u.status === "invited" ? `invited, link good until ${when(u.invite_expires)}` : u.status;
    const actions = h("td", {}, h("div", { class: "row" },
      u.status === "disabled" ? h("button", { type: "button", class: "secondary", onclick: () => change({ Status: "active" }, "enabled") }, "Enable")
        : h("button", { type: "button", class: "secondary", onclick: () => change({ Status: "disabled" }, "disabled: signed out everywhere") }, "Disable"),
      u.status === "disabled" ? null : h("button", { type: "button", class: "secondary", onclick: async () => {
        try {
          const fresh = await api("POST", `/admin/api/users/${u.sid}/invite`);
          root.querySelector("#invite-slot").replaceChildren(linkBox(fresh));
        } catch (e) { toast(`No link: ${e.message}`, true); }
      } }, u.status === "invited" ? "New invite link" : "Password reset link")));
    const row = h("tr", { dataset: { user: u.login } }, el("td", u.name), el("td", u.login, "mono"), roleCell, el("td", status, `badge ${u.status}`), actions);
    ["Name", "Login", "Role", "Status", ""].forEach((l, i) => { row.cells[i].dataset.label = l; });
    return row;
  });
  root.append(
    h("section", { class: "card" }, el("h2", "Users"),
      el("p", "Admins change anything; supervisors watch the floor, read conversations and reports, and change no configuration; agents work at the desk. The Account SID and Auth Token always sign in as an admin.", "muted"),
      el("h3", "Invite someone"), form, h("div", { id: "invite-slot" }, result),
      users.length ? h("div", { class: "scroll" }, h("table", { id: "users", class: "floor" }, h("thead", {}, h("tr", {}, ...["Name", "Login", "Role", "Status", ""].map((t) => el("th", t)))), h("tbody", {}, ...rows)))
        : el("p", "No users yet: invite the first above.", "muted")));
}
