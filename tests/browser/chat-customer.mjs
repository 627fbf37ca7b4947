// The customer's side of the web chat on a phone (390×844) and a laptop (1366×768), with the agent
// played through the REST API (the agent desktop has scenarios of its own): the agent's joining
// and display name, the end the customer sees ("Alice Smith ended the chat", the input replaced
// by "Start a new chat", no bot restart by a stray message), and a new chat that keeps the
// history.

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 768 };

function greetingFlow(workflowSid) {
  return {
    description: "Webchat Flow",
    initial_state: "Trigger",
    flags: { allow_concurrent_calls: true },
    states: [
      { name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } },
        transitions: [{ event: "incomingMessage", next: "greet" }, { event: "incomingCall" }, { event: "incomingConversationMessage", next: "greet" }, { event: "incomingRequest" }, { event: "incomingParent" }] },
      { name: "greet", type: "send-message", properties: { offset: { x: 0, y: 200 }, body: "Hi {{trigger.conversation.FriendlyName | default: 'there'}}! I am the bot. Connecting you to an agent.", from: "{{flow.channel.address}}", to: "{{contact.channel.address}}" },
        transitions: [{ event: "sent", next: "to_agent" }, { event: "failed", next: "to_agent" }] },
      { name: "to_agent", type: "send-to-flex", properties: { offset: { x: 0, y: 400 }, workflow: workflowSid, channel: "chat", attributes: "{\"name\": \"{{trigger.conversation.FriendlyName}}\", \"channelType\": \"web\"}" },
        transitions: [{ event: "callComplete" }, { event: "failedToEnqueue" }, { event: "callFailure" }] },
    ],
  };
}

export async function customerChatScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  const ws = (await rest("GET", "/v1/Workspaces")).json.workspaces.find((w) => w.friendly_name === "Flex Task Assignment");
  const base = `/v1/Workspaces/${ws.sid}`;
  const workflow = (await rest("GET", `${base}/Workflows`)).json.workflows.find((w) => w.friendly_name === "Assign to Anyone");
  const flow = (await rest("GET", "/v2/Flows")).json.flows.find((f) => f.friendly_name === "Webchat Flow");
  const upd = await rest("POST", `/v2/Flows/${flow.sid}`, { Status: "published", Definition: JSON.stringify(greetingFlow(workflow.sid)), CommitMessage: "greeting for the customer chat scenarios" });
  assert(upd.status === 200, `Webchat Flow updated: ${JSON.stringify(upd.json)}`);
  // Only Alice takes chats here: every other agent goes offline.
  const activities = (await rest("GET", `${base}/Activities`)).json.activities;
  const offline = activities.find((a) => a.friendly_name === "Offline").sid;
  const available = activities.find((a) => a.friendly_name === "Available").sid;
  for (const w of (await rest("GET", `${base}/Workers?PageSize=100`)).json.workers) {
    await rest("POST", `${base}/Workers/${w.sid}`, { ActivitySid: offline, RejectPendingReservations: "true" });
  }
  const alice = await rest("POST", `${base}/Workers`, { FriendlyName: "asmith", ActivitySid: available, Attributes: JSON.stringify({ full_name: "Alice Smith", contact_uri: "client:asmith" }) });
  assert(alice.status === 201, `worker asmith: ${JSON.stringify(alice.json)}`);

  const executions = async () => (await rest("GET", `/v2/Flows/${flow.sid}/Executions?PageSize=100`)).json.executions.length;
  const taskOf = async (conv) => (await rest("GET", `${base}/Tasks?PageSize=100`)).json.tasks.find((x) => x.attributes.includes(conv) && ["pending", "reserved", "assigned"].includes(x.assignment_status));
  const acceptTask = async (conv) => {
    const task = await waitFor("the chat's task", () => taskOf(conv), 15000);
    const res = await waitFor("Alice's reservation", async () => (await rest("GET", `${base}/Tasks/${task.sid}/Reservations`)).json.reservations.find((r) => r.reservation_status === "pending"));
    const ok = await rest("POST", `${base}/Tasks/${task.sid}/Reservations/${res.sid}`, { ReservationStatus: "accepted" });
    assert(ok.status === 200, `accepted: ${JSON.stringify(ok.json)}`);
    return task.sid;
  };
  const both = async (page, name) => {
    await page.setViewportSize(PHONE);
    await shot(page, `${name}-phone`);
    await page.setViewportSize(LAPTOP);
    await shot(page, `${name}-laptop`);
    await page.setViewportSize(PHONE);
  };

  const { page: c, ctx } = await context(browser, "customer-pat");
  await c.setViewportSize(PHONE);
  let conv = null;
  let taskSid = null;
  const log = () => c.textContent("#chat-log");

  await scenario("customer chat: the agent joins by display name, never the login", async () => {
    await c.goto(`${t.BASE}/chat`);
    await c.fill("#chat-name", "Pat");
    await c.fill("#chat-first", "My parcel is lost");
    await c.click("#chat-start button");
    await c.waitForSelector("#chat-room:not(.hidden)");
    await waitFor("the bot's greeting", async () => (await log()).includes("I am the bot"), 15000);
    conv = await c.evaluate(() => JSON.parse(localStorage.getItem("switchboard.webchat")).sid);
    taskSid = await acceptTask(conv);
    await waitFor("Alice joined", async () => (await c.locator("#chat-log .chat-sys.joined").allTextContents()).includes("Alice Smith joined the chat"));
    const said = await rest("POST", `/v1/Conversations/${conv}/Messages`, { Author: "asmith", Body: "Hi Pat, I am looking into your parcel now." });
    assert(said.status === 201, "the agent's reply");
    const who = await waitFor("the reply with Alice's name", async () => {
      const m = c.locator("#chat-log .theirs", { hasText: "looking into your parcel" });
      return (await m.count()) === 1 && m.locator(".chat-who").textContent();
    });
    assert(who === "Alice Smith", `the reply is signed Alice Smith, not the login: ${who}`);
    await both(c, "chat-customer-joined");
  });

  await scenario("customer chat: the agent's end is shown and the input gives way to a new chat", async () => {
    const before = await executions();
    assert((await rest("POST", `${base}/Tasks/${taskSid}`, { AssignmentStatus: "wrapping" })).status === 200, "wrapping");
    await waitFor("the end line", async () => (await c.locator("#chat-log .chat-sys.ended").allTextContents()).includes("Alice Smith ended the chat"));
    await c.waitForSelector("#chat-send", { state: "hidden" });
    await c.waitForSelector("#chat-restart", { state: "visible" });
    assert((await rest("POST", `${base}/Tasks/${taskSid}`, { AssignmentStatus: "completed" })).status === 200, "completed");
    await both(c, "chat-customer-ended");
    // A reload keeps the end (and the history).
    await c.reload();
    await waitFor("the end after reload", async () => (await log()).includes("Alice Smith ended the chat") && (await log()).includes("My parcel is lost"));
    await c.waitForSelector("#chat-restart", { state: "visible" });
    assert(await c.locator("#chat-send").isHidden(), "no input after the end");
    assert((await executions()) === before, "nothing restarted the bot");
    // No horizontal overflow on the phone.
    const overflow = await c.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert(overflow <= 0, `no horizontal scroll at 390 px (${overflow})`);
  });

  await scenario("customer chat: a new chat keeps the earlier history and greets again", async () => {
    const before = await executions();
    await c.click("#chat-restart");
    await c.waitForSelector("#chat-send", { state: "visible" });
    await c.fill("#chat-text", "Me again: the parcel came!");
    await c.click("#chat-send button");
    await waitFor("a second greeting", async () => (await c.locator("#chat-log .theirs", { hasText: "I am the bot" }).count()) === 2, 15000);
    const text = await log();
    assert(text.includes("My parcel is lost") && text.includes("looking into your parcel") && text.includes("Alice Smith ended the chat"), "the earlier chat stays visible");
    assert((await executions()) === before + 1, "one new execution, started by the customer's choice");
    await both(c, "chat-customer-new-chat");
    const joined = await c.locator("#chat-log .chat-sys.joined").count();
    const ends = await c.locator("#chat-log .chat-sys.ended").count();
    const task2 = await acceptTask(conv);
    await waitFor("Alice joined again", async () => (await c.locator("#chat-log .chat-sys.joined").count()) === joined + 1);
    await rest("POST", `${base}/Tasks/${task2}`, { AssignmentStatus: "wrapping" });
    await rest("POST", `${base}/Tasks/${task2}`, { AssignmentStatus: "completed" });
    await waitFor("the second end", async () => (await c.locator("#chat-log .chat-sys.ended").count()) === ends + 1);
    await c.waitForSelector("#chat-restart", { state: "visible" });
  });

  await scenario("customer chat: a dropped long-poll shows reconnecting and catches up, nothing lost or doubled", async () => {
    await c.click("#chat-restart");
    await c.waitForSelector("#chat-send", { state: "visible" });
    const say = async (body) => assert((await rest("POST", `/v1/Conversations/${conv}/Messages`, { Author: "asmith", Body: body })).status === 201, body);
    // The network drops: every new read fails; the read parked now is answered by one message.
    c.allowConsole.push(/net::ERR_FAILED \(.*\/webchat\/.*\/messages/); // the reads the drop fails, on purpose
    await c.route("**/webchat/*/messages?*", (route) => route.abort());
    await say("Before the drop");
    await waitFor("the message before the drop", async () => (await log()).includes("Before the drop"));
    await waitFor("the reconnecting state", async () => /reconnecting/.test(await c.textContent("#chat-status")));
    await say("While you were away 1");
    await say("While you were away 2");
    await both(c, "chat-customer-reconnecting");
    await c.unroute("**/webchat/*/messages?*");
    await waitFor("the catch-up", async () => (await log()).includes("While you were away 2"), 15000);
    // Only now: a read aborted just before the unroute may log its failure late (seen under
    // the full test run's load); once caught up, no dropped read is left in flight.
    c.allowConsole.pop();
    await waitFor("the reconnecting state gone", async () => (await c.textContent("#chat-status")) === "");
    for (const body of ["Before the drop", "While you were away 1", "While you were away 2"]) {
      const n = await c.locator("#chat-log .chat-body", { hasText: body }).count();
      assert(n === 1, `${body} shown once (${n})`);
    }
    await both(c, "chat-customer-caught-up");
  });

  await rest("POST", `${base}/Workers/${alice.json.sid}`, { ActivitySid: offline });
  await ctx.close();
}
