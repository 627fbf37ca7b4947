// Studio canvas scenarios (issue 16 item 1): a flow built from an empty canvas by dragging
// widgets and filling labelled fields only, published, and its moved node found where it was
// after a reload; problems shown on the node, the field and the list as you type; the biggest
// corpus flows opened on the canvas from their own offsets, and one exported unchanged.
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS } from "./harness.mjs";

const CORPUS = process.env.SWITCHBOARD_CORPUS;

export async function signIn(t, name, viewport) {
  const { page, ctx } = await t.context(t.browser, name, { allowConsole: [/status of 400.*\/v2\/Flows\/Validate/] });
  await page.setViewportSize(viewport || { width: 1366, height: 768 });
  await page.goto(`${t.BASE}/admin`);
  await page.fill("#sid", t.SID);
  await page.fill("#token", t.TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#console:not(.hidden)");
  return { page, ctx };
}

/** Centre of an element's box in page coordinates. */
async function centre(page, selector) {
  // The canvas redraws when validation answers; a box read during a redraw is asked again,
  // for as long as any other wait (a loaded machine answers validation late).
  const until = Date.now() + 10000;
  while (Date.now() < until) {
    const b = await page.locator(selector).first().boundingBox({ timeout: 1000 }).catch(() => null);
    if (b) return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    await page.waitForTimeout(50);
  }
  throw new Error(`${selector} has no box after 10 s`);
}

async function pointerDrag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 4 });
  await page.mouse.up();
}

const node = (name) => `#flow-canvas g.sc-node[data-state="${name}"]`;
const port = (name, event) => `${node(name)} g.sc-port >> nth=${event}`;

/** Drops a palette widget onto the canvas at (x, y) of the canvas box; returns its new name. */
async function dropWidget(page, type, x, y) {
  const before = await page.locator("#flow-canvas g.sc-node").evaluateAll((els) => els.map((e) => e.dataset.state));
  await page.dragAndDrop(`.palette-item[data-type="${type}"]`, "#flow-canvas", { targetPosition: { x, y } });
  const after = await page.locator("#flow-canvas g.sc-node").evaluateAll((els) => els.map((e) => e.dataset.state));
  const added = after.filter((n) => !before.includes(n));
  if (added.length !== 1) { await page.screenshot({ path: "/tmp/sbdev/fail.png" }); throw new Error(`dropping ${type} added ${JSON.stringify(added)}`); }
  return added[0];
}

async function portIndex(page, name, label) {
  const labels = await page.locator(`${node(name)} g.sc-port text`).allTextContents();
  const i = labels.indexOf(label);
  if (i < 0) throw new Error(`${name} has no port ${label}: ${labels}`);
  return i;
}

async function connect(page, from, label, to) {
  const i = await portIndex(page, from, label);
  await pointerDrag(page, await centre(page, port(from, i)), await centre(page, `${node(to)} rect.sc-box`));
}

/** A flow whose question is `ask`: "sales" goes to an agent, anything else to a goodbye. */
function testFlow(question) {
  return {
    description: "Test run flow", initial_state: "Trigger", flags: { allow_concurrent_calls: true },
    states: [
      { name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } },
        transitions: [{ event: "incomingMessage", next: "ask" }, { event: "incomingCall" }, { event: "incomingConversationMessage", next: "ask" }, { event: "incomingRequest", next: "ask" }, { event: "incomingParent" }] },
      { name: "ask", type: "send-and-wait-for-reply", properties: { offset: { x: 0, y: 220 }, body: question, timeout: "3600" },
        transitions: [{ event: "incomingMessage", next: "route" }, { event: "timeout" }, { event: "deliveryFailure" }] },
      { name: "route", type: "split-based-on", properties: { offset: { x: 0, y: 440 }, input: "{{widgets.ask.inbound.Body}}" },
        transitions: [{ event: "noMatch", next: "bye" }, { event: "match", next: "agent", conditions: [{ friendly_name: "sales", arguments: ["{{widgets.ask.inbound.Body}}"], type: "equal_to", value: "sales" }] }] },
      { name: "bye", type: "send-message", properties: { offset: { x: 340, y: 660 }, body: "Bye for now" }, transitions: [{ event: "sent" }, { event: "failed" }] },
      { name: "agent", type: "send-to-flex", properties: { offset: { x: 0, y: 660 }, workflow: "", channel: "chat", attributes: "{}" },
        transitions: [{ event: "callComplete" }, { event: "failedToEnqueue" }, { event: "callFailure" }] },
    ],
  };
}

export async function studioCanvasScenarios(t) {
  const { scenario, assert, waitFor, shot, rest } = t;

  await scenario("a flow built on an empty canvas by drag and form only, published, a moved node kept after reload", async () => {
    const { page, ctx } = await signIn(t, "studio-canvas");
    await page.goto(`${t.BASE}/admin#studio/new`);
    await page.waitForSelector(node("Trigger"));
    await page.fill("#flow-name", "Canvas built flow");
    // Empty canvas: only the Trigger. Drag a send-and-wait onto it; the panel opens for it.
    const ask = await dropWidget(page, "send-and-wait-for-reply", 320, 200);
    await page.waitForSelector(`#studio-panel h2:text("Send and wait for reply")`);
    // A blank message is an error on the node, the field and the list, as soon as it is added.
    await page.waitForSelector(`${node(ask)}.sc-error`);
    await waitFor("the blank body in the list", async () => (await page.textContent("#flow-problems")).includes("Message is required"));
    await page.fill("#studio-panel textarea >> nth=0", "Sales or support?");
    await waitFor("the node's error to go", async () => !(await page.locator(`${node(ask)}.sc-error`).count()));
    await connect(page, "Trigger", "Incoming Message", ask);
    await connect(page, "Trigger", "Incoming Conversation", ask);

    const split = await dropWidget(page, "split-based-on", 420, 330);
    // The split's input through Liquid completion: type {{wid, pick the reply's body.
    const input = page.locator("#studio-panel input >> nth=1");
    await input.fill("");
    await input.type("{{widgets.send");
    await page.waitForSelector(`.liquid-list li:text("widgets.${ask}.inbound.Body")`);
    await page.click(`.liquid-list li:text("widgets.${ask}.inbound.Body")`);
    assert((await input.inputValue()) === `{{widgets.${ask}.inbound.Body }}`, `completed: ${await input.inputValue()}`);
    await page.click("#sp-add-condition");
    await page.fill('#studio-panel input[aria-label^="condition"][aria-label$="value"]', "sales");
    await page.fill('#studio-panel input[aria-label^="condition"][aria-label$="name"]', "sales");
    await page.press('#studio-panel input[aria-label^="condition"][aria-label$="name"]', "Tab");
    await connect(page, ask, "incomingMessage", split);

    const flex = await dropWidget(page, "send-to-flex", 160, 470);
    const workflowSelect = page.locator("#studio-panel select >> nth=0");
    const options = await workflowSelect.locator("option").allTextContents();
    assert(options.includes("Assign to Anyone") && !options.some((o) => /^WW/.test(o)), `workflows by name: ${options}`);
    await workflowSelect.selectOption({ label: "Assign to Anyone" });
    await connect(page, split, "sales", flex);
    await connect(page, split, "noMatch", ask);
    await waitFor("no problems", async () => (await page.textContent("#flow-problems")).includes("No problems found"));
    await page.click("#zoom-fit");
    await shot(page, "studio-built-1366");
    await page.click("#publish");
    await page.waitForURL(/#studio\/FW/);
    const sid = page.url().split("#studio/")[1];
    const got = (await rest("GET", `/v2/Flows/${sid}`)).json;
    assert(got.status === "published", `published: ${got.status}`);
    const st = Object.fromEntries(got.definition.states.map((s) => [s.name, s]));
    assert(st.Trigger.transitions.find((x) => x.event === "incomingMessage").next === ask, "trigger → ask");
    assert(st[ask].transitions.find((x) => x.event === "incomingMessage").next === split, "ask → split");
    const match = st[split].transitions.find((x) => x.event === "match");
    assert(match.next === flex && match.conditions[0].value === "sales" && match.conditions[0].type === "equal_to", `split condition: ${JSON.stringify(match)}`);
    assert(st[split].properties.input === `{{widgets.${ask}.inbound.Body }}`, "split input");
    assert(/^WW/.test(st[flex].properties.workflow) && st[flex].properties.channel, `flex routing: ${JSON.stringify(st[flex].properties)}`);

    // Move the flex node 120 px right and 80 down (at zoom 1), save, reload: it is where it was put.
    await page.waitForSelector(node(flex));
    const before = st[flex].properties.offset;
    const z = await page.evaluate(() => { const s = document.querySelector("#flow-canvas svg"); return s.getBoundingClientRect().width / s.viewBox.baseVal.width; });
    const c = await centre(page, `${node(flex)} text.sc-name`);
    await pointerDrag(page, c, { x: c.x + 120 * z, y: c.y + 80 * z });
    await page.click("#save-draft");
    await page.waitForSelector('.toast:text("Draft saved")');
    const moved = (await rest("GET", `/v2/Flows/${sid}/Revisions/LatestRevision`)).json.definition.states.find((s) => s.name === flex).properties.offset;
    assert(Math.abs(moved.x - before.x - 120) <= 2 && Math.abs(moved.y - before.y - 80) <= 2, `moved from ${JSON.stringify(before)} to ${JSON.stringify(moved)}`);
    await page.reload();
    await page.waitForSelector(node(flex));
    const drawn = await page.getAttribute(node(flex), "transform");
    assert(drawn === `translate(${moved.x},${moved.y})`, `drawn at ${drawn}`);
    await shot(page, "studio-after-reload-1366");
    // Undo brings the node back; the JSON tab shows the same definition.
    await page.click("#tab-json");
    const text = await page.inputValue("#flow-json");
    assert(JSON.parse(text).states.length === 4, "JSON view has the four widgets");
    await page.click("#tab-canvas");
    await ctx.close();
  });

  await scenario("the canvas at 390 px: palette, canvas and panel stacked, no sideways scroll", async () => {
    const { page, ctx } = await signIn(t, "studio-narrow", { width: 390, height: 844 });
    await page.goto(`${t.BASE}/admin#studio/new`);
    await page.waitForSelector(node("Trigger"));
    await page.click('.palette-item[data-type="send-message"]');
    await page.waitForSelector(`#studio-panel h2:text("Send message")`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    await shot(page, "studio-new-390");
    assert(wide <= 392, `page is ${wide}px wide at 390`);
    await ctx.close();
  });

  await scenario("a test run chats with a draft in the side panel, customers keep the published revision; revisions compared in words", async () => {
    const def = testFlow("Published: sales or support?");
    const created = (await rest("POST", "/v2/Flows", { FriendlyName: "Test run flow", Status: "published", Definition: JSON.stringify(def) })).json;
    const sid = created.sid;
    const { page, ctx } = await signIn(t, "studio-test-run");
    await page.goto(`${t.BASE}/admin#studio/${sid}`);
    await page.waitForSelector(node("ask"));
    // Change the question on the canvas, then test it: the editor saves it as a draft first.
    await page.click(`${node("ask")} rect.sc-box`);
    await page.waitForSelector(`#studio-panel h2:text("Send and wait for reply")`);
    await page.fill("#studio-panel textarea >> nth=0", "Draft: sales or support?");
    await page.click("#test-run");
    await page.waitForSelector("#studio-test");
    await waitFor("the panel names the draft", async () => (await page.textContent("#studio-test .test-which")).includes("revision 2, not published — customers still get revision 1"));
    await page.fill("#test-input", "hi");
    await page.press("#test-input", "Enter");
    await page.waitForSelector('#test-chat .test-msg.bot:has-text("Draft: sales or support?")');
    await page.waitForSelector('#test-steps li[data-from="Trigger"][data-to="ask"]');
    await waitFor("the panel says where the flow waits", async () => (await page.textContent("#test-state")).includes("waits at ask"));
    await page.fill("#test-input", "sales");
    await page.click("#test-send");
    await page.waitForSelector('#test-steps li[data-from="route"][data-event="match"][data-to="agent"]');
    await waitFor("the task marked as a test", async () => (await page.textContent("#test-state")).includes("marked as a test"));
    await shot(page, "studio-test-run-1366");
    // The published revision still runs for a real contact, untouched by the test.
    const real = (await rest("POST", `/v2/Flows/${sid}/Executions`, { To: "+15550001111", From: "+15550002222" })).json;
    const realCtx = await waitFor("the real execution's question", async () => {
      const c = (await rest("GET", `/v2/Flows/${sid}/Executions/${real.sid}/Context`)).json.context;
      return c.widgets && c.widgets.ask ? c : null;
    });
    assert(JSON.stringify(realCtx.widgets.ask).includes("Published: sales or support?") && !JSON.stringify(realCtx).includes("Draft"), `real execution: ${JSON.stringify(realCtx.widgets.ask)}`);
    assert((await rest("GET", `/v2/Flows/${sid}/Revisions/LatestPublished`)).json.revision === 1, "revision 1 is still the published one");
    const testSid = await page.getAttribute("#studio-test", "data-run");
    await page.click("#test-end");
    await waitFor("the test ended", async () => (await page.textContent("#test-state")).includes("ended"));
    assert(await page.isDisabled("#test-input"), "no typing after the end");
    assert((await rest("GET", `/admin/api/studio/tests/${testSid}`)).json.executions.every((x) => x.status === "ended"), "its execution ended");
    await page.click("#test-close");
    // Change the flow again (a new widget), save, and compare revisions 1 and 3 in words.
    await dropWidget(page, "send-message", 520, 300);
    await page.fill("#studio-panel textarea >> nth=0", "Thanks for writing");
    await page.click("#save-draft");
    await page.waitForSelector('.toast:text("Draft saved as revision 3")');
    await page.waitForSelector('#revisions tr[data-revision="1"] .badge.published');
    await page.selectOption("#diff-from", "1");
    await page.selectOption("#diff-to", "3");
    await page.click("#diff-show");
    await page.waitForSelector('#revision-diff li[data-widget="ask"][data-kind="changed"]');
    const words = await page.textContent("#revision-diff");
    assert(words.includes('Message: "Published: sales or support?" → "Draft: sales or support?"'), `diff: ${words}`);
    assert(/added · Send message/.test(words), `added widget: ${words}`);
    assert(!words.includes('"states"'), "no JSON dump");
    await page.locator("#revisions").screenshot({ path: join(ARTIFACTS, "studio-revision-diff-1366.png") });
    await ctx.close();

    // On a phone: the panel takes the screen, the chat works, nothing overflows sideways.
    const phone = await signIn(t, "studio-test-run-390", { width: 390, height: 844 });
    await phone.page.goto(`${t.BASE}/admin#studio/${sid}`);
    await phone.page.waitForSelector(node("ask"));
    await phone.page.click('#revisions button[data-test="2"]');
    await phone.page.waitForSelector("#studio-test");
    await phone.page.fill("#test-input", "hi");
    await phone.page.click("#test-send");
    await phone.page.waitForSelector('#test-chat .test-msg.bot:has-text("Draft: sales or support?")');
    const box = await phone.page.locator("#studio-test").boundingBox();
    assert(box.width <= 391 && box.x >= -1, `panel box ${JSON.stringify(box)}`);
    const sendBox = await phone.page.locator("#test-send").boundingBox();
    assert(sendBox.x + sendBox.width <= 391, `send button inside: ${JSON.stringify(sendBox)}`);
    await phone.page.screenshot({ path: join(ARTIFACTS, "studio-test-run-390.png") });
    await phone.page.click("#test-close");
    await phone.page.selectOption("#diff-from", "1");
    await phone.page.selectOption("#diff-to", "3");
    await phone.page.click("#diff-show");
    await phone.page.waitForSelector('#revision-diff li[data-widget="ask"]');
    const wide = await phone.page.evaluate(() => document.documentElement.scrollWidth);
    assert(wide <= 392, `page is ${wide}px wide at 390`);
    await phone.page.locator("#revisions").screenshot({ path: join(ARTIFACTS, "studio-revision-diff-390.png") });
    await phone.ctx.close();
  });

  if (!CORPUS || !existsSync(CORPUS)) return;
  await scenario("the biggest corpus flows open on the canvas from their offsets; one exports unchanged", async () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith(".json")).map((f) => join(CORPUS, f))
      .sort((a, b) => statSync(b).size - statSync(a).size).slice(0, 3);
    const { page, ctx } = await signIn(t, "studio-corpus");
    for (const file of files) {
      const def = JSON.parse(readFileSync(file, "utf8"));
      const created = await rest("POST", "/v2/Flows", { FriendlyName: file.split("/").pop().replace(".json", "").slice(0, 60), Status: "draft", Definition: JSON.stringify(def) });
      assert(created.status === 200 || created.status === 201, `${file} imported: ${JSON.stringify(created.json).slice(0, 300)}`);
      await page.goto(`${t.BASE}/admin#studio/${created.json.sid}`);
      await waitFor(`${file}: every widget drawn`, async () => (await page.locator("#flow-canvas g.sc-node").count()) === def.states.length);
      const name = def.states[5].name;
      const off = def.states[5].properties.offset;
      const tr = await page.getAttribute(`#flow-canvas g.sc-node[data-state="${name}"]`, "transform");
      assert(tr === `translate(${off.x},${off.y})`, `${name} at its offset: ${tr}`);
      // No two boxes overlap on screen.
      const boxes = await page.locator("#flow-canvas g.sc-node rect.sc-box").evaluateAll((els) => els.map((e) => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.right, r.bottom]; }));
      let overlaps = 0;
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        if (a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5) overlaps++;
      }
      assert(overlaps === 0, `${file}: ${overlaps} overlapping boxes`);
      await page.click("#zoom-fit");
      await shot(page, `studio-corpus-${file.split("/").pop().replace(".json", "")}`);
    }
    // Import a file on the canvas and export it: the same JSON value.
    const file = files[0];
    await page.goto(`${t.BASE}/admin#studio/new`);
    await page.waitForSelector(node("Trigger"));
    await page.setInputFiles("#flow-import", file);
    await waitFor("imported widgets", async () => (await page.locator("#flow-canvas g.sc-node").count()) > 50);
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#flow-export")]);
    const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
    assert(JSON.stringify(exported) === JSON.stringify(JSON.parse(readFileSync(file, "utf8"))), "export equals import");
    await ctx.close();
  });
}
