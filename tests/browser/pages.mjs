// The pages in headless Chromium, scenario by scenario (run by tests/browser.rs against the real
// binary): the admin console, the agent desktop and the customer web chat.
import { launch, context, shot, rest, assert, waitFor, scenario, finish, skip, BASE, SID, TOKEN, OTHER_ORIGIN } from "./harness.mjs";
import { adminScenarios } from "./admin.mjs";
import { chatScenarios } from "./chat.mjs";
import { agentScenarios } from "./agent.mjs";
import { customerChatScenarios } from "./chat-customer.mjs";
import { agentDeskScenarios } from "./agentdesk.mjs";
import { hoursScenarios } from "./hours.mjs";
import { studioCanvasScenarios } from "./admin-studio.mjs";
import { wiringScenarios } from "./admin-wiring.mjs";
import { agentDeskTransferScenarios } from "./agentdesk-transfer.mjs";
import { agentDeskToolsScenarios } from "./agentdesk-tools.mjs";
import { agentDeskBeyondScenarios } from "./agentdesk-beyond.mjs";
import { customerWaitScenarios } from "./chat-customer-wait.mjs";
import { agentDeskLiveScenarios } from "./agentdesk-live.mjs";
import { floorScenarios } from "./admin-floor.mjs";
import { transcriptScenarios } from "./admin-floor-transcripts.mjs";
import { usersScenarios } from "./admin-users.mjs";
import { reportsScenarios } from "./admin-reports.mjs";
import { consoleScenarios } from "./admin-console.mjs";

const browser = await launch();
try {
  await scenario("pages answer with a CSP and no outside references", async () => {
    for (const path of ["/admin", "/agent", "/chat"]) {
      const res = await fetch(BASE + path);
      assert(res.status === 200, `${path} answers 200`);
      const csp = res.headers.get("content-security-policy") || "";
      assert(csp.includes("script-src 'self'"), `${path} has a CSP`);
      const html = await res.text();
      assert(!/https?:\/\//.test(html.replace(/http:\/\/www\.w3\.org\/[^"]*/g, "")), `${path} names no outside host`);
    }
  });
  await scenario("the embeddable snippet opens the chat in an iframe on another page", async () => {
    const { page, ctx } = await context(browser, "embed");
    // The office's site: another origin (the same server named localhost), with the snippet on it.
    await page.goto(`${OTHER_ORIGIN}/healthz`);
    await page.setContent(`<!doctype html><title>The office</title><h1>Our office</h1><script src="${BASE}/chat/embed.js"></script>`);
    await page.click("text=Chat with us");
    const frame = await (await page.waitForSelector("iframe")).contentFrame();
    await frame.waitForSelector("#chat-start:not(.hidden)");
    assert(await frame.evaluate(() => document.body.classList.contains("embedded")), "compact layout in the iframe");
    await shot(page, "chat-embedded");
    await ctx.close();
  });
  // SCENARIOS=adminScenarios,floorScenarios runs just those groups (while working on a page);
  // the test runs them all, in this order.
  const only = (process.env.SCENARIOS || "").split(",").filter(Boolean);
  const groups = [adminScenarios, studioCanvasScenarios, wiringScenarios, agentScenarios, chatScenarios, customerChatScenarios,
    agentDeskScenarios, hoursScenarios, agentDeskTransferScenarios, agentDeskBeyondScenarios, agentDeskToolsScenarios, customerWaitScenarios,
    agentDeskLiveScenarios,
    // Last: their agents match every queue (they end offline).
    floorScenarios, transcriptScenarios, usersScenarios,
    // It sets the office's time zone (and puts back the machine's at its end).
    consoleScenarios,
    // After every other: it moves the server's clock.
    reportsScenarios];
  for (const group of groups) {
    if (only.length && !only.includes(group.name)) continue;
    await group({ browser, context, shot, rest, assert, waitFor, scenario, skip, BASE, SID, TOKEN });
  }
} finally {
  await browser.close();
  finish();
}
