// Users, roles and the audit log (issue 17, item 4) in headless Chromium: an admin invites a
// supervisor and copies the link the console shows; the supervisor opens it, chooses a password,
// sees the floor (and no admin pages), changes an agent's activity, keeps the session over a
// reload, opens a flow read-only and is refused the edit with a clear message; the audit log shows
// each change with who and when, filtered by who. Desktop (1366x768) and phone (390x844) shots.
// Runs last: its agent ends offline.

const FLOW = {
  description: "Users scenario flow",
  initial_state: "Trigger",
  flags: { allow_concurrent_calls: true },
  states: [{ name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } }, transitions: [{ event: "incomingMessage" }, { event: "incomingCall" }, { event: "incomingRequest" }] }],
};

export async function usersScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario, skip, SID, TOKEN } = t;
  if ((await rest("GET", "/admin/api/users")).status !== 200) return skip("users: the users API is not on this build");
  const ok = (r, what) => { assert(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.json)}`); return r.json; };
  const ws = ok(await rest("GET", "/v1/Workspaces"), "workspaces").workspaces.find((w) => w.friendly_name === "Flex Task Assignment").sid;
  const base = `/v1/Workspaces/${ws}`;
  const acts = ok(await rest("GET", `${base}/Activities`), "activities").activities;
  const offline = acts.find((a) => a.friendly_name === "Offline").sid;
  const uma = ok(await rest("POST", `${base}/Workers`, { FriendlyName: "uma", ActivitySid: offline, Attributes: JSON.stringify({ full_name: "Uma Users" }) }), "worker");
  const flow = ok(await rest("POST", "/v2/Flows", { FriendlyName: "Users scenario flow", Status: "published", Definition: JSON.stringify(FLOW) }), "flow");
  const both = async (page, name, { fits = true } = {}) => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, `${name}-desktop`);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, `${name}-phone`);
    const wide = await page.evaluate(() => {
      const over = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 391).slice(0, 3).map((e) => `${e.tagName}#${e.id}.${e.className}`);
      return { width: document.documentElement.scrollWidth, over };
    });
    if (fits) assert(wide.width <= 390, `${name}: no sideways scroll on a phone (${wide.width}px: ${wide.over.join(", ")})`);
    await page.setViewportSize({ width: 1366, height: 768 });
  };

  const admin = await context(browser, "users-admin");
  const ap = admin.page;
  await ap.setViewportSize({ width: 1366, height: 768 });
  let link;

  await scenario("an admin invites a supervisor; the console shows the link to copy", async () => {
    await ap.goto(`${t.BASE}/admin`);
    await ap.fill("#sid", SID);
    await ap.fill("#token", TOKEN);
    await ap.click("#login-form button");
    await ap.waitForSelector("#console:not(.hidden)");
    assert((await ap.textContent("#who")).includes("admin"), "the account signs in as an admin");
    await ap.click('#nav a[href="#users"]');
    await ap.waitForSelector("#user-form");
    await ap.fill("#user-name", "Sue Park");
    await ap.fill("#user-login", "sue@office.example");
    await ap.selectOption("#user-role", "supervisor");
    await ap.click("#user-form button[type=submit]");
    await ap.waitForSelector("#invite-link");
    link = await ap.inputValue("#invite-link");
    assert(/\/admin#invite\/[0-9a-f]{32}$/.test(link), `an invite link: ${link}`);
    await ap.waitForSelector('#users tr[data-user="sue@office.example"]');
    const row = await ap.textContent('#users tr[data-user="sue@office.example"]');
    assert(/invited, link good until/.test(row), `the user waits for the invite: ${row}`);
    await both(ap, "users-invite");
  });

  // The refusals this scenario asks for on purpose (the flow edit, the audit log, a wrong password).
  const sup = await context(browser, "users-supervisor", { allowConsole: [/403 \(Forbidden\).*\/v2\/Flows\/FW/, /403 \(Forbidden\).*\/admin\/api\/audit/, /401 \(Unauthorized\).*\/admin\/api\/session/] });
  const sp = sup.page;
  await sp.setViewportSize({ width: 1366, height: 768 });

  await scenario("the supervisor opens the link, chooses a password and sees the floor, not the admin pages", async () => {
    await sp.goto(link);
    await sp.waitForSelector("#invite:not(.hidden)");
    assert((await sp.textContent("#invite-intro")).includes("Welcome, Sue Park"), "the invite greets by name");
    await shot(sp, "users-invite-open");
    await sp.fill("#invite-password", "sue-password");
    await sp.fill("#invite-again", "sue-password");
    await sp.click("#invite-form button");
    await sp.waitForSelector("#console:not(.hidden)");
    assert(!sp.url().includes("invite"), `the spent code leaves the address bar: ${sp.url()}`);
    assert((await sp.textContent("#who")).includes("Sue Park · supervisor"), "signed in by name and role");
    for (const page of ["users", "audit", "system"]) {
      assert(!(await sp.isVisible(`#nav a[href="#${page}"]`)), `no ${page} in a supervisor's menu`);
    }
    for (const page of ["floor", "conversations", "reports"]) {
      assert(await sp.isVisible(`#nav a[href="#${page}"]`), `${page} in a supervisor's menu`);
    }
    await sp.click('#nav a[href="#floor"]');
    await sp.waitForSelector('#floor-agents tr[data-agent="Uma Users"]');
    await sp.locator('#floor-agents tr[data-agent="Uma Users"] select').selectOption({ label: "Available" });
    await waitFor("Uma available", async () => ok(await rest("GET", `${base}/Workers/${uma.sid}`), "worker").activity_name === "Available");
    // Back to offline at once: nothing else should ring at her.
    await sp.locator('#floor-agents tr[data-agent="Uma Users"] select').selectOption({ label: "Offline" });
    await waitFor("Uma offline", async () => ok(await rest("GET", `${base}/Workers/${uma.sid}`), "worker").activity_name === "Offline");
    // The session survives a reload.
    await sp.reload();
    await sp.waitForSelector('#console:not(.hidden) #floor-agents tr[data-agent="Uma Users"]');
    await both(sp, "users-supervisor-floor");
  });

  await scenario("the supervisor opens a flow read-only and is refused the edit with a clear message", async () => {
    await sp.goto(`${t.BASE}/admin#studio/${flow.sid}`);
    await sp.waitForSelector("#readonly-note");
    assert((await sp.textContent("#readonly-note")).includes("supervisor, who can look at flows but not change them"), "the page says why");
    await waitFor("publish disabled", async () => sp.isDisabled("#publish"));
    assert(await sp.isDisabled("#save-draft"), "save disabled");
    // What the page will not send, the server refuses too, and says why.
    const refused = await sp.evaluate(async (sid) => {
      const s = await (await fetch("/admin/api/session")).json();
      const r = await fetch(`/v2/Flows/${sid}`, { method: "POST", headers: { "X-CSRF-Token": s.csrf_token, "Content-Type": "application/x-www-form-urlencoded" }, body: "Status=draft" });
      return { status: r.status, body: await r.json() };
    }, flow.sid);
    assert(refused.status === 403, `refused: ${refused.status}`);
    assert(/A supervisor cannot change flows: only an admin can/.test(refused.body.message), refused.body.message);
    await sp.goto(`${t.BASE}/admin#audit`);
    await sp.waitForSelector("#view .card.error");
    assert((await sp.textContent("#view")).includes("Only an admin can see or change the audit log"), "the audit log is refused by name");
    await sp.goto(`${t.BASE}/admin#studio/${flow.sid}`);
    await sp.waitForSelector("#readonly-note");
    await waitFor("publish disabled", async () => sp.isDisabled("#publish"));
    // (The studio page's own tables are Studio's; here the note must fit.)
    await both(sp, "users-supervisor-studio", { fits: false });
    await sp.setViewportSize({ width: 390, height: 844 });
    const note = await sp.evaluate(() => document.getElementById("readonly-note").getBoundingClientRect().right);
    assert(note <= 390, `the note fits a phone (${note}px)`);
    await sp.setViewportSize({ width: 1366, height: 768 });
  });

  await scenario("the audit log shows each change with who and when; filtered by who", async () => {
    await ap.goto(`${t.BASE}/admin#audit`);
    await ap.waitForSelector("#audit tbody tr");
    const rows = async () => (await ap.locator("#audit tbody tr").allTextContents());
    const all = await rows();
    const has = (re) => all.some((r) => re.test(r));
    assert(has(/Sue Parkupdatedworker Uma Usersactivity → Offline/) || has(/Sue Park.*updated.*worker.*uma.*activity → Offline/), `Sue's activity change: ${all.slice(0, 6).join(" | ")}`);
    assert(has(/Sue Park.*updated.*worker.*activity → Available/), "and the first one");
    assert(has(/Sue Park.*joined.*user.*Sue Park/), "Sue joined");
    assert(has(/Account owner \(Auth Token\).*invited.*user.*Sue Park.*role supervisor/), "who invited her");
    assert(has(/Account owner \(Auth Token\).*created.*flow.*Users scenario flow/), "the flow's creation");
    const first = await ap.textContent("#audit tbody tr:first-child td.when");
    assert(first && first.includes(new Date().getFullYear()), `when, in local time: ${first}`);
    const text = await ap.textContent("#audit");
    assert(!/\b(WK|FW|UA)[0-9a-f]{32}\b/.test(text), "names, not SIDs");
    await ap.selectOption("#audit-who", { label: "Sue Park" });
    await waitFor("only Sue's changes", async () => { const r = await rows(); return r.length > 0 && r.every((x) => x.includes("Sue Park")) ; });
    await ap.selectOption("#audit-what", "worker");
    await waitFor("Sue's worker changes", async () => (await rows()).length === 2);
    await both(ap, "users-audit");
    // The user shows active now.
    await ap.goto(`${t.BASE}/admin#users`);
    await ap.waitForSelector('#users tr[data-user="sue@office.example"] .badge.active');
  });

  await scenario("the supervisor signs out; the session is gone after a reload", async () => {
    await sp.goto(`${t.BASE}/admin#floor`);
    await sp.waitForSelector("#console:not(.hidden)");
    // Signing out reloads the page itself; wait for that load, then open the console again.
    await Promise.all([sp.waitForEvent("load"), sp.click("#logout")]);
    await sp.waitForSelector("#login:not(.hidden)");
    await sp.goto(`${t.BASE}/admin#floor`);
    await sp.waitForSelector("#login:not(.hidden)");
    assert(await sp.isHidden("#console"), "no console without a session");
    await sp.fill("#sid", "sue@office.example");
    await sp.fill("#token", "wrong-password");
    await sp.click("#login-form button");
    await waitFor("refused", async () => ((await sp.textContent("#login-error")) || "").includes("not right"));
    await sp.fill("#token", "sue-password");
    await sp.click("#login-form button");
    await sp.waitForSelector("#console:not(.hidden)");
    assert((await sp.textContent("#who")).includes("supervisor"), "back in with her own password");
  });
  await sup.ctx.close();
  await admin.ctx.close();
}
