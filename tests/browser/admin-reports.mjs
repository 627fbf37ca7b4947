// Reports (issue 17, item 3) in headless Chromium: a history made over the API on the server's
// clock (a queue "Reports desk", its agent Rita Reyes: two chats answered after 12 s and 75 s,
// wrapped up with codes, one abandoned), then the console's Reports page by queue and by agent,
// per day and per hour, its SVG charts, the CSV download and a reversed range. Desktop
// (1366x768) and phone (390x844) shots. Runs last: it moves the server's clock a few minutes.
import { readFileSync } from "node:fs";

export async function reportsScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario, SID, TOKEN } = t;
  const ok = async (r, what) => {
    const res = await r;
    assert(res.status < 300, `${what}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  const advance = (ms) => ok(rest("POST", "/__test/clock", { AdvanceMs: String(ms) }), "clock");

  // Frozen while the history is made, the clock moves only when moved: every time is exact.
  await ok(rest("POST", "/__test/clock", { Freeze: "true" }), "freeze");
  const list = await ok(rest("GET", "/v1/Workspaces?FriendlyName=Flex%20Task%20Assignment"), "workspaces");
  const ws = list.workspaces[0].sid;
  const tr = (p) => `/v1/Workspaces/${ws}${p}`;
  const acts = await ok(rest("GET", tr("/Activities?PageSize=50")), "activities");
  const available = acts.activities.find((a) => a.friendly_name === "Available").sid;
  const offline = acts.activities.find((a) => a.friendly_name === "Offline").sid;
  const queue = await ok(rest("POST", tr("/TaskQueues"), { FriendlyName: "Reports desk", TargetWorkers: 'desk == "reports"' }), "queue");
  const wf = await ok(rest("POST", tr("/Workflows"), { FriendlyName: "To the reports desk", Configuration: JSON.stringify({ task_routing: { default_filter: { queue: queue.sid } } }) }), "workflow");
  const rita = await ok(rest("POST", tr("/Workers"), { FriendlyName: "rita", Attributes: JSON.stringify({ desk: "reports", full_name: "Rita Reyes" }), ActivitySid: available }), "worker");
  const reservation = async (task) => waitFor("a reservation", async () => {
    const r = await ok(rest("GET", tr(`/Tasks/${task}/Reservations`)), "reservations");
    return r.reservations.find((x) => x.reservation_status === "pending");
  });
  // Each step at a set instant from the chat's start.
  const at = (ms) => ok(rest("POST", "/__test/clock", { Now: String(ms) }), "clock");
  const chat = async (name, waitMs, code) => {
    const t0 = (await advance(1000)).now;
    const task = await ok(rest("POST", tr("/Tasks"), { WorkflowSid: wf.sid, Attributes: JSON.stringify({ name, channelType: "web" }) }), "task");
    const r = await reservation(task.sid);
    await at(t0 + waitMs);
    await ok(rest("POST", tr(`/Tasks/${task.sid}/Reservations/${r.sid}`), { ReservationStatus: "accepted" }), "accept");
    await at(t0 + waitMs + 240_000);
    await ok(rest("POST", tr(`/Tasks/${task.sid}/Reservations/${r.sid}`), { ReservationStatus: "wrapping" }), "wrap-up");
    await at(t0 + waitMs + 270_000);
    await ok(rest("POST", tr(`/Tasks/${task.sid}`), { AssignmentStatus: "completed", WrapupCode: code }), "complete");
  };
  await chat("Ada", 12_000, "sold");
  await chat("Grace", 75_000, "refund");
  const gone = await ok(rest("POST", tr("/Tasks"), { WorkflowSid: wf.sid, Attributes: JSON.stringify({ name: "Linus" }) }), "task");
  await advance(40_000);
  await ok(rest("POST", tr(`/Tasks/${gone.sid}`), { AssignmentStatus: "canceled", Reason: "customer left" }), "cancel");
  await ok(rest("POST", tr(`/Workers/${rita.sid}`), { ActivitySid: offline }), "offline");
  const now = (await ok(rest("POST", "/__test/clock", { Freeze: "false" }), "run")).now;

  const { page, ctx } = await context(browser, "reports");
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${t.BASE}/admin`);
  await page.fill("#sid", SID);
  await page.fill("#token", TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#console:not(.hidden)");
  // The server's day in the browser's zone (the clock may have moved ahead of the browser's).
  const day = await page.evaluate((ms) => { const d = new Date(ms); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`; }, now);
  const show = async (by, interval, from = day, to = day) => {
    await page.selectOption('#report-form [name="By"]', by);
    await page.selectOption('#report-form [name="Interval"]', interval);
    await page.fill('#report-form [name="From"]', from);
    await page.fill('#report-form [name="To"]', to);
    await page.click('#report-form button[type="submit"]');
  };
  const cells = async (name) => page.locator(`#report-rows tr[data-name="${name}"] td`).allTextContents();

  await scenario("a supervisor reads the day's figures per queue, drawn as SVG charts", async () => {
    await page.click('#nav a[href="#reports"]');
    await page.waitForSelector("#report-form");
    await show("queues", "day");
    await waitFor("the Reports desk row", async () => (await page.locator('#report-rows tr[data-name="Reports desk"]').count()) === 1);
    const c = await cells("Reports desk");
    // Queue, offered, handled, abandoned, service level (≤ 60 s: 1 of 3), answer (12 s and 75 s), handle (270 s), wrap-up (30 s), codes.
    assert(JSON.stringify(c) === JSON.stringify(["Reports desk", "3", "2", "1", "33.3% ≤ 60s", "44s", "4m 30s", "30s", "refund 1, sold 1"]), `the row: ${JSON.stringify(c)}`);
    assert(await page.locator("#report .report-chart svg .bar rect").count() >= 1, "bars drawn");
    assert(await page.locator("#report .report-chart svg .code-bar").count() >= 2, "the codes drawn");
    const text = await page.textContent("#view");
    assert(!/\b(WT|WK|WQ|WR|WW|WS)[0-9a-f]{32}\b/.test(text), "no raw SIDs on the page");
    assert((await page.textContent("#view")).includes(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)), "names the office's zone");
    assert(/#reports\?By=queues/.test(page.url()), "the choice is in the URL");
    await shot(page, "reports-queues-desktop");
  });

  await scenario("per agent and per hour, on a desktop and a phone", async () => {
    await show("agents", "day");
    await waitFor("Rita's row", async () => (await page.locator('#report-rows tr[data-name="Rita Reyes"]').count()) === 1);
    const c = await cells("Rita Reyes");
    // Agent, handled, service level (1 of her 2 within 60 s), answer, handle, wrap-up, codes.
    assert(JSON.stringify(c) === JSON.stringify(["Rita Reyes", "2", "50%", "44s", "4m 30s", "30s", "refund 1, sold 1"]), `Rita: ${JSON.stringify(c)}`);
    await show("queues", "hour");
    await waitFor("24 hourly bars", async () => (await page.locator("#report .report-chart").first().locator("svg .bar").count()) === 24);
    await shot(page, "reports-hourly-desktop");
    await page.setViewportSize({ width: 390, height: 844 });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert(wide <= 390, `no sideways scroll on a phone (${wide}px)`);
    await shot(page, "reports-hourly-phone");
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  await scenario("the CSV download has the day by name; a reversed range says what to do", async () => {
    await show("queues", "day");
    await waitFor("the row", async () => (await page.locator('#report-rows tr[data-name="Reports desk"]').count()) === 1);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#report-csv")]);
    const csv = readFileSync(await download.path(), "utf8");
    assert(csv.startsWith("Interval start,Interval,Queue,Offered") && csv.includes(`,${day},Reports desk,3,2,1,1,33.3,60,43.5,270.0,30.0,refund: 1; sold: 1\r\n`), `the CSV: ${csv}`);
    assert(!/\bWQ[0-9a-f]{32}\b/.test(csv), "no queue SIDs in the CSV");
    await waitFor("the download's word", async () => /Saved queues-day-/.test(await page.textContent("#report-status")));
    page.allowConsole = [/status of 400/];
    const earlier = await page.evaluate((ms) => { const d = new Date(ms); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`; }, now - 3 * 86_400_000);
    await show("queues", "day", day, earlier);
    await waitFor("the refusal", async () => (await page.textContent("#report-status")).includes(`“to” ${earlier} is before “from” ${day}`));
    assert(await page.locator("#report-rows").count() === 0, "no stale figures under the refusal");
    await shot(page, "reports-reversed");
    await page.setViewportSize({ width: 390, height: 844 });
    await show("queues", "day");
    await waitFor("the row", async () => (await page.locator('#report-rows tr[data-name="Reports desk"]').count()) === 1);
    await shot(page, "reports-queues-phone");
    page.allowConsole = [];
  });
  await ctx.close();
}
