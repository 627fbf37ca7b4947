// The customer web chat and the agent desktop, end to end in two browser contexts: a customer
// starts a chat, the Webchat Flow's bot answers, the hand-off reaches the agent's page, the agent
// accepts, both exchange messages live (one of them an XSS attempt that must stay text), the agent
// ends the chat and completes the task; the customer's reload reconnects; another agent cannot
// open the task by URL.

const XSS = "<img src=x onerror=alert(1)>";

/** The seeded Webchat Flow with a greeting before the hand-off, so the bot answers. */
function webchatFlow(workflowSid) {
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

export async function chatScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario, skip } = t;
  const have = async (path) => (await rest("GET", path)).status === 200;
  if (!(await have("/v1/Workspaces")) || !(await have("/v2/Flows")) || (await fetch(`${t.BASE}/webchat/start`, { method: "POST" })).status === 404) {
    skip("chat scenarios: TaskRouter, Studio or web chat is not on this build yet");
    return;
  }
  const ws = (await rest("GET", "/v1/Workspaces")).json.workspaces.find((w) => w.friendly_name === "Flex Task Assignment");
  const base = `/v1/Workspaces/${ws.sid}`;
  const workflow = (await rest("GET", `${base}/Workflows`)).json.workflows.find((w) => w.friendly_name === "Assign to Anyone");
  const flows = (await rest("GET", "/v2/Flows")).json.flows;
  const webchat = flows.find((f) => f.friendly_name === "Webchat Flow");
  assert(webchat, "the seeded Webchat Flow exists");
  const upd = await rest("POST", `/v2/Flows/${webchat.sid}`, { Status: "published", Definition: JSON.stringify(webchatFlow(workflow.sid)), CommitMessage: "greeting for the browser test" });
  assert(upd.status === 200, `Webchat Flow updated: ${JSON.stringify(upd.json)}`);

  // Two agents: dana (who will take the chat) and erin (who must not see it).
  const mk = async (name) => {
    const w = await rest("POST", `${base}/Workers`, { FriendlyName: name, Attributes: JSON.stringify({ contact_uri: `client:${name}` }) });
    assert(w.status === 201, `worker ${name}: ${JSON.stringify(w.json)}`);
    const p = await rest("POST", `/admin/api/workers/${w.json.sid}/password`, { Password: `${name}-password` });
    assert(p.status === 200, `password for ${name}`);
    return w.json;
  };
  const dana = await mk("dana");
  await mk("erin");

  const agent = await context(browser, "agent");
  const customer = await context(browser, "customer");
  const dialogs = [];
  for (const p of [agent.page, customer.page]) p.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
  let taskSid = null;
  let reservationSid = null;

  await scenario("agent signs in and becomes available", async () => {
    const p = agent.page;
    await p.goto(`${t.BASE}/agent`);
    await p.waitForSelector("#login-form");
    await shot(p, "agent-sign-in");
    await p.fill("#worker", "dana");
    await p.fill("#password", "dana-password");
    await p.click("#login-form button");
    await p.waitForSelector("#desk:not(.hidden)");
    const available = await p.locator("#activity option", { hasText: /^Available$/ }).getAttribute("value");
    await p.selectOption("#activity", available);
    await waitFor("dana to be available", async () => (await rest("GET", `${base}/Workers/${dana.sid}`)).json.activity_name === "Available");
  });

  await scenario("customer starts a web chat and the bot answers", async () => {
    const p = customer.page;
    await p.goto(`${t.BASE}/chat`);
    await p.waitForSelector("#chat-start:not(.hidden)");
    await p.fill("#chat-name", "Carol");
    await p.fill("#chat-first", "Hello, I need help with my order");
    await p.click("#chat-start button");
    await p.waitForSelector("#chat-room:not(.hidden)");
    await waitFor("the bot's greeting", async () => (await p.locator("#chat-log .theirs").allTextContents()).some((x) => x.includes("I am the bot")), 15000);
    await shot(p, "chat-bot");
  });

  await scenario("the hand-off reaches the agent's page live; the agent accepts", async () => {
    const p = agent.page;
    await p.waitForSelector("#incoming .work-item", { timeout: 15000 });
    const item = p.locator("#incoming .work-item").first();
    taskSid = await item.getAttribute("data-task");
    reservationSid = await item.getAttribute("data-reservation");
    await waitFor("a countdown", async () => /left/.test(await item.locator(".countdown").textContent()));
    const offer = await item.textContent();
    assert(offer.includes("Carol"), `the task attributes are shown: ${offer}`);
    await shot(p, "agent-incoming");
    await item.locator("button.accept").click();
    await p.waitForSelector("#transcript");
    await waitFor("the history in the transcript", async () => (await p.textContent("#transcript")).includes("Hello, I need help"));
  });

  await scenario("agent and customer exchange messages live; markup stays text", async () => {
    const a = agent.page, c = customer.page;
    await a.fill("#reply", "Hi Carol, this is Dana. How can I help?");
    await a.click("#reply-form button");
    await waitFor("the agent's message at the customer", async () => (await c.locator("#chat-log .theirs").allTextContents()).some((x) => x.includes("this is Dana")));
    await c.fill("#chat-text", XSS);
    await c.click("#chat-send button");
    await waitFor("the customer's message at the agent", async () => (await a.locator("#transcript .chat-body").allTextContents()).includes(XSS));
    assert((await a.locator("#transcript img").count()) === 0, "no <img> was created at the agent");
    assert((await c.locator("#chat-log img").count()) === 0, "no <img> was created at the customer");
    await c.fill("#chat-text", "Thanks!");
    await c.click("#chat-send button");
    await waitFor("delivery shown", async () => (await c.locator("#chat-log .mine .chat-meta").allTextContents()).every((x) => /^(delivered|sent)/.test(x)));
    await waitFor("the second message at the agent", async () => (await a.textContent("#transcript")).includes("Thanks!"));
    await shot(a, "agent-chat");
    await shot(c, "chat-agent");
    assert(dialogs.length === 0, `no dialog opened: ${dialogs}`);
  });

  await scenario("another agent cannot open the task by URL", async () => {
    const other = await context(browser, "erin", { allowConsole: [/status of 40[34]/] });
    const p = other.page;
    await p.goto(`${t.BASE}/agent`);
    await p.fill("#worker", "erin");
    await p.fill("#password", "erin-password");
    await p.click("#login-form button");
    await p.waitForSelector("#desk:not(.hidden)");
    const res = await p.evaluate(async ([task, rsv]) => {
      const csrf = (await (await fetch("/agent/api/session")).json()).csrf_token;
      const a = await fetch(`/agent/api/tasks/${task}`);
      const b = await fetch(`/agent/api/tasks/${task}/messages`);
      const c = await fetch(`/agent/api/tasks/${task}/messages`, { method: "POST", headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" }, body: "Body=hijack" });
      const d = await fetch(`/agent/api/reservations/${rsv}`, { method: "POST", headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" }, body: "ReservationStatus=completed" });
      return [a.status, b.status, c.status, d.status];
    }, [taskSid, reservationSid]);
    assert(res.every((s) => s === 404 || s === 403), `erin got ${res}`);
    assert(!(await agent.page.textContent("#transcript")).includes("hijack"), "nothing was posted");
    await other.ctx.close();
  });

  await scenario("customer reloads and the chat reconnects with its history", async () => {
    const c = customer.page;
    await c.reload();
    await c.waitForSelector("#chat-room:not(.hidden)");
    await waitFor("the history after reload", async () => (await c.textContent("#chat-log")).includes("this is Dana"));
    await agent.page.fill("#reply", "Still here after your reload.");
    await agent.page.click("#reply-form button");
    await waitFor("a live message after reload", async () => (await c.textContent("#chat-log")).includes("after your reload"));
  });

  await scenario("agent ends the chat and completes the task", async () => {
    const a = agent.page;
    await a.click("#task-wrapping");
    await waitFor("the task to be wrapping", async () => (await rest("GET", `${base}/Tasks/${taskSid}`)).json.assignment_status === "wrapping");
    await a.click("#task-completed");
    await waitFor("the task to be completed", async () => (await rest("GET", `${base}/Tasks/${taskSid}`)).json.assignment_status === "completed");
    await waitFor("the task to leave the desk", async () => (await a.locator(`#mine [data-task="${taskSid}"]`).count()) === 0);
    await shot(a, "agent-done");
  });

  await scenario("the agent handles two chats at once, with unread counts", async () => {
    const chan = (await rest("GET", `${base}/Workers/${dana.sid}/Channels`)).json.channels.find((c) => c.task_channel_unique_name === "chat");
    const cap = await rest("POST", `${base}/Workers/${dana.sid}/Channels/${chan.sid}`, { Capacity: "2" });
    assert(cap.status === 200, `chat capacity 2: ${JSON.stringify(cap.json)}`);
    const a = agent.page;
    const customers = [];
    for (const name of ["Gus", "Hana"]) {
      const c = await context(browser, `customer-${name}`);
      await c.page.goto(`${t.BASE}/chat`);
      await c.page.fill("#chat-name", name);
      await c.page.fill("#chat-first", `Hi, ${name} here`);
      await c.page.click("#chat-start button");
      await c.page.waitForSelector("#chat-room:not(.hidden)");
      customers.push(c);
    }
    await waitFor("two offers", async () => (await a.locator("#incoming .work-item").count()) === 2, 15000);
    for (let i = 0; i < 2; i++) await a.locator("#incoming .work-item button.accept").first().click().then(() => waitFor("accepted", async () => (await a.locator("#incoming .work-item").count()) === 1 - i));
    await waitFor("two chats on the desk", async () => (await a.locator("#mine .work-item").count()) === 2);
    const gus = a.locator("#mine .work-item", { hasText: "Gus" });
    const hana = a.locator("#mine .work-item", { hasText: "Hana" });
    await gus.click();
    await waitFor("Gus's transcript", async () => (await a.textContent("#transcript")).includes("Gus here"));
    await customers[1].page.fill("#chat-text", "Hana is waiting");
    await customers[1].page.click("#chat-send button");
    await waitFor("an unread count on Hana's chat", async () => (await hana.locator(".unread").count()) === 1);
    assert(!(await a.textContent("#transcript")).includes("Hana is waiting"), "Hana's message is not in Gus's transcript");
    await shot(a, "agent-two-chats");
    await hana.click();
    await waitFor("Hana's transcript", async () => (await a.textContent("#transcript")).includes("Hana is waiting"));
    await a.fill("#reply", "Hello Hana");
    await a.click("#reply-form button");
    await waitFor("Hana sees the reply", async () => (await customers[1].page.textContent("#chat-log")).includes("Hello Hana"));
    assert(!(await customers[0].page.textContent("#chat-log")).includes("Hello Hana"), "Gus does not see Hana's chat");
    for (const [who, name] of [[gus, "Gus"], [hana, "Hana"]]) {
      await who.click();
      await waitFor(`${name}'s task in the pane`, async () => (await a.textContent("#task h2")).includes(name));
      await a.click("#task-wrapping");
      await waitFor(`${name}'s wrap-up`, async () => (await a.textContent("#task .badge")) === "wrap-up" || (await a.locator("#task-wrapping").count()) === 0);
      await waitFor(`${name}'s task still in the pane`, async () => (await a.textContent("#task h2")).includes(name));
      await a.click("#task-completed");
      await waitFor(`${name}'s chat to leave`, async () => (await a.locator("#mine .work-item", { hasText: name }).count()) === 0);
    }
    await waitFor("an empty desk", async () => (await a.locator("#mine .work-item").count()) === 0);
    for (const c of customers) await c.ctx.close();
  });

  await agent.ctx.close();
  await customer.ctx.close();
}
