// The dashboard's first-run checklist (issue 16 item 4): what a new office does next, each step
// checked from the appliance's own state and linked to the page that does it (the office's time
// zone is chosen right here). It goes away once every step is done.
import { api, el, h, listAll } from "/static/common.mjs";
import { zoneForm, redraw } from "/static/admin-settings.mjs";

export async function checklist(ctx) {
  const ws = await ctx.workspace().catch(() => null);
  const [workers, flex, office] = await Promise.all([
    ws ? listAll(`/v1/Workspaces/${ws}/Workers`, "workers").catch(() => []) : [],
    listAll("/v1/FlexFlows", "flex_flows").catch(() => []),
    api("GET", "/admin/api/office").catch(() => ({ time_zone_set: true })),
  ]);
  const withPassword = (await Promise.all(workers.map((w) => api("GET", `/admin/api/workers/${w.sid}/password`).then((r) => r.password_set).catch(() => false)))).filter(Boolean).length;
  const number = flex.some((f) => f.enabled && f.channel_type !== "web" && /^\+/.test(f.contact_identity || ""));
  const zoned = office.time_zone_set;
  const steps = [
    [zoned, "Set the office's time zone", "#settings", zoned ? `times are shown in ${office.time_zone}` : "so the console and every agent's desk show the same times"],
    [workers.length > 0, "Add an agent", "#workers", workers.length ? `${workers.length} worker(s)` : "Workers page: a name, skills and languages"],
    [withPassword > 0, "Set the agent's password", "#workers", withPassword ? `${withPassword} can sign in` : "on the worker's page"],
    [false, "Open the agent desktop", "/agent", "the agent signs in at /agent with their name and password"],
    [false, "Try the customer chat", "/chat", "write as a customer: the bot answers, then an agent"],
    [number, "Connect your carrier number", "#flexflows", number ? "a number is wired" : "Flex Flows: the number and the flow it starts"],
  ];
  const open = steps.filter(([done]) => !done);
  if (zoned && workers.length && withPassword && number) return null;
  // Once chosen, the page is drawn again, its times in the office's zone (an admin's to choose).
  const zone = zoned || ctx.role !== "admin" ? null : zoneForm("first-run-zone", null, redraw);
  return h("section", { class: "card", id: "first-run" }, el("h2", "Getting started"),
    el("p", `${steps.length - open.length} of ${steps.length} done. Each step links to where it is done.`, "muted"),
    h("ol", { class: "checklist" }, ...steps.map(([done, text, href, note]) => h("li", { class: done ? "done" : "" },
      h("a", { href, target: href.startsWith("/") ? "_blank" : null, rel: href.startsWith("/") ? "noopener" : null, text }), " ", el("span", done ? `✓ ${note}` : note, done ? "ok" : "muted"),
      href === "#settings" ? zone : null))));
}
