// Issue 22's agent-desk actions in the browser: an agent parks a web chat waiting on the customer
// (the task completes, the agent is free; the customer's next message brings the chat back to
// her), and calls back a caller who pressed 1 on the hold offer (the panel shows the number and,
// with no carrier connected to this test box, says in words why the call did not go through).
// Screenshots at 1366x768 and 390x844.

const SID_IN_TEXT = /\b[A-Z]{2}[0-9a-f]{32}\b/;

import { quietFloor } from "./harness.mjs";

export async function agentDeskBeyondScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  const { ws, base, offline, available } = await quietFloor();
  const pw = await rest("POST", `${base}/Workers`, { FriendlyName: "pia", Attributes: JSON.stringify({ full_name: "Pia Park", contact_uri: "client:pia" }) });
  assert(pw.status === 201, JSON.stringify(pw.json));
  await rest("POST", `/admin/api/workers/${pw.json.sid}/password`, { Password: "pia-password" });

  const agent = await context(browser, "beyond-pia");
  const a = agent.page;
  await a.setViewportSize({ width: 1366, height: 768 });
  const customer = await context(browser, "beyond-customer");
  const c = customer.page;
  let conv = null;
  // The offer's own Accept button (key a takes the oldest offer, which may be another group's
  // leftover); a click while the card is being redrawn is made again.
  const accept = async (task) => {
    for (let i = 0; i < 3; i++) {
      await a.click(`#incoming .work-item[data-task="${task}"] button.accept`).catch(() => {});
      try {
        await waitFor("the task assigned", async () => (await rest("GET", `${base}/Tasks/${task}`)).json.assignment_status === "assigned", 3000);
        return;
      } catch { /* once more */ }
    }
    throw new Error(`the offer of ${task} was never accepted`);
  };

  await scenario("park: Pia parks a chat waiting on the customer; the customer's next message brings it back to her", async () => {
    await a.goto(`${t.BASE}/agent`);
    await a.fill("#worker", "pia");
    await a.fill("#password", "pia-password");
    await a.click("#login-form button");
    await a.waitForSelector("#desk:not(.hidden)");
    await rest("POST", `${base}/Workers/${pw.json.sid}`, { ActivitySid: available });
    await c.setViewportSize({ width: 390, height: 844 });
    await c.goto(`${t.BASE}/chat`);
    await c.fill("#chat-name", "Noor Haddad");
    await c.fill("#chat-first", "Where is my order?");
    await c.click("#chat-start button");
    const offer = a.locator("#incoming .work-item", { hasText: "Noor Haddad" }).first();
    await offer.waitFor({ timeout: 15000 });
    const first = await offer.getAttribute("data-task");
    await accept(first);
    conv = JSON.parse((await rest("GET", `${base}/Tasks/${first}`)).json.attributes).conversationSid;
    await a.waitForSelector("#task-park");
    await a.click("#task-park");
    await a.waitForSelector("#park-form:not(.hidden)");
    await a.fill("#park-reason", "Waiting for the order number");
    await shot(a, "agentdesk-park-1366");
    await a.click("#park-form button[type=submit]");
    await waitFor("told the chat is parked", async () => (await a.textContent("#toast")).includes("parked"));
    await waitFor("the task completed", async () => (await rest("GET", `${base}/Tasks/${first}`)).json.assignment_status === "completed");
    const park = await rest("GET", `/v1/Conversations/${conv}/Park`);
    assert(park.status === 200 && park.json.parked === true, `parked: ${JSON.stringify(park.json)}`);
    await waitFor("the chat leaves the desk", async () => (await a.locator(`#mine [data-task="${first}"]`).count()) === 0);
    // The customer writes again: a new task, offered to Pia first, with the whole history.
    await c.fill("#chat-text", "It is 4471");
    await c.press("#chat-text", "Enter");
    const back = a.locator("#incoming .work-item", { hasText: "Noor Haddad" }).first();
    await back.waitFor({ timeout: 15000 });
    const second = await back.getAttribute("data-task");
    assert(second !== first, "a new task for the returning chat");
    await accept(second);
    await waitFor("the history comes back", async () => (await a.textContent("#transcript")).includes("Where is my order?") && (await a.textContent("#transcript")).includes("4471"));
    await a.setViewportSize({ width: 390, height: 844 });
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(a, "agentdesk-unparked-390");
    await a.setViewportSize({ width: 1366, height: 768 });
    await rest("POST", `${base}/Tasks/${second}`, { AssignmentStatus: "wrapping" });
    await rest("POST", `${base}/Tasks/${second}`, { AssignmentStatus: "completed", Reason: "test over" });
  });

  await scenario("call back: a caller pressed 1 on the hold offer; Pia's desk shows the number and why the call back did not go through", async () => {
    await rest("POST", `${base}/Workers/${pw.json.sid}`, { ActivitySid: offline });
    const wf = (await rest("GET", `${base}/Workflows`)).json.workflows.find((w) => w.friendly_name === "Assign to Anyone") || (await rest("GET", `${base}/Workflows`)).json.workflows[0];
    const offer = "/webhooks/voice/hold?Offer=callback,voicemail";
    const def = { description: "callback offer", initial_state: "Trigger", states: [
      { name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } }, transitions: [{ event: "incomingCall", next: "to_agent" }] },
      { name: "to_agent", type: "send-to-flex", properties: { offset: { x: 0, y: 200 }, workflow: wf.sid, channel: "voice", waitUrl: offer, attributes: "{\"name\": \"Omar Caller\"}" },
        transitions: [{ event: "callComplete" }, { event: "failedToEnqueue" }, { event: "callFailure" }] }] };
    const flow = await rest("POST", "/v2/Flows", { FriendlyName: "Callback offer (browser)", Status: "published", Definition: JSON.stringify(def) });
    assert(flow.status === 201, JSON.stringify(flow.json));
    const call = "CA" + "c".repeat(32);
    const twiml = await rest("POST", `/v1/Accounts/${t.SID}/Flows/${flow.json.sid}`, { CallSid: call, From: "+15557770001", To: "+15550000000", CallStatus: "ringing", Direction: "inbound" });
    assert(twiml.status === 200 && JSON.stringify(twiml.json).includes("Enqueue"), JSON.stringify(twiml.json));
    const bye = await rest("POST", "/webhooks/voice/callback?Offer=callback%2Cvoicemail", { CallSid: call, Digits: "1" });
    assert(bye.status === 200 && JSON.stringify(bye.json).includes("call you back"), JSON.stringify(bye.json));
    await rest("POST", `${base}/Workers/${pw.json.sid}`, { ActivitySid: available });
    const item = a.locator("#incoming .work-item", { hasText: "Omar Caller" }).first();
    await item.waitFor({ timeout: 15000 });
    await accept(await item.getAttribute("data-task"));
    await a.waitForSelector("#callback-panel");
    await waitFor("the number and the button", async () => (await a.textContent("#callback-panel")).includes("+15557770001") && (await a.isVisible("#task-callback")));
    await waitFor("waiting for the agent", async () => (await a.textContent("#callback-status")).includes("Waiting for you"));
    await a.click("#task-callback");
    await waitFor("why not, in words", async () => /did not go through: no carrier is configured/.test(await a.textContent("#callback-status")), 15000);
    assert((await a.textContent("#task-callback")).includes("Try calling back again"), "the button offers another try");
    const seen = await a.innerText("#task");
    assert(!SID_IN_TEXT.test(seen.replace(/Technical details[\s\S]*$/, "")), `no SID where the agent reads: ${seen.slice(0, 300)}`);
    await shot(a, "agentdesk-callback-1366");
    await a.setViewportSize({ width: 390, height: 844 });
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(a, "agentdesk-callback-390");
    await a.setViewportSize({ width: 1366, height: 768 });
  });

  await rest("POST", `${base}/Workers/${pw.json.sid}`, { ActivitySid: offline });
  await agent.ctx.close();
  await customer.ctx.close();
}
