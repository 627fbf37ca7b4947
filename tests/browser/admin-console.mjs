// The admin console's office settings and routing forms (issue 16 items 3 and 4) in headless
// Chromium: the office's time zone chosen on the first-run checklist (the browser in another
// zone) and a task's time then shown in the office's zone; the Settings page; a bad zone refused
// with the server's words. Desktop (1366x768) and phone (390x844) shots.

export async function consoleScenarios(t) {
  const { browser, context, shot, rest, assert, waitFor, scenario } = t;
  const ok = (r, what) => { assert(r.status < 300, `${what}: ${r.status} ${JSON.stringify(r.json)}`); return r.json; };
  const ws = ok(await rest("GET", "/v1/Workspaces"), "workspaces").workspaces.find((w) => w.friendly_name === "Flex Task Assignment").sid;
  const base = `/v1/Workspaces/${ws}`;
  const both = async (page, name) => {
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, `${name}-desktop`);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, `${name}-phone`);
    const wide = await page.evaluate(() => {
      const over = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 391).slice(0, 3).map((e) => `${e.tagName}#${e.id}.${e.className}`);
      return { width: document.documentElement.scrollWidth, over };
    });
    assert(wide.width <= 390, `${name}: no sideways scroll on a phone (${wide.width}px: ${wide.over.join(", ")})`);
    await page.setViewportSize({ width: 1366, height: 768 });
  };

  // The office is in Tokyo; this browser is in Los Angeles (17 hours apart, never the same hour).
  const { page, ctx } = await context(browser, "console-office", { timezoneId: "America/Los_Angeles" });
  const signIn = async () => {
    await page.goto(`${t.BASE}/admin`);
    await page.fill("#sid", t.SID);
    await page.fill("#token", t.TOKEN);
    await page.click("#login-form button");
    await page.waitForSelector("#console:not(.hidden)");
  };
  const office = ok(await rest("GET", "/admin/api/office"), "office");
  try {
    await scenario("the office's time zone is chosen on the first-run checklist, and a task's time is shown in it", async () => {
      assert(!office.time_zone_set, `no zone set before this scenario: ${JSON.stringify(office)}`);
      await signIn();
      await page.goto(`${t.BASE}/admin#dashboard`);
      await page.waitForSelector("#first-run-zone-tz");
      // The first time, the browser's own zone is offered.
      assert((await page.inputValue("#first-run-zone-tz")) === "America/Los_Angeles", "the browser's zone is offered");
      assert((await page.textContent("#first-run-zone-now")).includes("there now"), "the time there is shown");
      await both(page, "console-first-run-zone");
      await page.fill("#first-run-zone-tz", "Asia/Tokyo");
      await waitFor("the time in Tokyo", async () => /GMT\+9|JST/.test(await page.textContent("#first-run-zone-now")));
      await page.click("#first-run-zone button");
      await page.waitForSelector('.toast:text("Asia/Tokyo")');
      await waitFor("the step done", async () => (await page.textContent("#first-run")).includes("✓ times are shown in Asia/Tokyo"));
      assert(ok(await rest("GET", "/admin/api/office"), "office").time_zone === "Asia/Tokyo", "stored on the server");

      // A task: its time on the Tasks page is Tokyo's, not the browser's.
      const wf = ok(await rest("GET", `${base}/Workflows`), "workflows").workflows[0].sid;
      const task = ok(await rest("POST", `${base}/Tasks`, { WorkflowSid: wf, Attributes: '{"zone":"test"}' }), "task");
      try {
        await page.goto(`${t.BASE}/admin#tasks`);
        const row = page.locator("#tasks tr", { has: page.locator(`a[data-task="${task.sid}"]`) });
        await row.waitFor();
        const shown = await row.locator("td").nth(4).textContent();
        const [tokyo, la] = await page.evaluate((iso) => {
          const d = new Date(iso);
          const inZone = (tz) => {
            const day = (x) => new Intl.DateTimeFormat("en-CA", { timeZone: tz }).format(x);
            return day(d) === day(new Date()) ? d.toLocaleTimeString([], { timeZone: tz, hour: "2-digit", minute: "2-digit" })
              : d.toLocaleString([], { timeZone: tz, dateStyle: "medium", timeStyle: "short" });
          };
          return [inZone("Asia/Tokyo"), inZone("America/Los_Angeles")];
        }, task.date_created);
        assert(shown === tokyo && shown !== la, `the task's time in the office's zone: shown ${shown}, Tokyo ${tokyo}, browser ${la}`);
        assert((await row.locator("a").textContent()).includes(tokyo), "the task's name uses the office's time too");
        await both(page, "console-tasks-office-zone");
      } finally {
        await rest("POST", `${base}/Tasks/${task.sid}`, { AssignmentStatus: "canceled", Reason: "test over" });
      }
    });

    await scenario("the Settings page shows and changes the office's zone; an unknown one is refused in the server's words", async () => {
      await page.goto(`${t.BASE}/admin#settings`);
      await page.waitForSelector("#office-zone-tz");
      assert((await page.inputValue("#office-zone-tz")) === "Asia/Tokyo", "the office's zone in the field");
      const state = await page.textContent("#office-settings");
      assert(state.includes("shown in Asia/Tokyo") && state.includes("This browser is in America/Los_Angeles"), `says where times are from: ${state}`);
      page.allowConsole = [/status of 400/];
      await page.fill("#office-zone-tz", "Mars/Olympus_Mons");
      assert((await page.textContent("#office-zone-now")).includes("Not a zone of the list"), "told while typing");
      await page.click("#office-zone button");
      await waitFor("the refusal", async () => (await page.textContent("#office-zone-error")).includes("choose one from the list"));
      assert((await page.inputValue("#office-zone-tz")) === "Mars/Olympus_Mons", "what was typed is kept");
      await both(page, "console-settings-zone-error");
      page.allowConsole = [];
      assert(ok(await rest("GET", "/admin/api/office"), "office").time_zone === "Asia/Tokyo", "nothing changed");
      // The change is in the audit log.
      const log = ok(await rest("GET", "/admin/api/audit?What=setting"), "audit").entries;
      assert(log.some((e) => e.details.includes("time zone → Asia/Tokyo")), `audited: ${JSON.stringify(log.slice(0, 3))}`);
    });
  } finally {
    // The later groups read times in the machine's zone, as before.
    await rest("POST", "/admin/api/office", { TimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" });
    await ctx.close();
  }
}
