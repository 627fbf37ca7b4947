// Issue 15, what is left of the desk's live work, in the browser: the typing indicator both ways
// (the customer on a phone at 390x844, the agent at 1366x768: "Nora is typing…" under the
// transcript and in the list, "Tess is typing…" under the customer's messages; gone with the
// message, and by itself a few seconds after the keys stop); writing first by SMS and WhatsApp
// from "New conversation" (a bad number said in words with the form kept; the conversation opens
// as the agent's task; WhatsApp's 24-hour window, reported by the carrier, in words on the
// message, its text one click from the reply box). Screenshots of each step.

import { quietFloor } from "./harness.mjs";

export async function agentDeskLiveScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  const { base, offline } = await quietFloor();
  const tw = await rest("POST", `${base}/Workers`, { FriendlyName: "tess", Attributes: JSON.stringify({ full_name: "Tess Moreau", contact_uri: "client:tess" }) });
  assert(tw.status === 201, JSON.stringify(tw.json));
  await rest("POST", `/admin/api/workers/${tw.json.sid}/password`, { Password: "tess-password" });

  // The refused number is a 400 the page shows in words; Chromium logs the response too.
  const agent = await context(browser, "live-tess", { allowConsole: [/status of 400 .*\/agent\/api\/outbound/] });
  const a = agent.page;
  await a.setViewportSize({ width: 1366, height: 768 });
  const flows = []; // the office's numbers this group wires, switched off at its end
  const customer = await context(browser, "live-customer");
  const c = customer.page;
  await c.setViewportSize({ width: 390, height: 844 });

  await scenario("typing: the agent sees the customer typing, until the message comes", async () => {
    await a.goto(`${t.BASE}/agent`);
    await a.fill("#worker", "tess");
    await a.fill("#password", "tess-password");
    await a.click("#login-form button");
    await a.waitForSelector("#desk:not(.hidden)");
    const available = await a.locator("#activity option", { hasText: /^Available$/ }).getAttribute("value");
    await a.selectOption("#activity", available);
    await waitFor("tess available", async () => (await rest("GET", `${base}/Workers/${tw.json.sid}`)).json.available === true);
    await c.goto(`${t.BASE}/chat`);
    await c.fill("#chat-name", "Nora Quist");
    await c.fill("#chat-first", "Do you deliver on Sundays?");
    await c.click("#chat-start button");
    const offer = a.locator("#incoming .work-item").first();
    await offer.waitFor({ timeout: 15000 });
    await a.keyboard.press("a");
    await a.waitForSelector("#transcript");
    await waitFor("Tess joined, for the customer", async () => (await c.textContent("#chat-log")).includes("Tess Moreau joined"), 15000);
    assert(await c.locator("#chat-typing").isHidden(), "nobody typing yet");
    await c.click("#chat-text");
    await c.keyboard.type("And on holi", { delay: 60 });
    await waitFor("the agent sees Nora typing", async () => (await a.textContent("#typing-line")) === "Nora Quist is typing…", 8000);
    assert((await a.textContent("#mine")).includes("typing…"), await a.textContent("#mine"));
    await shot(a, "agentdesk-typing-1366");
    await c.keyboard.type("days?");
    await c.keyboard.press("Enter");
    await waitFor("the message arrives", async () => (await a.textContent("#transcript")).includes("And on holidays?"));
    await waitFor("and the typing line goes", async () => (await a.textContent("#typing-line")) === "", 3000);
    assert(!(await a.textContent("#mine")).includes("typing…"), "the list says so too");
  });

  await scenario("typing: the customer sees the agent typing on a phone, until her reply", async () => {
    await a.click("#reply");
    await a.keyboard.type("Yes, Sundays and holi", { delay: 40 });
    await waitFor("Nora sees Tess typing", async () => (await c.textContent("#chat-typing")) === "Tess Moreau is typing…", 8000);
    assert(await c.locator("#chat-typing").isVisible(), "the line shows");
    assert(await c.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(c, "chat-typing-390");
    await a.keyboard.type("days, 9 to 12.");
    await a.keyboard.press("Enter");
    await waitFor("the reply arrives", async () => (await c.textContent("#chat-log")).includes("Sundays and holidays, 9 to 12."));
    assert(await c.locator("#chat-typing").isHidden(), "the reply ends the typing line");
    await shot(c, "chat-typing-replied-390");
  });

  await scenario("typing: a customer who stops typing stops showing as typing", async () => {
    await c.click("#chat-text");
    await c.keyboard.type("Hmm", { delay: 60 });
    await waitFor("typing", async () => (await a.textContent("#typing-line")) === "Nora Quist is typing…", 8000);
    const since = Date.now();
    await waitFor("gone by itself", async () => (await a.textContent("#typing-line")) === "", 9000);
    assert(Date.now() - since > 3000, "not before the report runs out");
    await c.fill("#chat-text", "");
    await a.setViewportSize({ width: 390, height: 844 });
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(a, "agentdesk-typing-390");
    await a.setViewportSize({ width: 1366, height: 768 });
    await a.click("#task-wrapping");
    await a.waitForSelector("#wrapup-form");
    await a.click("#task-completed");
    await waitFor("the chat done", async () => !(await a.textContent("#mine")).includes("Nora Quist"));
    await a.selectOption("#activity", offline);
  });

  await scenario("outbound: a bad number is said in words and what was typed stays", async () => {
    for (const [kind, identity] of [["sms", "+15550009000"], ["whatsapp", "whatsapp:+15550009001"]]) {
      const f = await rest("POST", "/v1/FlexFlows", { FriendlyName: `office ${kind} (desk)`, ChannelType: kind, ContactIdentity: identity, IntegrationType: "task", "Integration.Channel": "sms" });
      assert(f.status === 201, JSON.stringify(f.json));
      flows.push(f.json.sid);
    }
    const available = await a.locator("#activity option", { hasText: /^Available$/ }).getAttribute("value");
    await a.selectOption("#activity", available);
    await waitFor("tess available", async () => (await rest("GET", `${base}/Workers/${tw.json.sid}`)).json.available === true);
    await a.click("#outbound-open");
    await a.waitForSelector("#outbound-dialog[open]");
    const options = await a.locator("#outbound-channel option").allTextContents();
    assert(options.join(",") === "SMS,WhatsApp", `${options}`);
    await a.fill("#outbound-to", "0151 2345");
    await a.fill("#outbound-name", "Ada Lindqvist");
    await a.fill("#outbound-body", "Hello Ada, your rye loaves are ready for pick-up.");
    await a.click("#outbound-start");
    await waitFor("refused in words", async () => (await a.textContent("#outbound-error")).includes("international form"));
    assert((await a.inputValue("#outbound-to")) === "0151 2345" && (await a.inputValue("#outbound-body")).startsWith("Hello Ada"), "what was typed stays");
    await shot(a, "agentdesk-outbound-error-1366");
    await a.setViewportSize({ width: 390, height: 844 });
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(a, "agentdesk-outbound-error-390");
    await a.setViewportSize({ width: 1366, height: 768 });
  });

  await scenario("outbound: the SMS conversation opens as the agent's task and the message goes out", async () => {
    await a.fill("#outbound-to", "+1 555 000 7000");
    await a.click("#outbound-start");
    await waitFor("the dialog closes", async () => !(await a.locator("#outbound-dialog[open]").count()));
    await waitFor("the chat opens", async () => (await a.textContent("#task h2")) === "Ada Lindqvist", 8000);
    assert((await a.textContent("#task .chip")) === "SMS", await a.textContent("#task .chip"));
    await waitFor("sent", async () => /sent|delivered/.test(await a.textContent("#transcript .role-me .chat-meta")), 10000);
    assert(/#task=WT/.test(a.url()), "the open chat is in the URL");
    await shot(a, "agentdesk-outbound-sms-1366");
  });

  await scenario("outbound: WhatsApp's 24-hour window shows on the message in words, the text one click away", async () => {
    await a.keyboard.press("o");
    await a.waitForSelector("#outbound-dialog[open]");
    await a.selectOption("#outbound-channel", "whatsapp");
    assert((await a.textContent("#outbound-note")).includes("24 hours"), "the rule said before sending");
    await a.fill("#outbound-to", "+15550007001");
    await a.fill("#outbound-name", "Bo Ekman");
    await a.fill("#outbound-body", "Hi Bo, the cake for Friday is confirmed.");
    await a.click("#outbound-start");
    await waitFor("the chat opens", async () => (await a.textContent("#task h2")) === "Bo Ekman", 8000);
    const taskSid = /#task=(WT[0-9a-f]{32})/.exec(a.url())[1];
    const conv = JSON.parse((await rest("GET", `${base}/Tasks/${taskSid}`)).json.attributes).conversationSid;
    const msg = (await rest("GET", `/v1/Conversations/${conv}/Messages`)).json.messages[0];
    const receipt = await waitFor("the carrier took it", async () => {
      const r = (await rest("GET", `/v1/Conversations/${conv}/Messages/${msg.sid}/Receipts`)).json.delivery_receipts;
      return r && r[0] && r[0].channel_message_sid ? r[0] : null;
    }, 10000);
    // The carrier reports the refusal later, as Twilio does for WhatsApp.
    const cb = await rest("POST", "/webhooks/messaging/status", { MessageSid: receipt.channel_message_sid, MessageStatus: "failed", ErrorCode: "63016" });
    assert(cb.status === 204, JSON.stringify(cb.json));
    await waitFor("said in words on the message", async () => (await a.textContent("#transcript .failed") || "").includes("24 hours"), 10000);
    await shot(a, "agentdesk-outbound-refused-1366");
    await a.click("#transcript .failed .put-back");
    assert((await a.inputValue("#reply")) === "Hi Bo, the cake for Friday is confirmed.", await a.inputValue("#reply"));
    await a.setViewportSize({ width: 390, height: 844 });
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(a, "agentdesk-outbound-refused-390");
    await a.setViewportSize({ width: 1366, height: 768 });
    await a.fill("#reply", "");
    await a.selectOption("#activity", offline);
  });

  // Later groups expect an office with no carrier number wired (the first-run checklist).
  for (const sid of flows) await rest("POST", `/v1/FlexFlows/${sid}`, { Enabled: "false" });
  await customer.ctx.close();
  await agent.ctx.close();
}
