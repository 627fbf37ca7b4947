// Issue 15, the agent desktop: an offer card a person reads (customer, channel, first message,
// queue, time waited, countdown; SIDs folded away; nothing runs past the card at 390 px), an offer
// that cannot be missed ((N) in the title, a tone, a notification once allowed on a click — never
// asked on load), keys a / r, a transcript whose bot, customer and agent lines look apart, the
// open chat kept over a reload, and the phone layout (open chat first, sticky reply, no overflow).
// Runs after the chat scenarios, whose Webchat Flow greets ("I am the bot") and hands off.

const SID_IN_TEXT = /\b[A-Z]{2}[0-9a-f]{32}\b/;
const LONG = "Mein Paket ist nicht angekommen, Bestellnummer Zahlungsreferenzschlüsselnummer1234567890ABCDEFGHIJ";

/** Records notifications, permission requests and tones, keeping the browser's real objects. */
function recorder() {
  window.__notes = [];
  window.__asks = 0;
  window.__tones = 0;
  const Real = window.Notification;
  if (Real) {
    class Recorded extends Real {
      constructor(title, options) { super(title, options); window.__notes.push({ title, body: options && options.body }); }
    }
    Recorded.requestPermission = (...a) => { window.__asks++; return Real.requestPermission(...a); };
    window.Notification = Recorded;
  }
  if (window.AudioContext) {
    const osc = AudioContext.prototype.createOscillator;
    AudioContext.prototype.createOscillator = function (...a) { window.__tones++; return osc.apply(this, a); };
  }
}

import { quietFloor } from "./harness.mjs";

export async function agentDeskScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  // Only this scenario's agent takes chats.
  const { ws, base, offline, available } = await quietFloor();
  const w = await rest("POST", `${base}/Workers`, { FriendlyName: "gwen", Attributes: JSON.stringify({ contact_uri: "client:gwen" }) });
  assert(w.status === 201, `worker gwen: ${JSON.stringify(w.json)}`);
  await rest("POST", `/admin/api/workers/${w.json.sid}/password`, { Password: "gwen-password" });
  const gwen = w.json;

  const agent = await context(browser, "agentdesk");
  const a = agent.page;
  await a.addInitScript(recorder);
  await a.setViewportSize({ width: 1366, height: 768 });
  const customers = [];
  const startChat = async (name, first) => {
    const c = await context(browser, `agentdesk-${name.split(" ")[0]}`);
    await c.page.goto(`${t.BASE}/chat`);
    await c.page.waitForSelector("#chat-start:not(.hidden)");
    await c.page.fill("#chat-name", name);
    await c.page.fill("#chat-first", first);
    await c.page.click("#chat-start button");
    await c.page.waitForSelector("#chat-room:not(.hidden)");
    customers.push(c);
    return c;
  };
  let taskSid = null;

  await scenario("agent desk: signing in asks for no permission; notifications are allowed on a click", async () => {
    await a.goto(`${t.BASE}/agent`);
    await a.fill("#worker", "gwen");
    await a.fill("#password", "gwen-password");
    await a.click("#login-form button");
    await a.waitForSelector("#desk:not(.hidden)");
    assert((await a.evaluate(() => window.__asks)) === 0, "no permission asked on load");
    assert((await a.textContent("#sound-toggle")) === "Sound on", "the tone is on by default");
    await agent.ctx.grantPermissions(["notifications"], { origin: t.BASE });
    await a.click("#notify-toggle");
    await waitFor("the permission asked once, on the click", async () => (await a.evaluate(() => window.__asks)) === 1);
    await waitFor("the button to go", async () => await a.locator("#notify-toggle").isHidden());
    const available = await a.locator("#activity option", { hasText: /^Available$/ }).getAttribute("value");
    await a.selectOption("#activity", available);
    await waitFor("gwen to be available", async () => (await rest("GET", `${base}/Workers/${gwen.sid}`)).json.available === true);
    assert((await a.title()) === "switchboard agent", `no badge yet: ${await a.title()}`);
  });

  await scenario("agent desk: an offer card a person reads, announced by title, tone and notification", async () => {
    await startChat("Ingrid Bergström-Lindqvist", LONG);
    const item = a.locator("#incoming .work-item").first();
    await item.waitFor({ timeout: 15000 });
    taskSid = await item.getAttribute("data-task");
    await waitFor("(1) in the title", async () => (await a.title()).startsWith("(1) "));
    await waitFor("the countdown and the wait", async () => /left/.test(await item.locator(".countdown").textContent()) && /waited/.test(await item.locator(".waited").textContent()));
    const seen = await item.innerText();
    for (const want of ["Ingrid Bergström-Lindqvist", "Web chat", "Mein Paket ist nicht angekommen", "Queue", "Accept", "Reject"]) assert(seen.includes(want), `the card shows ${want}: ${seen}`);
    assert(!SID_IN_TEXT.test(seen) && !seen.includes("{") && !/webchat-|channelType|conversationSid/.test(seen), `no SID, JSON or plumbing where a person reads: ${seen}`);
    assert(await item.locator("details.tech").count() === 1 && !(await item.locator("details.tech").getAttribute("open")), "technical IDs folded away");
    assert((await item.locator("details.tech").textContent()).includes(taskSid), "the task SID is under the fold");
    await waitFor("a tone", async () => (await a.evaluate(() => window.__tones)) > 0);
    const notes = await a.evaluate(() => window.__notes);
    assert(notes.length === 1 && notes[0].title.includes("Ingrid") && notes[0].body.includes("Mein Paket"), `one notification: ${JSON.stringify(notes)}`);
    const fits = async () => item.evaluate((e) => [...e.querySelectorAll("*")].every((x) => x.getBoundingClientRect().right <= e.getBoundingClientRect().right + 1));
    assert(await fits(), "nothing runs past the card at 1366 px");
    await shot(a, "agentdesk-offer-1366");
    await a.setViewportSize({ width: 390, height: 844 });
    assert(await fits(), "nothing runs past the card at 390 px");
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow at 390 px");
    await shot(a, "agentdesk-offer-390");
    await a.setViewportSize({ width: 1366, height: 768 });
  });

  await scenario("agent desk: key a accepts; bot, customer and agent lines look apart", async () => {
    await a.keyboard.press("a");
    await a.waitForSelector("#transcript");
    await waitFor("the title badge to clear", async () => (await a.title()) === "switchboard agent");
    assert(new URL(a.url()).hash === `#task=${taskSid}`, `the open chat is in the URL: ${a.url()}`);
    await waitFor("the bot's line", async () => (await a.locator("#transcript .role-bot").count()) > 0, 15000);
    await waitFor("the customer's line", async () => (await a.locator("#transcript .role-customer").count()) > 0);
    await a.fill("#reply", "Hallo Ingrid, I am looking at your order now.");
    await a.press("#reply", "Enter");
    await waitFor("the agent's line", async () => (await a.locator("#transcript .role-me").count()) > 0);
    const style = (sel) => a.locator(sel).first().evaluate((e) => { const s = getComputedStyle(e); return `${s.backgroundColor}|${s.borderStyle}|${s.alignSelf}`; });
    const [bot, cust, me] = [await style("#transcript .role-bot"), await style("#transcript .role-customer"), await style("#transcript .role-me")];
    assert(bot !== cust && cust !== me && bot !== me, `three looks: bot ${bot}, customer ${cust}, agent ${me}`);
    assert((await a.locator("#transcript .role-bot .chat-who").textContent()) === "Bot", "the bot is named Bot");
    assert((await a.locator("#transcript .role-customer .chat-who").first().textContent()).includes("Ingrid"), "the customer by name");
    await shot(a, "agentdesk-chat-1366");
  });

  await scenario("agent desk: a reload keeps the open chat; the phone shows it first", async () => {
    await a.reload();
    await a.waitForSelector("#transcript");
    await waitFor("the same chat after reload", async () => (await a.textContent("#task h2")).includes("Ingrid") && (await a.textContent("#transcript")).includes("looking at your order"));
    await a.setViewportSize({ width: 390, height: 844 });
    const y = async (sel) => (await a.locator(sel).boundingBox()).y;
    assert((await y("#task")) < (await y("#incoming")), "the open chat comes before the lists");
    assert(await a.evaluate(() => document.documentElement.scrollWidth <= 390), "no horizontal overflow");
    const header = await a.locator("#desk header").boundingBox();
    assert(header.height < 56, `the header does not wrap: ${header.height}px`);
    assert((await a.locator("#reply-form").evaluate((e) => getComputedStyle(e).position)) === "sticky", "a sticky reply box");
    await shot(a, "agentdesk-chat-390");
    await a.setViewportSize({ width: 1366, height: 768 });
  });

  await scenario("agent desk: key r rejects an offer; the tone is off when the agent says so, after a reload too", async () => {
    await a.click("#sound-toggle");
    assert((await a.textContent("#sound-toggle")) === "Sound off", "sound off");
    await a.reload();
    await a.waitForSelector("#desk:not(.hidden)");
    assert((await a.textContent("#sound-toggle")) === "Sound off", "remembered over a reload");
    const chan = (await rest("GET", `${base}/Workers/${gwen.sid}/Channels`)).json.channels.find((c) => c.task_channel_unique_name === "chat");
    await rest("POST", `${base}/Workers/${gwen.sid}/Channels/${chan.sid}`, { Capacity: "2" });
    await a.click("#mine .work-item"); // a gesture, so a tone could play
    const tones = await a.evaluate(() => window.__tones);
    await startChat("Jonas", "Quick question about opening hours");
    const offer = a.locator("#incoming .work-item");
    await offer.first().waitFor({ timeout: 15000 });
    const rsv = await offer.first().getAttribute("data-reservation");
    const other = await offer.first().getAttribute("data-task");
    await waitFor("(1) in the title", async () => (await a.title()).startsWith("(1) "));
    assert((await a.evaluate(() => window.__tones)) === tones, "no tone while the sound is off");
    await a.keyboard.press("r");
    await waitFor("the reservation rejected", async () => (await rest("GET", `${base}/Tasks/${other}/Reservations/${rsv}`)).json.reservation_status === "rejected");
    await rest("POST", `${base}/Tasks/${other}`, { AssignmentStatus: "canceled", Reason: "browser test" });
    await waitFor("the offer gone", async () => (await a.locator(`#incoming [data-task="${other}"]`).count()) === 0);
    await a.click("#sound-toggle");
    assert((await a.textContent("#sound-toggle")) === "Sound on", "sound back on");
  });

  await scenario("agent desk: end and complete; the URL lets go of the chat", async () => {
    await a.click("#task-wrapping");
    await waitFor("wrapping", async () => (await rest("GET", `${base}/Tasks/${taskSid}`)).json.assignment_status === "wrapping");
    await a.click("#task-completed");
    await waitFor("the task to leave the desk", async () => (await a.locator(`#mine [data-task="${taskSid}"]`).count()) === 0);
    assert(!new URL(a.url()).hash.includes(taskSid), "the URL no longer names the task");
    await a.selectOption("#activity", offline);
    await waitFor("gwen offline", async () => (await rest("GET", `${base}/Workers/${gwen.sid}`)).json.available === false);
  });

  for (const c of customers) await c.ctx.close();
  await agent.ctx.close();
}
