// The admin console's office settings and routing forms (issue 16 items 3 and 4) in headless
// Chromium: the office's time zone chosen on the first-run checklist (the browser in another
// zone) and a task's time then shown in the office's zone; the Settings page; a bad zone refused
// with the server's words; the agent desk's My work in the office's zone too. A queue built with its rules only (no expression typed): the preview
// names the agents the server's evaluator matches, an expression typed by hand is checked as it
// is typed and read back into rules, and a real task of the queue goes to an agent it named.
// Desktop (1366x768) and phone (390x844) shots.
import { quietFloor } from "./harness.mjs";

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

    await scenario("the agent desk shows times in the office's zone too (My work)", async () => {
      const { offline, available } = await quietFloor();
      const w = ok(await rest("POST", `${base}/Workers`, { FriendlyName: "tz-tia", ActivitySid: available, Attributes: JSON.stringify({ full_name: "Tia Zone", contact_uri: "client:tz-tia", routing: { skills: ["zone-test"] } }) }), "worker");
      ok(await rest("POST", `/admin/api/workers/${w.sid}/password`, { Password: "tia-password" }), "password");
      const q = ok(await rest("POST", `${base}/TaskQueues`, { FriendlyName: "Zone desk", TargetWorkers: 'routing.skills HAS "zone-test"' }), "queue");
      const wf = ok(await rest("POST", `${base}/Workflows`, { FriendlyName: "Zone only", Configuration: JSON.stringify({ task_routing: { default_filter: { queue: q.sid } } }) }), "workflow");
      const desk = await context(browser, "console-desk-zone", { timezoneId: "America/Los_Angeles" });
      try {
        const task = ok(await rest("POST", `${base}/Tasks`, { WorkflowSid: wf.sid, Attributes: JSON.stringify({ customer_name: "Zed Zone" }) }), "task");
        const res = await waitFor("the offer", async () => ok(await rest("GET", `${base}/Tasks/${task.sid}/Reservations`), "reservations").reservations[0]);
        ok(await rest("POST", `${base}/Tasks/${task.sid}/Reservations/${res.sid}`, { ReservationStatus: "accepted" }), "accept");
        ok(await rest("POST", `${base}/Tasks/${task.sid}`, { AssignmentStatus: "wrapping" }), "wrap");
        ok(await rest("POST", `${base}/Tasks/${task.sid}`, { AssignmentStatus: "completed", Reason: "done" }), "complete");
        const a = desk.page;
        await a.goto(`${t.BASE}/agent`);
        await a.fill("#worker", "tz-tia");
        await a.fill("#password", "tia-password");
        await a.click("#login-form button");
        await a.waitForSelector("#desk:not(.hidden)");
        await a.click("#my-work");
        const item = a.locator(`#history .work-item[data-task="${task.sid}"]`);
        await item.waitFor();
        const shown = await item.locator(".history-head .muted").textContent();
        const [tokyo, la] = await a.evaluate(async (sid) => {
          const finished = (await (await fetch("/agent/api/history")).json()).tasks.find((x) => x.task_sid === sid).date_finished;
          return ["Asia/Tokyo", "America/Los_Angeles"].map((tz) =>
            new Date(finished).toLocaleString([], { timeZone: tz, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }));
        }, task.sid);
        assert(shown === tokyo && shown !== la, `My work in the office's zone: shown ${shown}, Tokyo ${tokyo}, browser ${la}`);
        await shot(a, "console-desk-office-zone");
      } finally {
        await rest("POST", `${base}/Workers/${w.sid}`, { ActivitySid: offline });
        await desk.ctx.close();
      }
    });

    await scenario("a queue built with rules only: the preview names the agents, and a task of the queue goes to one of them", async () => {
      const { offline, available } = await quietFloor();
      const made = [];
      for (const [name, full, a] of [["qb-ana", "Ana Returns", { routing: { skills: ["returns"] }, languages: ["es"], level: 4 }],
        ["qb-ben", "Ben Returns", { routing: { skills: ["returns", "billing"] }, languages: ["en"], level: 2 }],
        ["qb-cy", "Cy Billing", { routing: { skills: ["billing"] }, languages: ["es"], level: 5 }],
        ["qb-dee", "Dee Junior", { routing: { skills: ["returns"] }, languages: ["en"], level: 1 }]]) {
        made.push(ok(await rest("POST", `${base}/Workers`, { FriendlyName: name, ActivitySid: offline, Attributes: JSON.stringify({ ...a, full_name: full, contact_uri: `client:${name}` }) }), name));
      }
      const [ana, , cy] = made;
      let task = null;
      try {
        await page.goto(`${t.BASE}/admin#queues`);
        await page.waitForSelector("#queue-form-who");
        await page.fill("#queue-form-name", "Returns desk");
        await page.selectOption("#queue-form-who", "AND");
        const rule = (i) => page.locator(`.qb-rule[data-index="${i}"]`);
        // The attributes offered are the ones the workers have.
        const offered = await rule(0).locator("select.qb-attr option").allTextContents();
        assert(["Skills", "Languages", "Level"].every((x) => offered.includes(x)) && !offered.includes("contact_uri"), `attributes: ${offered}`);
        await rule(0).locator(".qb-value").fill("returns");
        await page.click("#queue-form-add-rule");
        await rule(1).locator("select.qb-attr").selectOption({ label: "Level" });
        assert((await rule(1).locator("select.qb-op").inputValue()) === "ge", "a level is compared as at least");
        await rule(1).locator(".qb-value").fill("2");
        await waitFor("the preview", async () => (await page.textContent("#queue-form-preview")).includes("Matches 2 agents: Ana Returns, Ben Returns."));
        assert((await page.inputValue("#queue-form-expression")) === 'routing.skills HAS "returns" AND level >= 2', `the expression written: ${await page.inputValue("#queue-form-expression")}`);
        await both(page, "console-queue-builder");

        // By hand: checked as it is typed, in the evaluator's words; read back into rules.
        page.allowConsole = [/status of 400/];
        await page.click("#queue-form-advanced summary");
        await page.fill("#queue-form-expression", "routing.skills HAS");
        await waitFor("the evaluator's message", async () => /not a valid expression/.test(await page.textContent("#queue-form-preview")));
        assert((await page.locator(".qb-rule").count()) === 0 && (await page.textContent("#queue-form-beyond")).includes("used as written"), "the rules step aside");
        await shot(page, "console-queue-builder-error");
        page.allowConsole = [];
        await page.fill("#queue-form-expression", 'routing.skills HAS "returns" OR languages IN ["es"]');
        await waitFor("the rules again", async () => (await page.locator(".qb-rule").count()) === 2);
        assert((await page.inputValue("#queue-form-who")) === "OR" && (await rule(1).locator(".qb-value").inputValue()) === "es", "read back into rules");
        await waitFor("the preview again", async () => (await page.textContent("#queue-form-preview")).includes("Matches 4 agents"));
        // Back to the rules' own: Skills has returns and Level at least 2.
        await page.selectOption("#queue-form-who", "AND");
        await rule(1).locator("select.qb-attr").selectOption({ label: "Level" });
        await rule(1).locator(".qb-value").fill("2");
        await waitFor("the two agents", async () => (await page.textContent("#queue-form-preview")).includes("Matches 2 agents: Ana Returns, Ben Returns."));
        await page.click("#queue-form-save");
        await page.waitForSelector('#queues tr[data-queue="Returns desk"]');
        assert((await page.textContent('#queues tr[data-queue="Returns desk"]')).includes("Skills has returns and Level is at least 2"), "the list says it in words");
        const queue = ok(await rest("GET", `${base}/TaskQueues?FriendlyName=${encodeURIComponent("Returns desk")}`), "queue").task_queues[0];
        assert(queue.target_workers === 'routing.skills HAS "returns" AND level >= 2', `saved: ${queue.target_workers}`);

        // Opened again: the same rules.
        await page.click('#queues a:text("Returns desk")');
        await waitFor("the saved rules", async () => (await page.locator(".qb-rule").count()) === 2);
        assert((await rule(0).locator(".qb-value").inputValue()) === "returns", "the saved rule");

        // A real task: Ana (matched) and Cy (not matched) are available; Ana is offered it.
        const wf = ok(await rest("POST", `${base}/Workflows`, { FriendlyName: "Returns only", Configuration: JSON.stringify({ task_routing: { default_filter: { queue: queue.sid } } }) }), "workflow");
        for (const w of [ana, cy]) ok(await rest("POST", `${base}/Workers/${w.sid}`, { ActivitySid: available }), "available");
        task = ok(await rest("POST", `${base}/Tasks`, { WorkflowSid: wf.sid, Attributes: '{"topic":"a return"}' }), "task");
        const res = await waitFor("the reservation", async () => ok(await rest("GET", `${base}/Tasks/${task.sid}/Reservations`), "reservations").reservations[0]);
        assert(res.worker_sid === ana.sid, `the task went to ${res.worker_name}, one the preview named`);
      } finally {
        if (task) await rest("POST", `${base}/Tasks/${task.sid}`, { AssignmentStatus: "canceled", Reason: "test over" });
        for (const w of made) await rest("POST", `${base}/Workers/${w.sid}`, { ActivitySid: offline });
      }
    });
  } finally {
    // The later groups read times in the machine's zone, as before.
    await rest("POST", "/admin/api/office", { TimeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC" });
    await ctx.close();
  }
}
