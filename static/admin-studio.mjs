// Studio in the admin console: the flows list, the JSON editor with live validation (errors shown
// at the state they concern, and marked on the picture), publish, revisions, the flow as a picture,
// and executions with their steps and context. Talks to Twilio's Studio v2 shapes (/v2/Flows…).
import { api, el, h, listAll, pretty, toast, follow, ApiError } from "/static/common.mjs";
import { renderSvg } from "/static/flowgraph.mjs";

const STARTER = {
  description: "A new flow",
  states: [
    { name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } },
      transitions: [{ event: "incomingMessage", next: "greet" }, { event: "incomingCall" }, { event: "incomingConversationMessage", next: "greet" }, { event: "incomingRequest" }, { event: "incomingParent" }] },
    { name: "greet", type: "send-message", properties: { offset: { x: 0, y: 200 }, body: "Hi! An agent will be with you shortly.", from: "{{flow.channel.address}}", to: "{{contact.channel.address}}" },
      transitions: [{ event: "sent", next: "to_agent" }, { event: "failed" }] },
    { name: "to_agent", type: "send-to-flex", properties: { offset: { x: 0, y: 400 }, workflow: "", channel: "", attributes: "{\"name\": \"{{trigger.message.From}}\"}" },
      transitions: [{ event: "callComplete" }, { event: "failedToEnqueue" }, { event: "callFailure" }] },
  ],
  initial_state: "Trigger",
  flags: { allow_concurrent_calls: true },
};

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
  return editor(root, ctx, sid === "new" ? null : sid);
}

async function list(root) {
  const flows = await listAll("/v2/Flows", "flows");
  const tbody = h("tbody");
  for (const f of flows) {
    tbody.append(h("tr", {},
      h("td", {}, h("a", { href: `#studio/${f.sid}`, text: f.friendly_name })),
      el("td", f.status, `badge ${f.status}`), el("td", f.revision), el("td", f.valid === false ? "invalid" : "valid"),
      el("td", f.date_updated, "muted"), el("td", f.sid, "mono muted")));
  }
  root.append(h("section", { class: "card" },
    h("div", { class: "row" }, el("h2", "Studio flows"), h("span", { class: "spacer" }), h("a", { class: "button", href: "#studio/new", id: "new-flow", text: "New flow" })),
    flows.length ? h("table", { id: "flows" }, h("thead", {}, h("tr", {}, ...["Name", "Status", "Revision", "Valid", "Updated", "SID"].map((t) => el("th", t)))), tbody)
      : el("p", "No flows yet.", "muted")));
}

/** Which state a validation problem concerns, from Twilio-style details or the message. */
export function stateOfProblem(p, def) {
  if (p && typeof p.state === "string" && p.state) return p.state;
  const path = (p && (p.property_path || p.path || p.property)) || "";
  const m = /states\/?\[?(\d+)/.exec(path);
  if (m && def && Array.isArray(def.states) && def.states[+m[1]]) return def.states[+m[1]].name;
  const names = def && Array.isArray(def.states) ? def.states.map((s) => s && s.name).filter(Boolean) : [];
  const msg = String((p && p.message) || p || "");
  const hit = names.filter((n) => msg.startsWith(`${n}.`) || msg.startsWith(`${n}:`) || msg.includes(`'${n}'`) || msg.includes(`"${n}"`) || msg.includes(`state ${n}`));
  return hit.sort((a, b) => b.length - a.length)[0] || null;
}

/** The problems of a Validate error answer: `details.errors`/`details.warnings`, else the message. */
function problemsOf(err) {
  const d = (err && err.body && err.body.details) || {};
  const errors = Array.isArray(d.errors) ? d.errors : Array.isArray(d) ? d : [];
  const warnings = Array.isArray(d.warnings) ? d.warnings : [];
  if (!errors.length && err && err.message) errors.push({ message: err.message });
  return { errors, warnings };
}

async function editor(root, ctx, sid) {
  let flow = { friendly_name: "New flow", status: "draft", definition: STARTER };
  if (sid) flow = await api("GET", `/v2/Flows/${sid}`);
  const name = h("input", { id: "flow-name", value: flow.friendly_name, maxlength: 64 });
  const text = h("textarea", { id: "flow-json", spellcheck: "false", rows: 28 });
  text.value = pretty(flow.definition);
  const commit = h("input", { id: "flow-commit", placeholder: "Commit message (optional)", maxlength: 200 });
  const problems = h("div", { id: "flow-problems", class: "problems" });
  const picture = h("div", { id: "flow-picture", class: "picture" });
  const status = el("span", sid ? `${flow.status}, revision ${flow.revision}` : "not saved yet", "muted");
  const save = (st) => async () => {
    let def;
    try { def = JSON.parse(text.value); } catch (e) { return toast(`The JSON is not valid: ${e.message}`, true); }
    const params = { FriendlyName: name.value, Status: st, Definition: JSON.stringify(def), CommitMessage: commit.value || undefined };
    try {
      const saved = sid ? await api("POST", `/v2/Flows/${sid}`, params) : await api("POST", "/v2/Flows", params);
      toast(st === "published" ? "Published" : "Saved");
      if (!sid) location.hash = `#studio/${saved.sid}`;
      else view(root.replaceChildren() || root, ctx, [sid]);
    } catch (e) {
      showProblems(problemsOf(e), def);
      toast(`Not saved: ${e.message}`, true);
    }
  };
  const header = h("div", { class: "row" },
    h("a", { href: "#studio", text: "← Flows" }), name, status, h("span", { class: "spacer" }),
    commit,
    h("button", { type: "button", class: "secondary", id: "save-draft", onclick: save("draft") }, "Save draft"),
    h("button", { type: "button", id: "publish", onclick: save("published") }, "Publish"));
  root.append(h("section", { class: "card" }, header, h("div", { class: "editor" }, h("div", { class: "pane" }, text, problems), picture)));

  const selectState = (stateName) => {
    const at = text.value.indexOf(`"name": ${JSON.stringify(stateName)}`);
    if (at < 0) return;
    text.focus();
    text.setSelectionRange(at, at + stateName.length + 10);
    const line = text.value.slice(0, at).split("\n").length;
    text.scrollTop = Math.max(0, (line - 3) * 18);
  };

  let lastDef = null;
  function showProblems({ errors, warnings }, def) {
    problems.replaceChildren();
    const marks = {};
    const groups = new Map();
    const add = (p, level) => {
      const state = stateOfProblem(p, def);
      if (state && (level === "error" || !marks[state])) marks[state] = level;
      const key = state || "";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push([level, (p && p.message) || String(p)]);
    };
    errors.forEach((p) => add(p, "error"));
    warnings.forEach((p) => add(p, "warning"));
    if (!groups.size) problems.append(el("p", "No problems found.", "ok"));
    for (const [state, items] of groups) {
      const box = h("div", { class: "problem-group", dataset: { state } },
        state ? h("button", { type: "button", class: "link", onclick: () => selectState(state) }, `State ${state}`) : el("strong", "Flow"));
      const ul = h("ul");
      for (const [level, msg] of items) ul.append(el("li", msg, level));
      box.append(ul);
      problems.append(box);
    }
    draw(def, marks);
  }
  function draw(def, marks = {}) {
    picture.replaceChildren(renderSvg(document, def, { marks, onSelect: selectState }));
  }

  let seq = 0;
  async function check() {
    const mine = ++seq;
    let def;
    try { def = JSON.parse(text.value); } catch (e) {
      problems.replaceChildren(h("div", { class: "problem-group" }, el("strong", "JSON"), h("ul", {}, el("li", e.message, "error"))));
      return;
    }
    lastDef = def;
    draw(def);
    try {
      const r = await api("POST", "/v2/Flows/Validate", { FriendlyName: name.value || "flow", Status: "draft", Definition: JSON.stringify(def) });
      if (mine !== seq) return;
      showProblems({ errors: [], warnings: (r && r.warnings) || [] }, def);
    } catch (e) {
      if (mine !== seq) return;
      if (e instanceof ApiError && e.status === 401) throw e;
      showProblems(problemsOf(e), def);
    }
  }
  let timer = null;
  text.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 350); });
  await check();
  void lastDef;

  if (sid) {
    await revisions(root, sid, text);
    await executions(root, sid);
  }
}

async function revisions(root, sid, text) {
  const revs = await listAll(`/v2/Flows/${sid}/Revisions`, "revisions", 200);
  const tbody = h("tbody");
  for (const r of revs) {
    tbody.append(h("tr", {}, el("td", r.revision), el("td", r.status), el("td", r.commit_message || ""), el("td", r.date_updated || r.date_created, "muted"),
      h("td", {}, h("button", { type: "button", class: "secondary", onclick: async () => {
        const full = await api("GET", `/v2/Flows/${sid}/Revisions/${r.revision}`);
        text.value = pretty(full.definition);
        text.dispatchEvent(new Event("input"));
        toast(`Revision ${r.revision} loaded into the editor; save to make it current.`);
      } }, "Load"))));
  }
  root.append(h("section", { class: "card", id: "revisions" }, el("h2", "Revisions"),
    h("table", {}, h("thead", {}, h("tr", {}, ...["#", "Status", "Commit message", "Date", ""].map((t) => el("th", t)))), tbody)));
}

async function executions(root, sid) {
  let list;
  try {
    list = await listAll(`/v2/Flows/${sid}/Executions`, "executions", 100);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) throw e;
    root.append(h("section", { class: "card", id: "executions" }, el("h2", "Executions"), el("p", `Not available: ${e.message}`, "muted")));
    return;
  }
  const tbody = h("tbody");
  for (const x of list) {
    tbody.append(h("tr", {}, h("td", {}, h("a", { href: `#studio/${sid}/executions/${x.sid}`, text: x.sid, class: "mono" })),
      el("td", x.contact_channel_address || ""), el("td", x.status, `badge ${x.status}`), el("td", x.date_created, "muted")));
  }
  root.append(h("section", { class: "card", id: "executions" }, el("h2", "Executions"),
    list.length ? h("table", {}, h("thead", {}, h("tr", {}, ...["Execution", "Contact", "Status", "Started"].map((t) => el("th", t)))), tbody) : el("p", "No executions yet.", "muted")));
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
    tbody.append(h("tr", {}, el("td", s.date_created, "muted"), el("td", s.transitioned_from || ""), el("td", s.name || ""), el("td", s.transitioned_to || ""), ctxCell));
  }
  root.append(
    h("section", { class: "card" }, h("div", { class: "row" }, h("a", { href: `#studio/${flowSid}`, text: "← Flow" }), el("h2", `Execution ${sid}`), el("span", x.status, `badge ${x.status}`)),
      h("table", { id: "steps" }, h("thead", {}, h("tr", {}, ...["When", "From", "Event", "To", ""].map((t) => el("th", t)))), tbody)),
    h("section", { class: "card" }, el("h2", "Context"), el("pre", pretty(context.context), "context")));
}
