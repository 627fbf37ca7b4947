// Studio in the admin console: the flows list, the flow editor (studio-editor.mjs: a canvas,
// palette, properties panel and validation as you type), revisions, and executions with their
// steps and context. Talks to Twilio's Studio v2 shapes (/v2/Flows…).
import { api, el, h, listAll, pretty, toast, follow, ApiError, when as at } from "/static/common.mjs";
import { editor } from "/static/studio-editor.mjs";

export async function view(root, ctx, [sid, sub, subSid]) {
  if (!sid) return list(root);
  if (sub === "executions" && subSid) {
    await execution(root, sid, subSid);
    // New steps appear as they happen (the feed parks until the execution records something).
    ctx.stop.push(follow("/admin/api/events", subSid, async () => {
      const fresh = document.createElement("div");
      await execution(fresh, sid, subSid);
      root.replaceChildren(...fresh.children);
    }));
    return;
  }
  return editorView(root, ctx, sid === "new" ? null : sid);
}

async function list(root) {
  const flows = await listAll("/v2/Flows", "flows");
  const tbody = h("tbody");
  for (const f of flows) {
    tbody.append(h("tr", {},
      h("td", {}, h("a", { href: `#studio/${f.sid}`, text: f.friendly_name })),
      el("td", f.status, `badge ${f.status}`), el("td", f.revision), el("td", f.valid === false ? "invalid" : "valid"),
      el("td", when(f.date_updated), "muted")));
  }
  root.append(h("section", { class: "card" },
    h("div", { class: "row" }, el("h2", "Studio flows"), h("span", { class: "spacer" }), h("a", { class: "button", href: "#studio/new", id: "new-flow", text: "New flow" })),
    flows.length ? h("table", { id: "flows" }, h("thead", {}, h("tr", {}, ...["Name", "Status", "Revision", "Valid", "Updated"].map((t) => el("th", t)))), tbody)
      : el("p", "No flows yet.", "muted")));
}

/** A date as the person's clock shows it. */
function when(iso) {
  return at(iso, "full");
}

async function editorView(root, ctx, sid) {
  const after = async (flow) => {
    await revisions(root, flow.sid, ed);
    await executions(root, flow.sid);
  };
  const ed = await editor(root, ctx, sid, after);
  if (sid) await after({ sid });
}

async function revisions(root, sid, ed) {
  const revs = await listAll(`/v2/Flows/${sid}/Revisions`, "revisions", 200);
  const tbody = h("tbody");
  for (const r of revs) {
    tbody.append(h("tr", {}, el("td", r.revision), el("td", r.status), el("td", r.commit_message || ""), el("td", when(r.date_updated || r.date_created), "muted"),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: async () => {
        const full = await api("GET", `/v2/Flows/${sid}/Revisions/${r.revision}`);
        ed.load(full.definition, `loaded revision ${r.revision}`);
        toast(`Revision ${r.revision} is on the canvas; save to make it current (Undo goes back).`);
      } }, "Load"))));
  }
  root.append(h("section", { class: "card after-editor", id: "revisions" }, el("h2", "Revisions"),
    h("table", {}, h("thead", {}, h("tr", {}, ...["#", "Status", "Commit message", "Date", ""].map((t) => el("th", t)))), tbody)));
}

async function executions(root, sid) {
  let list;
  try {
    list = await listAll(`/v2/Flows/${sid}/Executions`, "executions", 100);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    root.append(h("section", { class: "card after-editor", id: "executions" }, el("h2", "Executions"), el("p", `Not available: ${e.message}`, "muted")));
    return;
  }
  const tbody = h("tbody");
  for (const x of list) {
    tbody.append(h("tr", {}, h("td", {}, h("a", { href: `#studio/${sid}/executions/${x.sid}`, text: when(x.date_created), title: x.sid })),
      el("td", x.contact_channel_address || ""), el("td", x.status, `badge ${x.status}`)));
  }
  root.append(h("section", { class: "card after-editor", id: "executions" }, el("h2", "Executions"),
    list.length ? h("table", {}, h("thead", {}, h("tr", {}, ...["Started", "Contact", "Status"].map((t) => el("th", t)))), tbody) : el("p", "No executions yet.", "muted")));
}

async function execution(root, flowSid, sid) {
  const base = `/v2/Flows/${flowSid}/Executions/${sid}`;
  const [x, steps, context] = await Promise.all([api("GET", base), listAll(`${base}/Steps`, "steps", 1000), api("GET", `${base}/Context`).catch(() => ({ context: {} }))]);
  const tbody = h("tbody");
  for (const s of steps.slice().reverse()) {
    const ctxCell = h("td");
    const more = h("button", { type: "button", class: "link", onclick: async () => {
      const c = await api("GET", `${base}/Steps/${s.sid}/Context`);
      ctxCell.replaceChildren(el("pre", pretty(c.context)));
    } }, "context");
    ctxCell.append(more);
    tbody.append(h("tr", {}, el("td", when(s.date_created), "muted"), el("td", s.transitioned_from || ""), el("td", s.name || ""), el("td", s.transitioned_to || ""), ctxCell));
  }
  root.append(
    h("section", { class: "card" }, h("div", { class: "row" }, h("a", { href: `#studio/${flowSid}`, text: "← Flow" }), el("h2", `Execution started ${when(x.date_created)}${x.contact_channel_address ? ` by ${x.contact_channel_address}` : ""}`), el("span", x.status, `badge ${x.status}`)),
      h("table", { id: "steps" }, h("thead", {}, h("tr", {}, ...["When", "From", "Event", "To", ""].map((t) => el("th", t)))), tbody)),
    h("section", { class: "card" }, el("h2", "Context"), el("pre", pretty(context.context), "context")));
}
