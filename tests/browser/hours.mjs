// Business hours (issue 22 item 1) in the admin console and the customer's web chat, at 1366×768
// and 390×844: a schedule made with labelled fields (no JSON), an overlapping range refused with
// the range named, today made a holiday so the office is closed whatever the hour, and the web
// chat's "We're closed" line with the next opening in the office's time. The real clock is used
// (no clock move), so the scenario can run beside the others.

const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1366, height: 768 };

/** Today's date in the office's zone, YYYY-MM-DD. */
function todayIn(tz) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

export async function hoursScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario, SID, TOKEN } = t;
  const both = async (page, name) => {
    await page.setViewportSize(PHONE);
    await shot(page, `${name}-phone`);
    await page.setViewportSize(LAPTOP);
    await shot(page, `${name}-laptop`);
  };
  const { page, ctx } = await context(browser, "hours", { allowConsole: [/status of 400/] });
  await page.setViewportSize(LAPTOP);
  page.on("dialog", (d) => d.accept());

  await scenario("admin sets business hours with labelled fields; an overlap is refused by name", async () => {
    await page.goto(`${t.BASE}/admin`);
    await page.waitForSelector("#login-form");
    await page.fill("#sid", SID);
    await page.fill("#token", TOKEN);
    await page.click("#login-form button");
    await page.waitForSelector("#console:not(.hidden)");
    await page.click('#nav a[href="#hours"]');
    await page.waitForSelector("#hours-new");
    assert((await page.textContent("#view")).includes("No schedules yet"), "an empty list says what to do");
    await page.fill("#hours-new-name", "office");
    await page.fill("#hours-new-tz", "Europe/Paris");
    await page.click("#hours-new button[type=submit]");
    await page.waitForSelector("#hours-edit");
    await waitFor("the toast", async () => (await page.textContent("#toast")).includes("Schedule office added"));

    // Monday 09:00–17:00 (the defaults) and an overlapping 16:00–18:00: refused, range named.
    await page.click("text=Add Monday hours");
    await page.click("text=Add Monday hours");
    const monday = page.locator('.hours-ranges[data-day="monday"] .hours-row');
    assert((await monday.count()) === 2, "two Monday rows");
    await monday.nth(1).locator(".hours-open").fill("16:00");
    await monday.nth(1).locator(".hours-close").fill("18:00");
    await page.click("#hours-save");
    await waitFor("the refusal", async () => (await page.textContent("#hours-edit .error")).includes("monday 16:00-18:00 overlaps monday 09:00-17:00"));
    await both(page, "hours-overlap-refused");
    assert((await rest("GET", "/v1/Schedules/office")).json.hours.length === 0, "nothing stored on a refusal");

    // Fixed: the second range removed, every other day 09:00–17:00, today a holiday, shown in
    // the web chat.
    await monday.nth(1).locator("button").click();
    for (const d of ["Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) await page.click(`text=Add ${d} hours`);
    await page.click("#hours-add-holiday");
    const today = todayIn("Europe/Paris");
    await page.locator("#hours-holidays .hours-date").fill(today);
    await page.locator("#hours-holidays .hours-name").fill("Inventory day");
    await page.check("#hours-webchat");
    await page.click("#hours-save");
    await waitFor("saved", async () => (await page.textContent("#toast")).includes("Schedule office saved"));
    await waitFor("closed for the holiday", async () => (await page.textContent("#hours-edit .hours-state")).includes("Closed (holiday: Inventory day)"));
    const s = (await rest("GET", "/v1/Schedules/office")).json;
    assert(s.hours.length === 7 && s.hours[0].open === "09:00" && s.hours[0].close === "17:00", `hours stored: ${JSON.stringify(s.hours)}`);
    assert(s.holidays[0].date === today && s.web_chat === true, `holiday and web chat stored: ${JSON.stringify(s)}`);
    const badge = await page.textContent("#hours-edit .hours-state");
    assert(badge.includes(`opens ${s.status.next_open_local}`) && /09:00 CES?T/.test(badge), `next opening in Paris time: ${badge}`);
    await both(page, "hours-edit");

    await page.click('#hours-edit a[href="#hours"]');
    await page.waitForSelector("#hours-list");
    const row = await page.textContent("#hours-list tbody tr");
    assert(row.includes("Europe/Paris") && row.includes("Closed (holiday") && row.includes("Shown in web chat"), `list row: ${row}`);
    await both(page, "hours-list");
  });

  await scenario("the web chat shows the office closed with the next opening in its time", async () => {
    const { page: chat, ctx: chatCtx } = await context(browser, "hours-chat");
    await chat.setViewportSize(PHONE);
    await chat.goto(`${t.BASE}/chat`);
    const st = (await rest("GET", "/v1/Schedules/office/Status")).json;
    await chat.waitForSelector("#chat-hours:not(.hidden)");
    const line = await chat.textContent("#chat-hours");
    assert(line.includes("We're closed right now.") && line.includes(`We open again ${st.next_open_local}.`), `closed line: ${line}`);
    assert(await chat.isVisible("#chat-start"), "the customer can still leave a message");
    await both(chat, "hours-chat-closed");

    // Deleted in the console: the chat shows no hours line after a reload.
    await page.goto(`${t.BASE}/admin#hours/office`);
    await page.waitForSelector("#hours-delete");
    await page.click("#hours-delete");
    await waitFor("deleted", async () => (await page.textContent("#toast")).includes("Schedule office deleted"));
    await page.waitForSelector("#hours-new");
    await chat.reload();
    await chat.waitForSelector("#chat-start:not(.hidden)");
    await waitFor("no hours line", async () => !(await chat.isVisible("#chat-hours")));
    await chatCtx.close();
  });
  await ctx.close();
}
