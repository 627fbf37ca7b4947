// The Studio flow editor: a palette of every widget the engine runs, the canvas (studio-canvas),
// the properties panel (studio-panel), the problems list (the panel's own checks as you type
// plus the server's /v2/Flows/Validate), undo/redo, duplicate/delete, zoom and fit, save and
// publish with feedback, a test run of a draft (studio-test), and the raw JSON as an advanced tab. The definition object is edited
// in place and sent back as it is, so what was imported is exported unchanged but for the edits.
import { api, el, h, pretty, toast, listAll, ApiError, when } from "/static/common.mjs";
import { WIDGETS, GROUPS, BY_TYPE, newState, localProblems, labelOf } from "./studio-widgets.mjs";
import { mountCanvas, geometry } from "./studio-canvas.mjs";
import { renderPanel } from "./studio-panel.mjs";
import { openTestRun } from "./studio-test.mjs";

const EMPTY = () => ({
  description: "A new flow",
  states: [{ name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } },
    transitions: [{ event: "incomingMessage" }, { event: "incomingCall" }, { event: "incomingConversationMessage" }, { event: "incomingRequest" }, { event: "incomingParent" }] }],
  initial_state: "Trigger",
  flags: { allow_concurrent_calls: true },
});

/** The problems of a refused Validate/save: `details.errors` (located by state and property). */
export function serverProblems(err) {
  const d = (err && err.body && err.body.details) || {};
  const list = Array.isArray(d.errors) ? d.errors : Array.isArray(d) ? d : [];
  const out = list.map((p) => ({ state: p.state || null, property: p.property || null, level: "error", message: cleanMessage(p) }));
  if (!out.length && err && err.message) out.push({ state: null, property: null, level: "error", message: err.message });
  return out;
}

function cleanMessage(p) {
  const m = String((p && p.message) || p || "");
  const prefix = [p.state, p.property].filter(Boolean).join(".");
  return prefix && m.startsWith(prefix + ": ") ? m.slice(prefix.length + 2) : m;
}

async function loadResources(ctx, flowSid) {
  const out = { workflows: [], channels: [], flows: [] };
  const ws = await ctx.workspace().catch(() => null);
  const [wf, ch, fl] = await Promise.all([
    ws ? listAll(`/v1/Workspaces/${ws}/Workflows`, "workflows").catch(() => []) : [],
    ws ? listAll(`/v1/Workspaces/${ws}/TaskChannels`, "channels").catch(() => []) : [],
    listAll("/v2/Flows", "flows").catch(() => []),
  ]);
  out.workflows = wf; out.channels = ch; out.flows = fl.filter((f) => f.sid !== flowSid);
  return out;
}

/** Renders the editor for flow `sid` (null: a new flow) into `root`; `after(flow)` adds the rest. */
export async function editor(root, ctx, sid, after) {
  let flow = { friendly_name: "New flow", status: "draft", definition: EMPTY() };
  if (sid) flow = await api("GET", `/v2/Flows/${sid}`);
  const resources = await loadResources(ctx, sid);
  let def = flow.definition && typeof flow.definition === "object" ? flow.definition : EMPTY();
  let problems = [], selected = null, dirty = false;

  // Undo/redo: snapshots of the definition; typing in one field is one step.
  const undo = [JSON.stringify(def)], redo = [];
  let lastWhat = "", lastAt = 0;
  const snapshot = (what) => {
    const now = Date.now();
    const text = JSON.stringify(def);
    if (text === undo[undo.length - 1]) return;
    if (what === lastWhat && what.startsWith("edited") && now - lastAt < 1500) undo[undo.length - 1] = text;
    else undo.push(text);
    if (undo.length > 200) undo.shift();
    redo.length = 0;
    lastWhat = what; lastAt = now;
  };

  const name = h("input", { id: "flow-name", value: flow.friendly_name, maxlength: 64, "aria-label": "Flow name" });
  const status = el("span", sid ? `${flow.status}, revision ${flow.revision}` : "not saved yet", "muted");
  status.id = "flow-status";
  const commit = h("input", { id: "flow-commit", placeholder: "What changed (optional)", maxlength: 200, "aria-label": "Commit message" });
  const problemsBox = h("div", { id: "flow-problems", class: "problems", "aria-live": "polite" });
  const palette = h("div", { class: "studio-palette", id: "studio-palette" });
  const canvasHost = h("div", { class: "studio-canvas-host", id: "flow-canvas" });
  const panel = h("div", { class: "studio-panel", id: "studio-panel" });
  const json = h("textarea", { id: "flow-json", spellcheck: "false", rows: 28, "aria-label": "Flow definition JSON" });
  const jsonPane = h("div", { class: "studio-json hidden", id: "studio-json" },
    el("p", "The flow's definition as Twilio exports it. Edits here replace the canvas's flow when they are valid JSON.", "muted"), json);
  const body = h("div", { class: "studio-body", id: "studio-body" }, palette, canvasHost, panel);

  const canvas = mountCanvas(canvasHost, {
    getDef: () => def,
    marks: () => marksOf(problems),
    onChange: (what, opts = {}) => changed(what, { ...opts, structure: true }),
    onSelect: (n) => { selected = n; drawPanel(); },
    onAdd: (type, at) => add(type, at),
  });

  function marksOf(list) {
    const m = {};
    for (const p of list) {
      if (!p.state) continue;
      const cur = m[p.state] || (m[p.state] = { level: p.level, messages: [] });
      if (p.level === "error") cur.level = "error";
      cur.messages.push(p.message);
    }
    return m;
  }

  function drawPanel() {
    renderPanel(panel, def, selected, {
      resources, problems, flowSid: sid,
      onChange: (what, opts = {}) => changed(what, opts),
      onDelete: remove, onRename: rename, onCopy: duplicate,
    });
  }

  function changed(what, { structure = false, panel: redrawPanel = false, keepView = true } = {}) {
    dirty = true;
    snapshot(what);
    canvas.render({ keepView });
    if (redrawPanel) drawPanel();
    void structure;
    schedule();
  }

  function add(type, at) {
    const st = newState(def, type, at || canvas.viewPoint(), resources);
    def.states.push(st);
    // Never on top of another widget: keep the free spot the canvas would draw it at.
    const drawn = geometry(def).byName.get(st.name);
    if (drawn && drawn.nudged) st.properties.offset = { x: Math.round(drawn.x), y: Math.round(drawn.y) };
    selected = st.name;
    changed(`added ${st.name}`, { panel: true });
    canvas.select(st.name);
    toast(`${labelOf(type)} added as ${st.name}: connect it by dragging from a port`);
  }

  function remove(n) {
    def.states = def.states.filter((x) => x.name !== n);
    for (const x of def.states) for (const t of x.transitions || []) if (t.next === n) delete t.next;
    selected = null;
    changed(`deleted ${n}`, { panel: true });
    toast(`Deleted ${n}`);
  }

  function duplicate(n) {
    const src = def.states.find((x) => x.name === n);
    if (!src) return;
    const copy = structuredClone(src);
    copy.name = newState(def, src.type, { x: 0, y: 0 }).name;
    const off = (src.properties && src.properties.offset) || { x: 0, y: 0 };
    copy.properties.offset = { x: (+off.x || 0) + 40, y: (+off.y || 0) + 40 };
    for (const t of copy.transitions || []) delete t.next;
    def.states.push(copy);
    selected = copy.name;
    changed(`duplicated ${n}`, { panel: true });
    canvas.select(copy.name);
    toast(`Copied ${n} as ${copy.name}`);
  }

  function rename(from, to) {
    const swap = (v) => typeof v === "string" ? v.split(`widgets.${from}.`).join(`widgets.${to}.`)
      : Array.isArray(v) ? v.map(swap) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)])) : v;
    for (const x of def.states) {
      if (x.name === from) x.name = to;
      for (const t of x.transitions || []) if (t.next === from) t.next = to;
      if (x.properties) x.properties = swap(x.properties);
    }
    if (def.initial_state === from) def.initial_state = to;
    selected = to;
    changed(`renamed ${from} to ${to}`, { panel: true });
    canvas.select(to);
  }

  function step(from, to) {
    if (from.length < (from === undo ? 2 : 1)) return;
    if (from === undo) { redo.push(undo.pop()); def = JSON.parse(undo[undo.length - 1]); }
    else { const text = redo.pop(); undo.push(text); def = JSON.parse(text); }
    void to;
    lastWhat = "";
    if (selected && !def.states.some((x) => x.name === selected)) selected = null;
    dirty = true;
    canvas.render({ keepView: true });
    drawPanel();
    schedule();
  }

  // Palette: drag a widget onto the canvas, or click it to add it in view.
  for (const g of GROUPS) {
    const items = WIDGETS.filter((w) => w.group === g && w.palette !== false);
    palette.append(el("h3", g), ...items.map((w) => h("button", { type: "button", class: "palette-item", draggable: "true", dataset: { type: w.type }, title: `Drag onto the canvas (or click) to add ${w.label}`,
      ondragstart: (ev) => { ev.dataTransfer.setData("application/x-studio-widget", w.type); ev.dataTransfer.effectAllowed = "copy"; },
      onclick: () => add(w.type) }, w.label)));
  }

  // Problems: the panel's own checks at once, the server's after a pause in typing.
  function showProblems() {
    problemsBox.replaceChildren();
    const groups = new Map();
    for (const p of problems) {
      const k = p.state || "";
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(p);
    }
    if (!groups.size) problemsBox.append(el("p", "No problems found.", "ok"));
    else problemsBox.append(el("h3", `${problems.filter((p) => p.level === "error").length} error(s), ${problems.filter((p) => p.level !== "error").length} warning(s)`));
    for (const [state, items] of groups) {
      const box = h("div", { class: "problem-group", dataset: { state } },
        state ? h("button", { type: "button", class: "link", onclick: () => { canvas.select(state); canvas.center(state); } }, `${state} (${labelOf((def.states.find((x) => x.name === state) || {}).type || "")})`) : el("strong", "Flow"));
      box.append(h("ul", {}, ...items.map((p) => el("li", p.property && p.state ? `${p.property}: ${p.message}` : p.message, p.level))));
      problemsBox.append(box);
    }
    canvas.render({ keepView: true });
    for (const note of panel.querySelectorAll(".field-problems")) {
      const key = note.dataset.field;
      note.replaceChildren(...problems.filter((p) => p.state === selected && (p.property === key || (p.property || "").startsWith(key + ".") || (p.property || "").startsWith(key + "[")))
        .map((p) => el("p", p.message, p.level)));
    }
  }

  let seq = 0, timer = null;
  function schedule() { clearTimeout(timer); problems = [...localOnly()]; showProblems(); timer = setTimeout(check, 350); }
  const localOnly = () => localProblems(def);
  async function check() {
    const mine = ++seq;
    const local = localOnly();
    let server = [];
    try {
      await api("POST", "/v2/Flows/Validate", { FriendlyName: name.value || "flow", Status: "draft", Definition: JSON.stringify(def) });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      server = serverProblems(e);
    }
    if (mine !== seq) return;
    // The server's word wins where both found the same field.
    const seen = new Set(server.map((p) => `${p.state}|${p.property}`));
    problems = [...server, ...local.filter((p) => !seen.has(`${p.state}|${p.property}`))];
    showProblems();
  }

  /** Saves the canvas's flow as a new revision; the saved flow, or null when refused (shown). */
  async function persist(st, message) {
    const params = { FriendlyName: name.value, Status: st, Definition: JSON.stringify(def), CommitMessage: commit.value || message || undefined };
    try {
      const saved = sid ? await api("POST", `/v2/Flows/${sid}`, params) : await api("POST", "/v2/Flows", params);
      dirty = false;
      commit.value = "";
      status.textContent = `${saved.status}, revision ${saved.revision}, saved ${when(Date.now(), "seconds")}`;
      return saved;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      problems = [...serverProblems(e), ...localOnly()];
      showProblems();
      toast(`Not saved: ${e.message}. The problems are listed under the canvas.`, true);
      return null;
    }
  }

  const save = (st) => async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    try {
      const saved = await persist(st);
      if (!saved) return;
      toast(st === "published" ? `Published revision ${saved.revision}` : `Draft saved as revision ${saved.revision}`);
      if (!sid) location.hash = `#studio/${saved.sid}`;
      else if (after) { root.querySelectorAll(".after-editor").forEach((x) => x.remove()); await after(saved); }
    } finally {
      button.disabled = false;
    }
  };

  /** A test run of `revision` (else of the canvas's flow, saved first as a draft when changed). */
  async function testRun(revision) {
    if (!sid) { toast("Save the flow first (Save draft), then test it.", true); return null; }
    if (!revision && dirty) {
      const saved = await persist("draft", "saved for a test run");
      if (!saved) return null;
      toast(`Saved as draft revision ${saved.revision} for the test; customers keep the published one.`);
      if (after) { root.querySelectorAll(".after-editor").forEach((x) => x.remove()); await after(saved); }
      revision = saved.revision;
    }
    const published = await api("GET", `/v2/Flows/${sid}/Revisions/LatestPublished`).then((r) => r.revision, () => null);
    try {
      return await openTestRun(ctx, { flowSid: sid, revision, published, onStep: (n) => { if (def.states.some((x) => x.name === n)) { canvas.select(n); canvas.center(n); } } });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      toast(`The test could not start: ${e.message}`, true);
      return null;
    }
  }

  // Tabs: the canvas, or the JSON for those who want it.
  const tabCanvas = h("button", { type: "button", role: "tab", id: "tab-canvas", class: "tab active", "aria-selected": "true" }, "Canvas");
  const tabJson = h("button", { type: "button", role: "tab", id: "tab-json", class: "tab", "aria-selected": "false" }, "JSON (advanced)");
  const showTab = (which) => {
    const isJson = which === "json";
    tabCanvas.classList.toggle("active", !isJson); tabJson.classList.toggle("active", isJson);
    tabCanvas.setAttribute("aria-selected", String(!isJson)); tabJson.setAttribute("aria-selected", String(isJson));
    body.classList.toggle("hidden", isJson); jsonPane.classList.toggle("hidden", !isJson);
    for (const b of root.querySelectorAll(".canvas-only")) b.classList.toggle("hidden", isJson);
    if (isJson) json.value = pretty(def);
    else { canvas.render(); drawPanel(); }
  };
  tabCanvas.addEventListener("click", () => showTab("canvas"));
  tabJson.addEventListener("click", () => showTab("json"));
  let jsonTimer = null;
  json.addEventListener("input", () => {
    clearTimeout(jsonTimer);
    jsonTimer = setTimeout(() => {
      let parsed;
      try { parsed = JSON.parse(json.value); } catch (e) {
        problems = [{ state: null, property: null, level: "error", message: `The JSON is not valid: ${e.message}` }];
        return showProblems();
      }
      if (!parsed || typeof parsed !== "object" || !Array.isArray(parsed.states)) {
        problems = [{ state: null, property: null, level: "error", message: "The definition must be an object with a states list." }];
        return showProblems();
      }
      def = parsed;
      changed("edited the JSON");
    }, 300);
  });

  const importer = h("input", { type: "file", id: "flow-import", accept: ".json,application/json", class: "visually-hidden" });
  importer.addEventListener("change", async () => {
    const file = importer.files && importer.files[0];
    if (!file) return;
    try {
      const parsed = JSON.parse(await file.text());
      const next = parsed && Array.isArray(parsed.states) ? parsed : parsed && parsed.definition && Array.isArray(parsed.definition.states) ? parsed.definition : null;
      if (!next) throw new Error("it has no states list");
      api_.load(next, `imported ${file.name}`);
      toast(`Imported ${file.name}: ${next.states.length} widgets. Save to keep it.`);
    } catch (e) {
      toast(`Could not import ${file.name}: ${e.message}`, true);
    }
    importer.value = "";
  });
  const tool = (id, text, title, onclick) => h("button", { type: "button", class: "secondary canvas-only", id, title, "aria-label": title, onclick }, text);
  const header = h("div", { class: "row studio-head" },
    h("a", { href: "#studio", text: "← Flows" }), name, status, h("span", { class: "spacer" }),
    commit,
    h("button", { type: "button", class: "secondary", id: "test-run", title: "Chat with this flow as a customer, without publishing it", onclick: () => testRun() }, "Test run"),
    h("button", { type: "button", class: "secondary", id: "save-draft", onclick: save("draft") }, "Save draft"),
    h("button", { type: "button", id: "publish", onclick: save("published") }, "Publish"));
  const tools = [
    tool("undo", "↶", "Undo", () => step(undo, redo)), tool("redo", "↷", "Redo", () => step(redo, undo)),
    tool("zoom-out", "−", "Zoom out", () => canvas.zoomBy(1 / 1.25)), tool("zoom-in", "+", "Zoom in", () => canvas.zoomBy(1.25)), tool("zoom-fit", "Fit", "Fit the flow in view", () => canvas.fit()),
    h("button", { type: "button", class: "secondary", id: "flow-export", title: "Download the definition as a .json file", onclick: () => {
      const a = h("a", { href: URL.createObjectURL(new Blob([JSON.stringify(def, null, 2)], { type: "application/json" })), download: `${(name.value || "flow").replace(/[^\w.-]+/g, "_")}.json` });
      document.body.append(a); a.click(); a.remove();
      toast("Exported: the file opens in Twilio Studio's Import too");
    } }, "Export"),
    h("label", { class: "button secondary file-button", title: "Open a flow exported from Twilio Studio or from here" }, "Import", importer),
  ];
  root.append(h("section", { class: "card studio" }, header,
    h("div", { class: "tabs" }, h("div", { role: "tablist", class: "row" }, tabCanvas, tabJson), h("span", { class: "spacer" }), h("div", { class: "row studio-tools" }, ...tools)),
    body, jsonPane, problemsBox));

  // Keys on the canvas: Delete removes the selected widget, Ctrl+Z/Y undo and redo, Ctrl+D duplicates.
  root.addEventListener("keydown", (ev) => {
    const typing = /INPUT|TEXTAREA|SELECT/.test(ev.target.tagName);
    const mod = ev.ctrlKey || ev.metaKey;
    if (mod && ev.key.toLowerCase() === "z" && !typing) { ev.preventDefault(); step(ev.shiftKey ? redo : undo, ev.shiftKey ? undo : redo); }
    else if (mod && ev.key.toLowerCase() === "y" && !typing) { ev.preventDefault(); step(redo, undo); }
    else if (mod && ev.key.toLowerCase() === "d" && !typing && selected) { ev.preventDefault(); duplicate(selected); }
    else if ((ev.key === "Delete" || ev.key === "Backspace") && !typing && selected && (def.states.find((x) => x.name === selected) || {}).type !== "trigger") { ev.preventDefault(); remove(selected); }
  });
  const leave = (ev) => { if (dirty) { ev.preventDefault(); ev.returnValue = ""; } };
  window.addEventListener("beforeunload", leave);
  ctx.stop.push(() => window.removeEventListener("beforeunload", leave));

  canvas.render();
  drawPanel();
  problems = localOnly();
  showProblems();
  await check();
  if (!BY_TYPE.trigger) throw new Error("widget catalog missing");
  const api_ = {
    canvas,
    testRun,
    def: () => def,
    /** Replaces the definition (a revision loaded, a file imported); undo brings the old one back. */
    load(next, what) {
      def = next;
      selected = null;
      changed(what, { panel: true, keepView: false });
      if (!jsonPane.classList.contains("hidden")) json.value = pretty(def);
    },
  };
  return api_;
}
