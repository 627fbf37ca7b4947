// Issue 15 item 4 in the browser: two agents and a customer. Hana opens the transfer panel with
// the key t, picks Ivan, cold, with a note; she sees it waiting; Ivan's offer says who sent it
// and why; he accepts and reads the whole chat (Hana's lines by her name); Hana is told and
// wraps up; the customer sees "Ivan Petrov joined". Then Ivan transfers warm to the queue,
// Hana takes it from there, Ivan sees her join and leaves. 1366x768 and 390x844, screenshots of
// each step, no SID where a person reads.

const SID_IN_TEXT = /\b[A-Z]{2}[0-9a-f]{32}\b/;

import { quietFloor } from "./harness.mjs";

export async function agentDeskTransferScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  const { ws, base, offline, available } = await quietFloor();
  const queue = (await rest("GET", `${base}/TaskQueues`)).json.task_queues[0].friendly_name;
  const worker = async (login, full) => {
    const w = await rest("POST", `${base}/Workers`, { FriendlyName: login, Attributes: JSON.stringify({ full_name: full, contact_uri: `client:${login}` }) });
    assert(w.status === 201, `worker ${login}: ${JSON.stringify(w.json)}`);
    await rest("POST", `/admin/api/workers/${w.json.sid}/password`, { Password: `${login}-password` });
    return w.json;
  };
  const hanaW = await worker("hana", "Hana Kovač");
  const ivanW = await worker("ivan", "Ivan Petrov");
  const status = async (task) => (await rest("GET", `${base}/Tasks/${task}`)).json.assignment_status;

  const desk = async (login, width, height) => {
    const c = await context(browser, `transfer-${login}`);
    await c.page.setViewportSize({ width, height });
    await c.page.goto(`${t.BASE}/agent`);
    await c.page.fill("#worker", login);
    await c.page.fill("#password", `${login}-password`);
    await c.page.click("#login-form button");
    await c.page.waitForSelector("#desk:not(.hidden)");
    const available = await c.page.locator("#activity option", { hasText: /^Available$/ }).getAttribute("value");
    await c.page.selectOption("#activity", available);
    return c;
  };
  const hana = await desk("hana", 1366, 768);
  const h = hana.page;
  await waitFor("hana available", async () => (await rest("GET", `${base}/Workers/${hanaW.sid}`)).json.available === true);
  const customer = await context(browser, "transfer-customer");
  const c = customer.page;
  await c.setViewportSize({ width: 390, height: 844 });
  let ivan = null;
  let hanaTask = null;
  let ivanTask = null;

  await scenario("transfer: Hana opens the panel with t, picks Ivan, cold, with a note; she sees it waiting", async () => {
    await c.goto(`${t.BASE}/chat`);
    await c.fill("#chat-name", "Lena Sørensen");
    await c.fill("#chat-first", "I was charged twice for order 1234");
    await c.click("#chat-start button");
    await c.waitForSelector("#chat-room:not(.hidden)");
    const offer = h.locator("#incoming .work-item").first();
    await offer.waitFor({ timeout: 15000 });
    hanaTask = await offer.getAttribute("data-task");
    await offer.locator("button.accept").click();
    await h.waitForSelector("#transcript");
    await waitFor("Hana in the chat", async () => (await h.textContent("#task .task-head .badge")) === "In chat");
    await h.fill("#reply", "Hello Lena, let me get you to our billing colleague.");
    await h.press("#reply", "Enter");
    await waitFor("Hana's line", async () => (await h.locator("#transcript .role-me").count()) > 0);
    ivan = await desk("ivan", 390, 844);
    await waitFor("ivan available", async () => (await rest("GET", `${base}/Workers/${ivanW.sid}`)).json.available === true);
    await h.locator("#task h2").click(); // out of the reply box, so t is a key, not a letter
    await h.keyboard.press("t");
    await h.waitForSelector("#transfer-form");
    await waitFor("the target list to have the focus", async () => h.evaluate(() => document.activeElement && document.activeElement.id === "transfer-to"));
    // The panel opens on the colleagues the desk knew and refreshes them right after: wait for it.
    const options = await waitFor("Ivan offered as available", async () => {
      const o = await h.locator("#transfer-to option").allTextContents();
      return o.some((x) => x.startsWith("Ivan Petrov — available")) ? o : null;
    }).catch(async () => h.locator("#transfer-to option").allTextContents());
    assert(options.some((o) => o.startsWith("Ivan Petrov — available")), `Ivan is offered, by name and state: ${options}`);
    assert(options.some((o) => o === `${queue} queue`), `the queue is offered: ${options}`);
    assert(!options.some((o) => o.includes("Hana")) && !options.some((o) => SID_IN_TEXT.test(o)), `not herself, no SIDs: ${options}`);
    await h.selectOption("#transfer-to", "worker:ivan");
    await h.fill("#transfer-note", "Charged twice for order 1234; refund the second charge");
    await shot(h, "agentdesk-transfer-panel-1366");
    await h.press("#transfer-note", "Enter");
    await h.waitForSelector("#transfer-banner.waiting");
    const text = await h.textContent("#transfer-banner");
    assert(text.includes("Waiting for Ivan Petrov to accept") && text.includes("Withdraw"), `the waiting banner: ${text}`);
    assert(await h.locator("#transfer-form").count() === 0, "the panel closed");
    assert(await h.locator("#task-transfer").count() === 0, "no second transfer while one is under way");
    assert((await h.textContent("#toast")).includes("Transferring to Ivan Petrov"), "feedback on the click");
    await shot(h, "agentdesk-transfer-waiting-1366");
  });

  await scenario("transfer: Ivan's offer says who sent it and why; he accepts and reads the whole chat", async () => {
    const i = ivan.page;
    const offer = i.locator("#incoming .work-item").first();
    await offer.waitFor({ timeout: 15000 });
    const seen = await offer.innerText();
    for (const want of ["Lena Sørensen", "Transferred by Hana Kovač", "cold", "refund the second charge"]) assert(seen.includes(want), `the offer shows ${want}: ${seen}`);
    assert(!SID_IN_TEXT.test(seen), `no SID: ${seen}`);
    assert(await i.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(i, "agentdesk-transfer-offer-390");
    ivanTask = await offer.getAttribute("data-task");
    await i.keyboard.press("a");
    await i.waitForSelector("#transcript");
    await waitFor("the whole chat", async () => (await i.textContent("#transcript")).includes("charged twice") && (await i.textContent("#transcript")).includes("billing colleague"));
    const hanaLine = i.locator("#transcript .role-agent .chat-who").first();
    assert((await hanaLine.textContent()) === "Hana Kovač", `Hana's line by her name: ${await hanaLine.textContent()}`);
    assert((await i.textContent("#task-attributes")).includes("Transferred by Hana Kovač"), "the chat's details say where it came from");
    await i.fill("#reply", "Hi Lena, Ivan from billing. I see both charges.");
    await i.press("#reply", "Enter");
    await waitFor("Ivan's line", async () => (await i.locator("#transcript .role-me").count()) > 0);
    await shot(i, "agentdesk-transfer-accepted-390");
  });

  await scenario("transfer: Hana is told and wraps up; the customer sees Ivan join", async () => {
    await waitFor("Hana's task in wrap-up", async () => (await status(hanaTask)) === "wrapping");
    await waitFor("Hana told", async () => (await h.textContent("#toast")).includes("Ivan Petrov took the chat"));
    await waitFor("the badge", async () => (await h.textContent("#task .task-head .badge")) === "Wrap-up");
    assert(await h.locator("#reply").isDisabled(), "Hana can no longer write");
    await shot(h, "agentdesk-transfer-done-1366");
    await h.click("#task-completed");
    await waitFor("Hana's task done", async () => (await status(hanaTask)) === "completed");
    await waitFor("Ivan joined, for the customer", async () => (await c.textContent("#chat-log")).includes("Ivan Petrov joined the chat"));
    await waitFor("Ivan's words", async () => (await c.textContent("#chat-log")).includes("Ivan from billing"));
    assert(await c.locator("#chat-send").isVisible(), "the customer can go on writing");
    await shot(c, "chat-transfer-joined-390");
  });

  await scenario("transfer: warm to the queue; Hana takes it, Ivan sees her join and leaves", async () => {
    const i = ivan.page;
    await i.setViewportSize({ width: 1366, height: 768 });
    await i.click("#task-transfer");
    await i.waitForSelector("#transfer-form");
    await i.selectOption("#transfer-to", `queue:${queue}`);
    await i.check("#transfer-form input[value=warm]");
    await i.fill("#transfer-note", "Needs a callback about the refund date");
    await i.click("#transfer-send");
    await i.waitForSelector("#transfer-banner.waiting");
    assert((await i.textContent("#transfer-banner")).includes(`someone in the ${queue} queue`), await i.textContent("#transfer-banner"));
    const offer = h.locator("#incoming .work-item").first();
    await offer.waitFor({ timeout: 15000 });
    assert((await offer.innerText()).includes("Transferred by Ivan Petrov · warm"), await offer.innerText());
    await offer.locator("button.accept").click();
    await h.waitForSelector("#transcript");
    await i.waitForSelector("#transfer-banner.joined", { timeout: 15000 });
    assert((await i.textContent("#transfer-banner")).includes("Hana Kovač joined"), await i.textContent("#transfer-banner"));
    assert((await status(ivanTask)) === "assigned", "Ivan stays until he leaves");
    await shot(i, "agentdesk-transfer-warm-joined-1366");
    await i.click("#transfer-completed");
    await waitFor("Ivan's task in wrap-up", async () => (await status(ivanTask)) === "wrapping");
    await waitFor("Ivan told", async () => (await i.textContent("#toast")).includes("Hana Kovač has the chat"));
    await waitFor("Hana joined, for the customer", async () => (await c.textContent("#chat-log")).includes("Hana Kovač joined the chat"));
    await shot(c, "chat-transfer-warm-390");
    await i.click("#task-completed");
    await h.click("#task-wrapping");
    await h.click("#task-completed");
    for (const p of [h, i]) await p.selectOption("#activity", offline);
  });

  await customer.ctx.close();
  if (ivan) await ivan.ctx.close();
  await hana.ctx.close();
}
