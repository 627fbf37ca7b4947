// Studio in the admin console: the flows list, the flow editor (studio-editor.mjs: a canvas,
// palette, properties panel and validation as you type), revisions, and executions with their
// steps and context. Talks to Twilio's Studio v2 shapes (/v2/Flows…).
import { api, el, h, listAll, pretty, toast, follow, ApiError, when as at } from "/static/common.mjs";
import { editor } from "/static/studio-editor.mjs";
import { diffRevisions } from "/static/studio-diff.mjs";
import { labelOf } from "/static/studio-widgets.mjs";

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
  // The revision customers' executions run: the latest one saved as published.
  const published = revs.filter((r) => r.status === "published").reduce((m, r) => Math.max(m, r.revision), 0) || null;
  const latest = revs.reduce((m, r) => Math.max(m, r.revision), 0);
  const tbody = h("tbody");
  for (const r of revs) {
    const marks = [];
    if (r.revision === published) marks.push(el("span", "published: customers run this", "badge published"));
    if (r.revision === latest && latest !== published) marks.push(el("span", "latest", "badge draft"));
    tbody.append(h("tr", { dataset: { revision: r.revision } }, el("td", r.revision), h("td", {}, el("span", r.status, "muted"), " ", ...marks), el("td", r.commit_message || ""), el("td", when(r.date_updated || r.date_created), "muted"),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: async () => {
        const full = await api("GET", `/v2/Flows/${sid}/Revisions/${r.revision}`);
        ed.load(full.definition, `loaded revision ${r.revision}`);
        toast(`Revision ${r.revision} is on the canvas; save to make it current (Undo goes back).`);
      } }, "Load"), " ", h("button", { type: "button", class: "secondary", title: `Chat with revision ${r.revision} as a customer`, dataset: { test: r.revision }, onclick: () => ed.testRun(r.revision) }, "Test"))));
  }
  const pick = (id, label, value) => h("label", {}, label, h("select", { id }, ...revs.map((r) => h("option", { value: r.revision, selected: r.revision === value },
    `${r.revision}${r.revision === published ? " (published)" : ""}${r.commit_message ? ` — ${r.commit_message.slice(0, 40)}` : ""}`))));
  // What to compare first: what customers run against the newest, else the newest two.
  const newer = latest, older = published && published !== latest ? published : Math.max(1, latest - 1);
  const diffBox = h("div", { id: "revision-diff", "aria-live": "polite" });
  const from = pick("diff-from", "Compare revision ", older), to = pick("diff-to", " with ", newer);
  const show = async () => {
    const [a, b] = [from.querySelector("select").value, to.querySelector("select").value];
    try {
      const [ra, rb] = await Promise.all([api("GET", `/v2/Flows/${sid}/Revisions/${a}`), api("GET", `/v2/Flows/${sid}/Revisions/${b}`)]);
      drawDiff(diffBox, ra, rb);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      diffBox.replaceChildren(el("p", `Could not compare: ${e.message}`, "error"));
    }
  };
  const form = h("div", { class: "row diff-form" }, from, to, h("button", { type: "button", class: "secondary", id: "diff-show", onclick: show }, "Show changes"));
  root.append(h("section", { class: "card after-editor", id: "revisions" }, el("h2", "Revisions"),
    el("p", published ? `Customers' chats and calls run revision ${published}. Drafts saved after it run only in a test run.` : "No revision is published yet: customers' chats and calls don't run this flow. A test run runs a draft.", "muted"),
    h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, ...["#", "Status", "Commit message", "Date", ""].map((t) => el("th", t)))), tbody)),
    revs.length > 1 ? form : el("p", "Save another revision to compare it with this one.", "muted"), diffBox));
}

/** The changes from revision `ra` to `rb` in words, widget by widget. */
function drawDiff(box, ra, rb) {
  const d = diffRevisions(ra, rb);
  const title = el("h3", `Revision ${ra.revision} → ${rb.revision}`);
  if (!d.widgets.length && !d.flow.length) return box.replaceChildren(title, el("p", "No changes: the two revisions are the same flow.", "muted"));
  const words = { added: "added", removed: "removed", renamed: "renamed", changed: "changed" };
  const items = d.widgets.map((w) => h("li", { class: `diff-${w.kind}`, dataset: { widget: w.name, kind: w.kind } },
    h("strong", {}, w.kind === "renamed" ? `${w.was} → ${w.name}` : w.name), " ", el("span", `${words[w.kind]} · ${labelOf(w.type)}`, `badge diff-${w.kind}`),
    w.changes.length ? h("ul", {}, ...w.changes.map((c) => el("li", c))) : ""));
  box.replaceChildren(title,
    d.flow.length ? h("div", { class: "diff-flow" }, el("h4", "The flow"), h("ul", {}, ...d.flow.map((c) => el("li", c)))) : "",
    d.widgets.length ? h("ul", { class: "diff-widgets" }, ...items) : "");
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
      el("td", /^test-/.test(x.contact_channel_address || "") ? "Test run (from the editor)" : x.contact_channel_address || ""), el("td", x.status, `badge ${x.status}`)));
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
