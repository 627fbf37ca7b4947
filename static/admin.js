// The admin console. Text from the server is always inserted with textContent, never as HTML.
"use strict";

const state = { sid: sessionStorage.getItem("sid"), token: sessionStorage.getItem("token") };

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

async function api(method, path, params) {
  const opts = { method, headers: { Authorization: "Basic " + btoa(state.sid + ":" + state.token) } };
  if (params) {
    opts.headers["Content-Type"] = "application/x-www-form-urlencoded";
    opts.body = new URLSearchParams(params).toString();
  }
  const res = await fetch(path, opts);
  const body = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(body && body.message ? body.message : res.statusText);
  return body;
}

async function showConsole() {
  const acct = await api("GET", `/2010-04-01/Accounts/${state.sid}.json`);
  document.getElementById("login").classList.add("hidden");
  document.getElementById("console").classList.remove("hidden");
  document.getElementById("who").textContent = acct.sid;
  const rows = document.getElementById("account-rows");
  rows.replaceChildren();
  for (const [k, v] of [["Account SID", acct.sid], ["Name", acct.friendly_name], ["Status", acct.status], ["Created", acct.date_created]]) {
    const tr = el("tr");
    tr.append(el("th", k), el("td", v));
    rows.append(tr);
  }
  await loadKeys();
}

async function loadKeys() {
  const list = await api("GET", `/2010-04-01/Accounts/${state.sid}/Keys.json`);
  const tbody = document.getElementById("keys");
  tbody.replaceChildren();
  for (const k of list.keys) {
    const tr = el("tr");
    const del = el("button", "Delete", "secondary");
    del.type = "button";
    del.addEventListener("click", async () => {
      await api("DELETE", `/2010-04-01/Accounts/${state.sid}/Keys/${k.sid}.json`);
      await loadKeys();
    });
    const td = el("td");
    td.append(del);
    tr.append(el("td", k.sid, "mono"), el("td", k.friendly_name), el("td", k.date_created), td);
    tbody.append(tr);
  }
}

document.getElementById("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  state.sid = document.getElementById("sid").value.trim();
  state.token = document.getElementById("token").value.trim();
  try {
    await showConsole();
    sessionStorage.setItem("sid", state.sid);
    sessionStorage.setItem("token", state.token);
  } catch (e) {
    document.getElementById("login-error").textContent = "Sign-in failed: " + e.message;
  }
});

document.getElementById("key-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const k = await api("POST", `/2010-04-01/Accounts/${state.sid}/Keys.json`, { FriendlyName: document.getElementById("key-name").value });
  document.getElementById("key-secret").textContent = `${k.sid} secret (shown once): ${k.secret}`;
  await loadKeys();
});

document.getElementById("logout").addEventListener("click", () => {
  sessionStorage.clear();
  location.reload();
});

if (state.sid && state.token) showConsole().catch(() => sessionStorage.clear());
