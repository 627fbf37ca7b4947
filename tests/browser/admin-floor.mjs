// The supervisor's floor (issue 17, item 1) in headless Chromium: a supervisor watches an agent
// take a chat live and reads it read-only, changes agents' activities, force-completes a stuck
// task, gives another to a second agent, is refused (with what changed) on a task that moved on
// meanwhile, and ends a stuck Studio execution. Desktop (1366x768) and phone (390x844) shots.
// Runs after the other scenarios: its agents match every queue, so they end offline.

const STUCK_FLOW = {
  description: "Floor stuck flow",
  initial_state: "Trigger",
  flags: { allow_concurrent_calls: true },
  states: [
    { name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } }, transitions: [{ event: "incomingMessage" }, { event: "incomingCall" }, { event: "incomingRequest", next: "ask" }] },
    { name: "ask", type: "send-and-wait-for-reply", properties: { offset: { x: 0, y: 200 }, body: "Are you there?", timeout: "86400" },
      transitions: [{ event: "incomingMessage" }, { event: "timeout" }, { event: "deliveryFailure" }] },
  ],
};

export async function floorScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario, skip, SID, TOKEN } = t;
  if ((await rest("GET", "/v1/Workspaces")).status !== 200) return skip("floor: TaskRouter is not on this build");
  const ws = (await rest("GET", "/v1/Workspaces")).json.workspaces.find((w) => w.friendly_name === "Flex Task Assignment").sid;
  const base = `/v1/Workspaces/${ws}`;
  const ok = (r, what) => { assert(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.json)}`); return r.json; };
  const queue = ok(await rest("POST", `${base}/TaskQueues`, { FriendlyName: "Floor desk", TargetWorkers: "floor == true" }), "queue");
  const workflow = ok(await rest("POST", `${base}/Workflows`, { FriendlyName: "Floor desk", Configuration: JSON.stringify({ task_routing: { default_filter: { queue: queue.sid } } }) }), "workflow");
  const acts = ok(await rest("GET", `${base}/Activities`), "activities").activities;
  const offline = acts.find((a) => a.friendly_name === "Offline").sid;
  const worker = async (name, full) => ok(await rest("POST", `${base}/Workers`, { FriendlyName: name, ActivitySid: offline, Attributes: JSON.stringify({ full_name: full, floor: true }) }), name);
  const fiona = await worker("fiona", "Fiona Gallagher");
  const gus = await worker("gus", "Gus Grissom");
  const task = async (name, extra = {}) => ok(await rest("POST", `${base}/Tasks`, { WorkflowSid: workflow.sid, TaskChannel: "chat", Attributes: JSON.stringify({ name, ...extra }) }), `task ${name}`);
  const reservationOf = (sid) => waitFor(`a reservation of ${sid}`, async () => (ok(await rest("GET", `${base}/Tasks/${sid}/Reservations`), "reservations").reservations || []).find((r) => r.reservation_status === "pending"));
  const status = async (sid) => ok(await rest("GET", `${base}/Tasks/${sid}`), "task").assignment_status;

  // A flow stuck waiting for a reply nobody will send.
  const flow = ok(await rest("POST", "/v2/Flows", { FriendlyName: "Floor stuck flow", Status: "published", Definition: JSON.stringify(STUCK_FLOW) }), "flow");
  const stuck = ok(await rest("POST", `/v2/Flows/${flow.sid}/Executions`, { To: "+15550107777", From: "+15550100000" }), "execution");

  const { page, ctx } = await context(browser, "supervisor");
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${t.BASE}/admin`);
  await page.fill("#sid", SID);
  await page.fill("#token", TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#console:not(.hidden)");
  const row = (sel) => page.locator(sel);
  const toast = (re) => waitFor(`a toast ${re}`, async () => re.test((await page.textContent("#toast")) || ""));
  let hank;

  await scenario("a supervisor watches an agent take a chat live and reads it read-only", async () => {
    const conv = ok(await rest("POST", "/v1/Conversations", { FriendlyName: "Hank Moody" }), "conversation");
    ok(await rest("POST", `/v1/Conversations/${conv.sid}/Messages`, { Author: "+15550100200", Body: "My parcel never arrived" }), "message");
    await page.goto(`${t.BASE}/admin#floor`);
    await page.waitForSelector('#floor-queues tr[data-queue="Floor desk"]');
    await page.waitForSelector('#floor-executions tr[data-execution]');
    hank = await task("Hank Moody", { from: "+15550100200", conversationSid: conv.sid });
    await page.waitForSelector(`#floor-tasks tr[data-task="${hank.sid}"][data-status="pending"]`);
    await waitFor("one waiting in Floor desk", async () => (await row('#floor-queues tr[data-queue="Floor desk"] td.waiting').textContent()) === "1");
    // The supervisor puts Fiona on: the waiting chat rings at her, live.
    await row('#floor-agents tr[data-agent="Fiona Gallagher"] select').selectOption({ label: "Available" });
    await toast(/Fiona Gallagher is now Available/);
    await page.waitForSelector(`#floor-agents tr[data-agent="Fiona Gallagher"] .chip.task.reserved[data-task="${hank.sid}"]`);
    const r = await reservationOf(hank.sid);
    ok(await rest("POST", `${base}/Tasks/${hank.sid}/Reservations/${r.sid}`, { ReservationStatus: "accepted" }), "accept");
    await page.waitForSelector(`#floor-agents tr[data-agent="Fiona Gallagher"] .chip.task.assigned[data-task="${hank.sid}"]`);
    const cap = await row('#floor-agents tr[data-agent="Fiona Gallagher"]').textContent();
    assert(/chat 1\/1/.test(cap), `capacity used shown: ${cap}`);
    // Read the chat; the agent's answer arrives while the supervisor reads.
    await row(`#floor-tasks tr[data-task="${hank.sid}"] button.read`).click();
    await waitFor("the customer's message", async () => (await page.textContent("#reader-log")).includes("My parcel never arrived"));
    assert((await page.locator("#chat-reader input, #chat-reader textarea").count()) === 0, "the reader has no way to write");
    ok(await rest("POST", `/v1/Conversations/${conv.sid}/Messages`, { Author: "fiona", Body: "Let me check that for you" }), "agent message");
    await waitFor("the agent's answer live", async () => (await page.textContent("#reader-log")).includes("Let me check"));
    const who = await page.locator("#reader-log .chat-who").allTextContents();
    assert(who.includes("Hank Moody") && who.includes("Fiona Gallagher"), `authors by name: ${who}`);
    const text = await page.textContent("#view");
    assert(!/\b(WT|WK|WQ|CH|FN)[0-9a-f]{32}\b/.test(text), "no raw SIDs on the floor");
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, "floor-desktop");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, "floor-phone");
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  await scenario("a supervisor force-completes a task stuck in wrap-up", async () => {
    ok(await rest("POST", `${base}/Tasks/${hank.sid}`, { AssignmentStatus: "wrapping" }), "wrapping");
    await page.waitForSelector(`#floor-tasks tr[data-task="${hank.sid}"][data-status="wrapping"]`);
    const tr = row(`#floor-tasks tr[data-task="${hank.sid}"]`);
    await tr.locator("select.action").selectOption("complete");
    await tr.locator("button.apply").click();
    await toast(/Hank Moody: force-completed/);
    assert((await status(hank.sid)) === "completed", "completed on the server");
    await waitFor("the row to go", async () => (await row(`#floor-tasks tr[data-task="${hank.sid}"]`).count()) === 0);
  });

  await scenario("a supervisor gives a ringing task to another agent; a stale action is refused with what changed", async () => {
    const ivy = await task("Ivy Dickens");
    await page.waitForSelector(`#floor-agents tr[data-agent="Fiona Gallagher"] .chip.task.reserved[data-task="${ivy.sid}"]`);
    await row('#floor-agents tr[data-agent="Gus Grissom"] select').selectOption({ label: "Available" });
    await toast(/Gus Grissom is now Available/);
    const tr = row(`#floor-tasks tr[data-task="${ivy.sid}"]`);
    await tr.locator("select.action").selectOption({ label: "Gus Grissom" });
    await tr.locator("button.apply").click();
    await toast(/Ivy Dickens: given to Gus Grissom/);
    const r = await reservationOf(ivy.sid);
    assert(r.worker_sid === gus.sid, "reserved to Gus");
    await page.waitForSelector(`#floor-agents tr[data-agent="Gus Grissom"] .chip.task[data-task="${ivy.sid}"]`);
    // The page's view stops updating (its floor reads fail); meanwhile Gus accepts. The
    // supervisor's cancel, made on what the page still shows, is refused.
    page.allowConsole = [/status of 412/, /ERR_FAILED/];
    await page.route("**/floor?**", (route) => route.abort());
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    ok(await rest("POST", `${base}/Tasks/${ivy.sid}/Reservations/${r.sid}`, { ReservationStatus: "accepted" }), "accept");
    await tr.locator("select.action").selectOption("cancel");
    await tr.locator("button.apply").click();
    await toast(/changed while you looked: it is now assigned with Gus Grissom in Floor desk/);
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, "floor-refused");
    assert((await status(ivy.sid)) === "assigned", "nothing was done");
    await page.unroute("**/floor?**");
    page.allowConsole = [];
    ok(await rest("POST", `${base}/Tasks/${ivy.sid}/Repair`, { Action: "complete" }), "clean up");
  });

  await scenario("a supervisor ends a stuck Studio execution", async () => {
    const xr = row(`#floor-executions tr[data-execution="${stuck.sid}"]`);
    assert((await xr.textContent()).includes("Floor stuck flow"), "the flow by name");
    await xr.locator("button.end").click();
    await toast(/Ended Floor stuck flow/);
    await waitFor("ended on the server", async () => ok(await rest("GET", `/v2/Flows/${flow.sid}/Executions/${stuck.sid}`), "execution").status === "ended");
    await waitFor("the row to go", async () => (await xr.count()) === 0);
  });

  await scenario("the dashboard counts only agents with free capacity as free", async () => {
    // Fiona full on chat, a second chat waiting, Gus offline: Twilio's count says 1 available.
    await rest("POST", `${base}/Workers/${gus.sid}`, { ActivitySid: offline });
    const a = await task("Jack Reacher");
    const r = await reservationOf(a.sid);
    ok(await rest("POST", `${base}/Tasks/${a.sid}/Reservations/${r.sid}`, { ReservationStatus: "accepted" }), "accept");
    const b = await task("Kate Beckett");
    const stats = ok(await rest("GET", `${base}/TaskQueues/${queue.sid}/RealTimeStatistics`), "stats");
    assert(stats.total_available_workers === 1, `Twilio's count: ${stats.total_available_workers}`);
    await page.goto(`${t.BASE}/admin#dashboard`);
    const cell = row('#queue-stats tr[data-queue="Floor desk"] td.available');
    await waitFor("the dashboard row", async () => (await cell.count()) === 1);
    assert((await cell.textContent()) === "0", `agents free: ${await cell.textContent()}`);
    await shot(page, "floor-dashboard");
    for (const x of [a, b]) ok(await rest("POST", `${base}/Tasks/${x.sid}/Repair`, { Action: "cancel" }), "clean up");
  });

  for (const w of [fiona, gus]) await rest("POST", `${base}/Workers/${w.sid}`, { ActivitySid: offline });
  await ctx.close();
}
