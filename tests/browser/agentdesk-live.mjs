// Issue 15, what is left of the desk's live work, in the browser: the typing indicator both ways
// (the customer on a phone at 390x844, the agent at 1366x768: "Nora is typing…" under the
// transcript and in the list, "Tess is typing…" under the customer's messages; gone with the
// message, and by itself a few seconds after the keys stop). Screenshots of each step.

import { quietFloor } from "./harness.mjs";

export async function agentDeskLiveScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  const { base, offline } = await quietFloor();
  const tw = await rest("POST", `${base}/Workers`, { FriendlyName: "tess", Attributes: JSON.stringify({ full_name: "Tess Moreau", contact_uri: "client:tess" }) });
  assert(tw.status === 201, JSON.stringify(tw.json));
  await rest("POST", `/admin/api/workers/${tw.json.sid}/password`, { Password: "tess-password" });

  const agent = await context(browser, "live-tess");
  const a = agent.page;
  await a.setViewportSize({ width: 1366, height: 768 });
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
    await a.selectOption("#activity", offline);
  });
  await customer.ctx.close();
  await agent.ctx.close();
}
