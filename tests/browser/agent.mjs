// The agent desktop on its own (no chat): a voice task shows the caller, the IVR's answers and the
// call, with a countdown while it is offered; accept, wrap up, complete.

export async function agentScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario, skip } = t;
  if ((await rest("GET", "/v1/Workspaces")).status !== 200) {
    skip("agent scenarios: TaskRouter is not on this build yet");
    return;
  }
  const ws = (await rest("GET", "/v1/Workspaces")).json.workspaces.find((w) => w.friendly_name === "Flex Task Assignment");
  const base = `/v1/Workspaces/${ws.sid}`;
  const workflow = (await rest("GET", `${base}/Workflows`)).json.workflows[0];
  const w = await rest("POST", `${base}/Workers`, { FriendlyName: "frank", Attributes: '{"contact_uri":"+15550009999"}' });
  assert(w.status === 201, "worker frank");
  await rest("POST", `/admin/api/workers/${w.json.sid}/password`, { Password: "frank-password" });

  const { page, ctx } = await context(browser, "agent-voice");
  await scenario("a voice task shows caller, IVR answers and call; accept, wrap up, complete", async () => {
    await page.goto(`${t.BASE}/agent`);
    await page.fill("#worker", "frank");
    await page.fill("#password", "frank-password");
    await page.click("#login-form button");
    await page.waitForSelector("#desk:not(.hidden)");
    const available = await page.locator("#activity option", { hasText: /^Available$/ }).getAttribute("value");
    await page.selectOption("#activity", available);
    await waitFor("frank to be available", async () => (await rest("GET", `${base}/Workers/${w.json.sid}`)).json.available === true);
    const task = await rest("POST", `${base}/Tasks`, {
      WorkflowSid: workflow.sid, TaskChannel: "voice",
      Attributes: JSON.stringify({ from: "+15551230000", call_sid: "CA" + "1".repeat(32), department: "sales", name: "Caller One" }),
    });
    assert(task.status === 201, `voice task: ${JSON.stringify(task.json)}`);
    await page.waitForSelector(`#incoming [data-task="${task.json.sid}"]`);
    const item = page.locator(`#incoming [data-task="${task.json.sid}"]`);
    await waitFor("a countdown", async () => /left/.test(await item.locator(".countdown").textContent()));
    assert(/department/i.test(await item.textContent()) && (await item.textContent()).includes("sales"), "the IVR answer is shown on the offer");
    await item.locator("button.accept").click();
    await page.waitForSelector("#task-attributes");
    const details = await page.textContent("#task-attributes");
    assert(details.includes("+15551230000") && details.includes("sales") && details.includes("CA111"), `voice details: ${details}`);
    await shot(page, "agent-voice");
    await page.click("#task-wrapping");
    await waitFor("wrapping", async () => (await rest("GET", `${base}/Tasks/${task.json.sid}`)).json.assignment_status === "wrapping");
    await page.click("#task-completed");
    await waitFor("completed", async () => (await rest("GET", `${base}/Tasks/${task.json.sid}`)).json.assignment_status === "completed");
    await waitFor("the desk to clear", async () => (await page.locator(`[data-task="${task.json.sid}"]`).count()) === 0);
    // Offline again, so the chat scenarios route to their own agent.
    const offline = await page.locator("#activity option", { hasText: /^Offline$/ }).getAttribute("value");
    await page.selectOption("#activity", offline);
    await waitFor("frank to be offline", async () => (await rest("GET", `${base}/Workers/${w.json.sid}`)).json.available === false);
  });
  await ctx.close();
}
