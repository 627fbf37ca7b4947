// Issue 15, customer web chat 2-4 in the browser: the office's pre-chat form (configured in the
// Flex Configuration's ui_attributes.webchat: a greeting and fields, here a required topic list
// and an email) whose answers reach the agent's customer panel; the greeting as the chat opens;
// the place in line while nobody is free ("You're number 2 in line"), moving up as chats are
// taken. 390x844 and 1366x768, screenshots of each step.

import { quietFloor } from "./harness.mjs";

export async function customerWaitScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  const { ws, base, offline, available } = await quietFloor();
  const lw = await rest("POST", `${base}/Workers`, { FriendlyName: "lea", Attributes: JSON.stringify({ full_name: "Lea Brandt", contact_uri: "client:lea" }) });
  assert(lw.status === 201, JSON.stringify(lw.json));
  const ui = { webchat: {
    greeting: "Welcome to the Harbor Bakery. Tell us what you need and a baker will answer.",
    pre_chat_fields: [
      { name: "topic", label: "Topic", type: "select", options: ["Orders", "Allergies", "Catering"], required: true },
      { name: "email", label: "Email", type: "email", required: false },
      { name: "question", label: "Your question", type: "textarea", required: false },
    ],
  } };
  const cfg = await rest("POST", "/flex-api/v1/Configuration", { ui_attributes: JSON.stringify(ui) });
  assert(cfg.status === 200, `configuration: ${JSON.stringify(cfg.json)}`);

  const one = await context(browser, "wait-one");
  const two = await context(browser, "wait-two");
  const p1 = one.page;
  const p2 = two.page;
  await p1.setViewportSize({ width: 390, height: 844 });
  await p2.setViewportSize({ width: 1366, height: 768 });
  const open = async (p, name, topic, email, question) => {
    await p.goto(`${t.BASE}/chat`);
    await p.waitForSelector("#chat-start:not(.hidden)");
    await p.fill("#chat-name", name);
    await p.selectOption("#chat-field-topic", topic);
    if (email) await p.fill("#chat-field-email", email);
    if (question) await p.fill("#chat-first", question);
    await p.click("#chat-start button[type=submit]");
    await p.waitForSelector("#chat-room:not(.hidden)");
  };

  await scenario("customer chat: the office's pre-chat form, checked before it starts", async () => {
    await p1.goto(`${t.BASE}/chat`);
    await p1.waitForSelector("#chat-start:not(.hidden)");
    const labels = await p1.locator("#chat-start label").allTextContents();
    assert(labels.includes("Topic") && labels.includes("Email") && labels.includes("Your question"), `${labels}`);
    assert((await p1.textContent("#chat-start")).includes("Harbor Bakery"), "the greeting before the chat too");
    await p1.fill("#chat-name", "Nora Quist");
    await p1.click("#chat-start button[type=submit]");
    await waitFor("the required topic asked for", async () => p1.evaluate(() => document.activeElement && document.activeElement.id === "chat-field-topic"));
    await p1.fill("#chat-field-email", "not-an-email");
    await p1.selectOption("#chat-field-topic", "Allergies");
    await p1.click("#chat-start button[type=submit]");
    await waitFor("the email checked", async () => p1.evaluate(() => document.activeElement && document.activeElement.id === "chat-field-email"));
    assert(await p1.locator("#chat-room").isHidden(), "not started with a bad email");
    await shot(p1, "chat-prechat-390");
  });

  await scenario("customer chat: a greeting as it opens, and the place in line while nobody is free", async () => {
    await p1.fill("#chat-field-email", "nora@example.com");
    await p1.fill("#chat-first", "Is the rye bread nut free?");
    await p1.click("#chat-start button[type=submit]");
    await p1.waitForSelector("#chat-room:not(.hidden)");
    assert((await p1.textContent("#chat-log .chat-greeting")).includes("Harbor Bakery"), "the greeting first");
    await waitFor("next in line", async () => (await p1.textContent("#chat-wait")).startsWith("You're next in line."), 15000);
    await open(p2, "Otto Berg", "Catering", null, "Cake for 40 people on Friday");
    await waitFor("number 2", async () => (await p2.textContent("#chat-wait")).startsWith("You're number 2 in line."), 15000);
    await shot(p1, "chat-wait-next-390");
    await shot(p2, "chat-wait-2-1366");
  });

  await scenario("customer chat: the line moves as an agent takes the first chat", async () => {
    await rest("POST", `${base}/Workers/${lw.json.sid}`, { ActivitySid: available });
    const res = await waitFor("Lea's reservation", async () => {
      const r = (await rest("GET", `${base}/Workers/${lw.json.sid}/Reservations?ReservationStatus=pending`)).json.reservations;
      return r && r[0];
    }, 15000);
    await rest("POST", `${base}/Tasks/${res.task_sid}/Reservations/${res.sid}`, { ReservationStatus: "accepted" });
    const task = (await rest("GET", `${base}/Tasks/${res.task_sid}`)).json;
    const conv = JSON.parse(task.attributes).conversationSid;
    const cattrs = JSON.parse((await rest("GET", `/v1/Conversations/${conv}`)).json.attributes);
    const pre = cattrs.pre_engagement_data || {};
    assert(pre.topic === "Allergies" && pre.email === "nora@example.com", `the answers with the chat: ${JSON.stringify(cattrs)}`);
    await waitFor("Lea joined", async () => (await p1.textContent("#chat-log")).includes("Lea Brandt joined the chat"), 15000);
    assert(await p1.locator("#chat-wait").isHidden(), "no place in line once served");
    await waitFor("Otto next, with the usual wait", async () => /^You're next in line\. Chats are usually answered within (a minute|about \d+ minutes)\.$/.test(await p2.textContent("#chat-wait")), 15000);
    await shot(p2, "chat-wait-moved-1366");
    await rest("POST", `${base}/Tasks/${res.task_sid}`, { AssignmentStatus: "wrapping" });
    await rest("POST", `${base}/Tasks/${res.task_sid}`, { AssignmentStatus: "completed" });
    await rest("POST", `${base}/Workers/${lw.json.sid}`, { ActivitySid: offline });
    const other = (await rest("GET", `${base}/Tasks?AssignmentStatus=pending`)).json.tasks || [];
    for (const x of other) await rest("POST", `${base}/Tasks/${x.sid}`, { AssignmentStatus: "canceled", Reason: "browser test" });
  });

  await rest("POST", "/flex-api/v1/Configuration", { ui_attributes: JSON.stringify({}) });
  await one.ctx.close();
  await two.ctx.close();
}
