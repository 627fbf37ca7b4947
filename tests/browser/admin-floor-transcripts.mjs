// Conversations and transcripts (issue 17, item 2) in headless Chromium, after the floor's
// scenarios (whose chat with Hank Moody they look up): a supervisor finds the chat by a word in
// it, reads it with its task's life cycle, exports the search as CSV, and is told what to do
// with a reversed date range. Desktop (1366x768) and phone (390x844) shots.
import { readFileSync } from "node:fs";

export async function transcriptScenarios(t) {
  const { browser, context, shot, assert, waitFor, scenario, SID, TOKEN } = t;
  const { page, ctx } = await context(browser, "transcripts");
  await page.setViewportSize({ width: 1366, height: 768 });
  await page.goto(`${t.BASE}/admin`);
  await page.fill("#sid", SID);
  await page.fill("#token", TOKEN);
  await page.click("#login-form button");
  await page.waitForSelector("#console:not(.hidden)");

  await scenario("a supervisor finds a chat by a word in it and reads it with its task's life", async () => {
    await page.click('#nav a[href="#conversations"]');
    await page.waitForSelector("#conversation-search");
    await page.fill('#conversation-search [name="Text"]', "gramophone");
    await page.click('#conversation-search button[type="submit"]');
    const row = page.locator("#conversations tr", { hasText: "Hank Moody" });
    await waitFor("Hank's conversation", async () => (await row.count()) === 1);
    assert((await row.locator("mark").first().textContent()).toLowerCase() === "gramophone", "the word is marked");
    assert((await row.textContent()).includes("Fiona Gallagher"), "the agent by name");
    await shot(page, "transcripts-search");
    await row.locator("a").click();
    await page.waitForSelector("#transcript li");
    const who = await page.locator("#transcript .chat-who").allTextContents();
    assert(who.includes("Hank Moody") && who.includes("Fiona Gallagher"), `authors: ${who}`);
    const life = await page.textContent("#conversation-tasks");
    assert(life.includes("Floor desk") && life.includes("Accepted by Fiona Gallagher") && life.includes("Completed"), `life cycle: ${life}`);
    const text = await page.textContent("#view");
    assert(!/\b(WT|WK|WQ|WR|CH)[0-9a-f]{32}\b/.test(text), "no raw SIDs on the page");
    await shot(page, "transcript-desktop");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "transcript-phone");
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  await scenario("a supervisor exports the search as CSV; a reversed range says what to do", async () => {
    await page.goto(`${t.BASE}/admin#conversations?Text=gramophone`);
    await page.waitForSelector("#conversations tr");
    const [download] = await Promise.all([page.waitForEvent("download"), page.click("#export-csv")]);
    const csv = readFileSync(await download.path(), "utf8");
    assert(csv.startsWith("Started,Customer") && csv.includes("Hank Moody") && csv.includes("Floor desk"), `the CSV: ${csv}`);
    await waitFor("the export's feedback", async () => /Exported 1 conversation/.test(await page.textContent("#view")));
    page.allowConsole = [/status of 400/];
    await page.fill('#conversation-search [name="From"]', "2026-12-09");
    await page.fill('#conversation-search [name="To"]', "2026-12-01");
    await page.click('#conversation-search button[type="submit"]');
    await waitFor("the refusal", async () => /reversed/.test(await page.textContent("#view")));
    await shot(page, "transcripts-reversed");
    page.allowConsole = [];
  });
  await ctx.close();
}
