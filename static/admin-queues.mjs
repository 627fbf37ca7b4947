// Task queues without JSON (issue 16 item 3): which agents take a queue's tasks, built from rules
// on what the workers actually have (skills, languages, level and any other attribute found on
// them): pick the attribute, how to compare, the value(s), all or any of the rules. The
// expression the builder writes (TaskRouter's `target_workers`) stays editable as an advanced
// field and is read back into rules when it has their shape. The preview asks the server which
// workers the expression matches (the Workers list's `TargetWorkersExpression`: the evaluator a
// queue routes with) and shows its own message for an expression it cannot read.
import { api, el, h, listAll, toast, table, attrs } from "/static/common.mjs";
import { OPS, catalog, write, read, inWords } from "/static/queue-rules.mjs";

/** A worker's name as a person knows it. */
const personName = (w) => {
  const a = attrs(w.attributes);
  return (typeof a.full_name === "string" && a.full_name.trim()) || w.friendly_name;
};

/** The queue form: name, the rules or the expression, order; the live preview under them. */
function queueForm(base, workers, current, done) {
  const cat = catalog(workers);
  const id = "queue-form";
  const name = h("input", { id: `${id}-name`, name: "FriendlyName", required: true, placeholder: "e.g. Spanish billing", value: current ? current.friendly_name : "" });
  const order = h("select", { id: `${id}-order`, name: "TaskOrder" }, h("option", { value: "FIFO", text: "Oldest task first (FIFO)" }), h("option", { value: "LIFO", text: "Newest task first (LIFO)" }));
  order.value = current ? current.task_order : "FIFO";
  const raw = h("input", { id: `${id}-expression`, name: "TargetWorkers", class: "mono", spellcheck: "false", autocomplete: "off" });
  raw.value = current ? current.target_workers : "1==1";
  const who = h("select", { id: `${id}-who`, "aria-label": "Which agents" },
    h("option", { value: "all", text: "Every agent" }), h("option", { value: "AND", text: "Agents who match all of these rules" }), h("option", { value: "OR", text: "Agents who match any of these rules" }));
  const rulesBox = h("div", { id: `${id}-rules`, class: "qb-rules" });
  const addRule = h("button", { type: "button", class: "secondary", id: `${id}-add-rule` }, "Add a rule");
  const beyond = el("p", "", "warning help");
  beyond.id = `${id}-beyond`;
  const advanced = h("details", { class: "advanced", id: `${id}-advanced` }, h("summary", {}, "Expression (advanced)"),
    h("div", { class: "field wide" }, h("label", { for: raw.id }, "TaskRouter target workers expression"), raw,
      el("p", 'Written by the rules above; edit it for anything they cannot say, e.g. (level >= 3 AND languages HAS "es") OR level >= 8.', "muted help")));
  const preview = h("div", { id: `${id}-preview`, class: "qb-preview", "aria-live": "polite" });
  const err = el("p", "", "error");
  err.id = `${id}-error`;
  let state = { join: "AND", rules: [] };

  const lists = new Map();
  const valuesList = (path) => {
    const lid = `${id}-values-${path.replace(/[^A-Za-z0-9]/g, "-")}`;
    if (!lists.has(path)) lists.set(path, h("datalist", { id: lid }, ...[...(cat.get(path) || { values: [] }).values].sort().map((v) => h("option", { value: String(v) }))));
    return lid;
  };

  function drawRules() {
    who.value = state.rules.length ? state.join : "all";
    addRule.textContent = state.rules.length ? "Add a rule" : "Only some agents: add a rule";
    rulesBox.replaceChildren(...state.rules.map((r, i) => {
      const attr = h("select", { "aria-label": `attribute of rule ${i + 1}`, class: "qb-attr" },
        ...[...cat.entries()].map(([p, c]) => h("option", { value: p, text: c.label })));
      if (!cat.has(r.path)) attr.append(h("option", { value: r.path, text: r.path }));
      attr.value = r.path;
      const op = h("select", { "aria-label": `comparison of rule ${i + 1}`, class: "qb-op" }, ...OPS[r.kind].map(([v, t]) => h("option", { value: v, text: t })));
      op.value = r.op;
      const many = (OPS[r.kind].find((o) => o[0] === r.op) || [])[3];
      const value = r.kind === "bool"
        ? h("select", { "aria-label": `value of rule ${i + 1}`, class: "qb-value" }, h("option", { value: "true", text: "true" }), h("option", { value: "false", text: "false" }))
        : h("input", { "aria-label": `value of rule ${i + 1}`, class: "qb-value", list: many ? null : valuesList(r.path), type: r.kind === "number" ? "number" : "text",
          placeholder: many ? "sales, support" : [...(cat.get(r.path) || { values: [] }).values][0] ?? "" });
      value.value = r.kind === "bool" ? String(r.values[0] ?? true) : r.values.join(", ");
      const known = [...(cat.get(r.path) || { values: [] }).values];
      const chips = many && known.length ? h("div", { class: "qb-known" }, el("span", "The agents have: ", "muted"),
        ...known.sort().map((v) => h("button", { type: "button", class: "chip qb-chip", onclick: () => {
          if (!r.values.map(String).includes(String(v))) r.values.push(String(v));
          changed(true);
        } }, String(v)))) : null;
      attr.addEventListener("change", () => {
        const c = cat.get(attr.value);
        Object.assign(r, { path: attr.value, kind: c.kind, op: OPS[c.kind][0][0], values: [] });
        changed(true);
      });
      op.addEventListener("change", () => { r.op = op.value; if (!(OPS[r.kind].find((o) => o[0] === r.op) || [])[3]) r.values = r.values.slice(0, 1); changed(true); });
      value.addEventListener(r.kind === "bool" ? "change" : "input", () => {
        r.values = r.kind === "bool" ? [value.value === "true"] : many ? value.value.split(",").map((x) => x.trim()).filter(Boolean) : value.value.trim() ? [value.value.trim()] : [];
        changed(false);
      });
      const remove = h("button", { type: "button", class: "secondary", "aria-label": `remove rule ${i + 1}` }, "Remove");
      remove.addEventListener("click", () => { state.rules.splice(i, 1); changed(true); });
      return h("div", { class: "qb-rule", dataset: { index: i } }, i ? el("span", state.join === "OR" ? "or" : "and", "qb-join muted") : el("span", "", "qb-join"), attr, op, value, remove, chips);
    }), ...lists.values());
  }

  /** The rules changed: the expression is written anew; `redraw` when the rows change shape. */
  function changed(redraw) {
    raw.value = write(state.rules, state.join);
    setBeyond(false);
    if (redraw) drawRules();
    check();
  }

  who.addEventListener("change", () => {
    if (who.value === "all") state.rules = [];
    else {
      state.join = who.value;
      if (!state.rules.length) state.rules.push(firstRule());
    }
    changed(true);
  });
  const firstRule = () => ({ path: "routing.skills", kind: "list", op: "has", values: [] });
  addRule.addEventListener("click", () => { state.rules.push(firstRule()); changed(true); });
  // The expression typed by hand: rules again when the builder can show it, else it stands alone.
  raw.addEventListener("input", () => {
    const back = raw.value.trim() ? read(raw.value, cat) : { join: "AND", rules: [] };
    if (back) state = back;
    setBeyond(!back);
    if (back) drawRules();
    check();
  });

  /** An expression the rules cannot show: they step aside (nothing overwrites it) until it is emptied or has their shape again. */
  function setBeyond(on) {
    beyond.textContent = on ? "This expression is more than the rules can show: it is used as written. Empty the field to start again with rules." : "";
    who.classList.toggle("hidden", on);
    addRule.classList.toggle("hidden", on);
    if (on) {
      rulesBox.replaceChildren();
      advanced.open = true;
    }
  }

  let asked = 0;
  let timer = null;
  function check() {
    clearTimeout(timer);
    err.textContent = "";
    timer = setTimeout(async () => {
      const n = ++asked;
      const expr = raw.value.trim() || "1==1";
      try {
        const r = await api("GET", `${base}/Workers?PageSize=200&TargetWorkersExpression=${encodeURIComponent(expr)}`);
        if (n !== asked) return;
        const list = r.workers || [];
        const names = list.map(personName).sort((a, b) => a.localeCompare(b));
        const free = list.filter((w) => w.available).length;
        const shown = names.slice(0, 8).join(", ") + (names.length > 8 ? `, and ${names.length - 8} more` : "");
        preview.replaceChildren(list.length
          ? el("p", `Matches ${list.length} agent${list.length === 1 ? "" : "s"}: ${shown}. ${free} available now.`, "ok")
          : el("p", workers.length ? "Matches no agent: no worker has what these rules ask for. Tasks would wait here." : "Matches no agent: there are no workers yet.", "warning"));
      } catch (e) {
        if (n !== asked) return;
        // The evaluator's own words, without the API's "Invalid parameter …:" preamble.
        preview.replaceChildren(el("p", String(e.message).replace(/^Invalid parameter TargetWorkersExpression: /, ""), "error"));
      }
    }, 200);
  }

  const initial = read(raw.value, cat);
  if (initial) state = initial;
  setBeyond(!initial);
  if (initial) drawRules();
  check();

  const field = (label, input, help, cls) => h("div", { class: `field ${cls || ""}` }, h("label", { for: input.id }, label), input, help ? el("p", help, "muted help") : null);
  const form = h("form", { id, class: "queue-builder" },
    h("div", { class: "inline labelled" }, field("Name", name), field("Order", order)),
    h("fieldset", { class: "qb" }, h("legend", {}, "Which agents take its tasks"), who, rulesBox, h("div", { class: "row" }, addRule), beyond,
      advanced),
    preview,
    h("p", {}, h("button", { type: "submit", id: `${id}-save` }, current ? "Save queue" : "Create queue"), " ", current ? h("a", { href: "#queues", text: "Cancel" }) : null), err);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    if (!name.value.trim()) { err.textContent = "Give the queue a name."; return; }
    const params = { FriendlyName: name.value.trim(), TargetWorkers: raw.value.trim() || "1==1", TaskOrder: order.value };
    try {
      const q = await api("POST", current ? `${base}/TaskQueues/${current.sid}` : `${base}/TaskQueues`, params);
      toast(`Queue ${q.friendly_name} saved`);
      await done(q);
    } catch (e) { err.textContent = `Not saved: ${e.message}`; }
  });
  return form;
}

export async function view(root, ctx, [sid]) {
  const ws = await ctx.workspace();
  if (!ws) throw new Error("no TaskRouter workspace yet");
  const base = `/v1/Workspaces/${ws}`;
  const [list, workers] = await Promise.all([listAll(`${base}/TaskQueues`, "task_queues"), listAll(`${base}/Workers`, "workers")]);
  const current = sid ? list.find((q) => q.sid === sid) : null;
  const cat = catalog(workers);
  const rows = list.map((q) => h("tr", { dataset: { queue: q.friendly_name } }, h("td", {}, h("a", { href: `#queues/${q.sid}`, text: q.friendly_name })),
    h("td", {}, el("div", inWords(q.target_workers, cat)), el("div", q.target_workers, "mono muted small")), el("td", q.task_order)));
  const again = () => { root.replaceChildren(); return view(root, ctx, []); };
  root.append(
    h("section", { class: "card", id: "queue-editor" }, h("div", { class: "row" }, el("h2", current ? `Edit ${current.friendly_name}` : "New queue"), h("span", { class: "spacer" }), current ? h("a", { href: "#queues", text: "New queue" }) : null),
      queueForm(base, workers, current, async (q) => { if (current) location.hash = "#queues"; else await again(); return q; })),
    h("section", { class: "card" }, el("h2", "Task queues"), h("div", { class: "scroll" }, table("queues", ["Name", "Which agents", "Order"], rows))));
}
