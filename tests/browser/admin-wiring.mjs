// Flex Flows wiring (issue 16 item 2): a number connected to a Studio flow from the console by
// name, the handler list saying which address goes where, and refused input kept and explained.
import { signIn } from "./admin-studio.mjs";

export async function wiringScenarios(t) {
  const { scenario, assert, waitFor, shot, rest } = t;
  await scenario("admin wires a number to a Studio flow by name; a taken or missing address is explained", async () => {
    const def = { description: "wired", initial_state: "Trigger", flags: { allow_concurrent_calls: true }, states: [
      { name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } }, transitions: [{ event: "incomingMessage", next: "hello" }] },
      { name: "hello", type: "send-message", properties: { offset: { x: 0, y: 200 }, body: "Hello from the wired flow" }, transitions: [{ event: "sent" }, { event: "failed" }] }] };
    const flow = await rest("POST", "/v2/Flows", { FriendlyName: "Wired number flow", Status: "published", Definition: JSON.stringify(def) });
    assert(flow.status === 200 || flow.status === 201, `flow created: ${JSON.stringify(flow.json)}`);
    for (const [size, suffix] of [[{ width: 1366, height: 768 }, "1366"], [{ width: 390, height: 844 }, "390"]]) {
      const { page, ctx } = await signIn(t, `wiring-${suffix}`, size);
      page.allowConsole = [/status of 4(00|09)/];
      await page.goto(`${t.BASE}/admin#flexflows`);
      await page.waitForSelector("#wire-form");
      if (suffix === "390") {
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        await shot(page, "admin-wiring-390");
        assert(wide <= 392, `the Flex Flows page is ${wide}px wide at 390`);
        await ctx.close();
        continue;
      }
      const routes = await page.locator("#flexflows .route").allTextContents();
      assert(routes.some((r) => /SMS to any number → Studio flow "/.test(r)), `the seeded SMS handler reads as a route: ${routes}`);
      assert(!routes.some((r) => /FW|FO|WW/.test(r)), `no SIDs in the routes: ${routes}`);
      // Missing address: said at the field, nothing sent.
      await page.fill("#wire-name", "Main number");
      await page.selectOption("#wire-flow", { label: "Wired number flow" });
      await page.click("#wire-save");
      await waitFor("the missing address", async () => /Give the number/.test(await page.textContent('p.error[data-for="wire-identity"]')));
      // The seeded handler already takes "any number": the server's 409 is explained without SIDs.
      await page.fill("#wire-identity", "*");
      await page.click("#wire-save");
      await waitFor("the conflict", async () => /"Flex Messaging Channel Flow" already takes SMS to any number. Switch it off/.test(await page.textContent("#wire-errors")));
      assert(await page.inputValue("#wire-name") === "Main number", "what was typed is kept");
      await page.fill("#wire-identity", "+15550009999");
      await waitFor("the preview", async () => (await page.textContent("#wire-preview")) === 'SMS to +15550009999 → Studio flow "Wired number flow"');
      await shot(page, "admin-wiring-form");
      await page.click("#wire-save");
      await page.waitForSelector('#flexflows .route:text("SMS to +15550009999")');
      const made = (await rest("GET", "/v1/FlexFlows")).json.flex_flows.find((f) => f.contact_identity === "+15550009999");
      assert(made && made.integration.flow_sid === flow.json.sid && made.enabled && made.channel_type === "sms", `wired: ${JSON.stringify(made)}`);
      // Change it to go straight to agents through a workflow chosen by name.
      await page.click(`#flexflows tr[data-sid="${made.sid}"] a`);
      await page.waitForSelector('#wire h2:text("Change")');
      await page.selectOption("#wire-kind", "task");
      await page.selectOption("#wire-workflow", { label: "Assign to Anyone" });
      await page.click("#wire-save");
      await page.waitForSelector(`#flexflows tr[data-sid="${made.sid}"] .route:text('through workflow "Assign to Anyone"')`);
      const changed = (await rest("GET", `/v1/FlexFlows/${made.sid}`)).json;
      assert(changed.integration_type === "task" && /^WW/.test(changed.integration.workflow_sid), `task integration: ${JSON.stringify(changed)}`);
      await shot(page, "admin-wiring-1366");
      await rest("DELETE", `/v1/FlexFlows/${made.sid}`);
      await ctx.close();
    }
  });
}
