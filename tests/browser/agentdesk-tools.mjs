// Issue 15 items 3, 6, 7 in the browser: an agent adds a canned reply under "Replies" and picks
// it with / in the reply box (placeholders filled); the customer panel beside the chat; a
// private note the customer never sees; the wrap-up form with the queue's required codes; "My
// work" (key m) finds the finished chat by its words and shows its transcript and notes.
// Screenshots at 1366x768 and 390x844.

const SID_IN_TEXT = /\b[A-Z]{2}[0-9a-f]{32}\b/;

import { quietFloor } from "./harness.mjs";

export async function agentDeskToolsScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  const { ws, base, offline, available } = await quietFloor();
  const queues = (await rest("GET", `${base}/TaskQueues`)).json.task_queues;
  const disp = (q) => `${base}/TaskQueues/${q.sid}/Dispositions`;
  for (const q of queues) {
    const d = await rest("POST", disp(q), { Codes: JSON.stringify(["Resolved", "Refund issued"]), Required: "true" });
    assert(d.status === 200, `dispositions: ${JSON.stringify(d.json)}`);
  }
  const kw = await rest("POST", `${base}/Workers`, { FriendlyName: "kira", Attributes: JSON.stringify({ full_name: "Kira Novak", contact_uri: "client:kira" }) });
  assert(kw.status === 201, JSON.stringify(kw.json));
  await rest("POST", `/admin/api/workers/${kw.json.sid}/password`, { Password: "kira-password" });

  // The refused shortcut is a 400 the page shows in words; Chromium logs the response too.
  const agent = await context(browser, "tools-kira", { allowConsole: [/status of 400 .*\/agent\/api\/canned/] });
  const a = agent.page;
  await a.setViewportSize({ width: 1366, height: 768 });
  const customer = await context(browser, "tools-customer");
  const c = customer.page;
  let taskSid = null;

  await scenario("tools: a canned reply added under Replies", async () => {
    await a.goto(`${t.BASE}/agent`);
    await a.fill("#worker", "kira");
    await a.fill("#password", "kira-password");
    await a.click("#login-form button");
    await a.waitForSelector("#desk:not(.hidden)");
    assert((await a.textContent("#me")) === "Kira Novak", "the agent by her name");
    await a.click("#canned-open");
    await a.waitForSelector("#canned-dialog[open]");
    await a.fill("#canned-shortcut", "bad shortcut");
    await a.fill("#canned-body", "x");
    await a.click("#canned-form button[type=submit]");
    await waitFor("the shortcut refused in words", async () => /letters, digits/.test(await a.textContent("#canned-error")));
    await a.fill("#canned-shortcut", "hello");
    await a.fill("#canned-body", "Hi {{customer.first_name}}, this is {{agent.first_name}}. How can I help?");
    await a.click("#canned-form button[type=submit]");
    await waitFor("the reply listed", async () => (await a.textContent("#canned-list")).includes("/hello"));
    await a.fill("#canned-shortcut", "refund");
    await a.fill("#canned-body", "I have issued a refund; it shows on your card within 5 days.");
    await a.press("#canned-body", "Control+Enter").catch(() => {});
    await a.click("#canned-form button[type=submit]");
    await waitFor("two replies", async () => (await a.locator("#canned-list .canned-item").count()) === 2);
    await shot(a, "agentdesk-canned-1366");
    await a.click("#canned-close");
    const available = await a.locator("#activity option", { hasText: /^Available$/ }).getAttribute("value");
    await a.selectOption("#activity", available);
    await waitFor("kira available", async () => (await rest("GET", `${base}/Workers/${kw.json.sid}`)).json.available === true);
  });

  await scenario("tools: / picks a canned reply with the names filled; the customer panel; a private note", async () => {
    await c.setViewportSize({ width: 390, height: 844 });
    await c.goto(`${t.BASE}/chat`);
    await c.fill("#chat-name", "Maja Lind");
    await c.fill("#chat-first", "My parcel never arrived");
    await c.click("#chat-start button");
    const offer = a.locator("#incoming .work-item").first();
    await offer.waitFor({ timeout: 15000 });
    taskSid = await offer.getAttribute("data-task");
    await a.keyboard.press("a");
    await a.waitForSelector("#transcript");
    await waitFor("the customer panel", async () => (await a.textContent("#customer-panel")).includes("Maja Lind"));
    const panel = await a.textContent("#customer-panel");
    assert(panel.includes("Web chat") && panel.includes("No earlier conversations"), panel);
    await a.click("#reply");
    await a.keyboard.type("/he");
    await a.waitForSelector("#canned-pick:not(.hidden) li.active");
    assert((await a.textContent("#canned-pick li.active")).includes("Hi Maja, this is Kira"), await a.textContent("#canned-pick"));
    await a.keyboard.press("Enter");
    assert((await a.inputValue("#reply")) === "Hi Maja, this is Kira. How can I help?", await a.inputValue("#reply"));
    await a.keyboard.press("Enter");
    await waitFor("the customer reads it", async () => (await c.textContent("#chat-log")).includes("Hi Maja, this is Kira"));
    await a.fill("#note-text", "Parcel 5521 lost by the courier; customer is calm");
    await a.click("#note-form button");
    await waitFor("the note listed", async () => (await a.textContent("#notes-list")).includes("Parcel 5521"));
    assert((await a.textContent("#notes-list")).includes("You"), "the note is mine");
    await new Promise((r) => setTimeout(r, 300));
    assert(!(await c.textContent("#chat-log")).includes("Parcel 5521"), "the customer never sees a note");
    const seen = await a.innerText("#task");
    assert(!SID_IN_TEXT.test(seen.replace(/Technical details[\s\S]*$/, "")), "no SID where the agent reads");
    await shot(a, "agentdesk-side-1366");
    await a.setViewportSize({ width: 390, height: 844 });
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    const header = await a.locator("#desk header").boundingBox();
    assert(header.height < 56, `the header does not wrap: ${header.height}px`);
    await shot(a, "agentdesk-side-390");
    await a.setViewportSize({ width: 1366, height: 768 });
  });

  await scenario("tools: the wrap-up form asks for the queue's required code, then completes", async () => {
    assert(await a.locator("#task-completed").count() === 0, "no Complete before the chat ends while a code is required");
    await a.click("#task-wrapping");
    await a.waitForSelector("#wrapup-form");
    const options = await a.locator("#wrapup-code option").allTextContents();
    assert(options.includes("Resolved") && options.includes("Refund issued"), `${options}`);
    await a.click("#task-completed");
    await waitFor("asked for a code", async () => (await a.textContent("#wrapup-form .error")).includes("Choose a wrap-up code"));
    await a.selectOption("#wrapup-code", "Refund issued");
    await a.fill("#wrapup-note", "Refunded 12 EUR");
    await shot(a, "agentdesk-wrapup-1366");
    await a.click("#task-completed");
    await waitFor("completed", async () => (await rest("GET", `${base}/Tasks/${taskSid}`)).json.assignment_status === "completed");
    const attrs = JSON.parse((await rest("GET", `${base}/Tasks/${taskSid}`)).json.attributes);
    assert(attrs.conversations && attrs.conversations.outcome === "Refund issued", JSON.stringify(attrs));
    await waitFor("told", async () => (await a.textContent("#toast")).includes("Refund issued"));
  });

  await scenario("tools: My work finds the chat by its words and shows transcript and notes", async () => {
    await a.evaluate(() => document.activeElement && document.activeElement.blur());
    await a.keyboard.press("m");
    await a.waitForSelector("#history .work-item");
    assert((await a.textContent("#history")).includes("Maja Lind") && (await a.textContent("#history")).includes("Refund issued"), await a.textContent("#history"));
    await a.fill("#work-search", "zzzz-nothing");
    await waitFor("nothing matches", async () => (await a.textContent("#history")).includes("Nothing matches"));
    await a.fill("#work-search", "parcel never");
    await waitFor("found by its words", async () => (await a.locator("#history .work-item").count()) === 1);
    await a.click("#history .work-item");
    await a.waitForSelector("#history-transcript");
    const v = await a.textContent("#history-view");
    assert(v.includes("My parcel never arrived") && v.includes("Parcel 5521") && v.includes("Refunded 12 EUR"), v);
    await shot(a, "agentdesk-mywork-1366");
    await a.setViewportSize({ width: 390, height: 844 });
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(a, "agentdesk-mywork-390");
    await a.keyboard.press("Escape");
    await waitFor("back", async () => (await a.locator("#work-search").count()) === 0);
    await a.selectOption("#activity", offline);
  });

  for (const q of queues) await rest("POST", disp(q), { Codes: "[]", Required: "false" });
  await customer.ctx.close();
  await agent.ctx.close();
}
