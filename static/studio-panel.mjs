// The Studio properties panel: the selected widget's name, its fields (labelled, one control per
// kind, choices from the appliance's own workflows, task channels and flows), its transitions
// (where each event goes; a split's conditions) and the problems found at each field. Edits
// change the state in place and call `onChange(what, {structure})`.
import { el, h } from "/static/common.mjs";
import { BY_TYPE, CONDITION_TYPES, labelOf, liquidNames } from "./studio-widgets.mjs";
import { liquidField } from "./studio-liquid.mjs";

let uid = 0;
const fieldId = (key) => `sp-${key.replace(/[^a-z0-9]+/gi, "-")}-${++uid}`;

/** A select of `list` (objects with sid) whose labels come from `label`; keeps a value it does not know. */
function resourceSelect(id, list, current, label, blank) {
  const sel = h("select", { id });
  if (blank !== null) sel.append(h("option", { value: "", text: blank }));
  for (const r of list) sel.append(h("option", { value: r.sid, text: label(r) }));
  const cur = current === undefined || current === null ? "" : String(current);
  const byName = list.find((r) => r.unique_name === cur || r.friendly_name === cur);
  if (cur && !list.some((r) => r.sid === cur)) {
    sel.append(h("option", { value: cur, text: byName ? label(byName) : /\{\{/.test(cur) ? `From Liquid: ${cur}` : "Not on this appliance: choose another" }));
  }
  sel.value = cur;
  return sel;
}

/** Keeps a property's JSON type when the person edits it (Twilio exports numbers as either). */
function typed(old, text, kind) {
  if (kind === "number") return typeof old === "number" && text.trim() !== "" && Number.isFinite(+text) ? +text : text;
  return text;
}

/** Whether a JSON-with-Liquid attributes text is an object once its Liquid is filled in. */
function jsonProblem(text) {
  if (!text || !text.trim()) return null;
  try {
    const v = JSON.parse(text.replace(/\{\{[\s\S]*?\}\}/g, "x").replace(/\{%[\s\S]*?%\}/g, ""));
    return v && typeof v === "object" && !Array.isArray(v) ? null : "must be a JSON object, like {\"name\": \"…\"}";
  } catch (e) {
    return `is not JSON: ${e.message}`;
  }
}

/**
 * Renders the panel for state `name` of `def` into `root`. `ctx`: {resources, problems (list of
 * {state, property, level, message}), onChange(what, opts), onDelete(name), onRename(old, new)}.
 */
export function renderPanel(root, def, name, ctx) {
  root.replaceChildren();
  const st = (def.states || []).find((x) => x && x.name === name);
  if (!st) {
    root.append(el("h2", "Properties"), el("p", "Select a widget on the canvas to edit it, or drag one from the palette.", "muted"));
    return;
  }
  st.properties = st.properties || {};
  if (!Array.isArray(st.transitions)) st.transitions = [];
  const w = BY_TYPE[st.type];
  const p = st.properties;
  const mine = (ctx.problems || []).filter((x) => x.state === name);
  const fieldProblems = (key) => mine.filter((x) => x.property === key || (x.property || "").startsWith(key + ".") || (x.property || "").startsWith(key + "["));
  const note = (key) => {
    const box = h("div", { class: "field-problems", dataset: { field: key } });
    for (const x of fieldProblems(key)) box.append(el("p", x.message, x.level));
    return box;
  };
  const names = () => liquidNames(def, name);

  // Name (renaming follows every transition that points here).
  const nameIn = h("input", { id: "sp-name", value: st.name, maxlength: 64, autocomplete: "off" });
  const nameErr = el("p", "", "error");
  nameIn.addEventListener("change", () => {
    const next = nameIn.value.trim();
    nameErr.textContent = "";
    if (next === st.name) return;
    if (!/^[A-Za-z0-9_]+$/.test(next)) { nameErr.textContent = "Use letters, digits and _ only."; return; }
    if ((def.states || []).some((x) => x.name === next)) { nameErr.textContent = `There is already a widget named ${next}.`; return; }
    ctx.onRename(st.name, next);
  });
  root.append(h("div", { class: "row" }, el("h2", labelOf(st.type)), h("span", { class: "spacer" }),
    st.type === "trigger" ? null : h("button", { type: "button", class: "secondary", id: "sp-copy", onclick: () => ctx.onCopy(st.name) }, "Duplicate"),
    st.type === "trigger" ? null : h("button", { type: "button", class: "danger", id: "sp-delete", onclick: () => ctx.onDelete(st.name) }, "Delete")));
  root.append(h("label", { for: "sp-name" }, "Widget name"), nameIn, nameErr, note("name"));
  if (!w) root.append(el("p", `The engine does not know the widget type "${st.type}"; edit it in the JSON view.`, "error"));

  for (const fd of (w && w.fields) || []) {
    const id = fieldId(fd.key);
    const cur = p[fd.key];
    let control;
    const set = (v) => {
      if (v === "" && cur === undefined) delete p[fd.key];
      else p[fd.key] = v;
      ctx.onChange(`edited ${fd.label.toLowerCase()} of ${name}`);
    };
    if (fd.kind === "workflow") {
      control = resourceSelect(id, ctx.resources.workflows || [], cur, (r) => r.friendly_name, fd.key === "workflow" ? "Default workflow" : "None: use the queue name");
      control.addEventListener("change", () => set(control.value));
    } else if (fd.kind === "channel") {
      control = resourceSelect(id, ctx.resources.channels || [], cur, (r) => r.friendly_name || r.unique_name, "Default task channel");
      control.addEventListener("change", () => set(control.value));
    } else if (fd.kind === "flow") {
      control = resourceSelect(id, (ctx.resources.flows || []).filter((x) => x.sid !== ctx.flowSid), cur, (r) => r.friendly_name, "Choose a flow…");
      control.addEventListener("change", () => set(control.value));
    } else if (fd.kind === "select") {
      control = h("select", { id }, ...fd.options.map(([v, t]) => h("option", { value: v, text: t })));
      if (cur !== undefined && !fd.options.some(([v]) => v === String(cur))) control.append(h("option", { value: String(cur), text: String(cur) }));
      control.value = cur === undefined ? fd.options[0][0] : String(cur);
      control.addEventListener("change", () => set(control.value));
    } else if (fd.kind === "bool") {
      control = h("input", { id, type: "checkbox" });
      control.checked = cur === true || cur === "true";
      control.addEventListener("change", () => set(typeof cur === "string" ? String(control.checked) : control.checked));
      root.append(h("label", { class: "check" }, control, " ", fd.label), note(fd.key));
      continue;
    } else if (fd.kind === "pairs") {
      root.append(h("label", {}, fd.label), pairsEditor(p, fd.key, names, () => ctx.onChange(`edited ${fd.label.toLowerCase()} of ${name}`)), note(fd.key));
      continue;
    } else {
      const multi = fd.kind === "area" || fd.kind === "json";
      const input = multi ? h("textarea", { id, rows: fd.kind === "json" ? 4 : 3, spellcheck: fd.kind === "area" ? "true" : "false" })
        : h("input", { id, type: fd.kind === "number" ? "text" : "text", inputmode: fd.kind === "number" ? "numeric" : null, placeholder: fd.placeholder || null, autocomplete: "off" });
      input.value = cur === undefined || cur === null ? "" : String(cur);
      const jsonNote = el("p", "", "warning");
      input.addEventListener("input", () => {
        if (fd.kind === "json") jsonNote.textContent = jsonProblem(input.value) ? `Task attributes ${jsonProblem(input.value)}` : "";
        if (fd.kind === "number" && input.value.trim() && !/\{\{/.test(input.value) && !Number.isFinite(+input.value)) jsonNote.textContent = `${fd.label} must be a number`;
        else if (fd.kind === "number") jsonNote.textContent = "";
        set(typed(cur, input.value, fd.kind));
      });
      if (fd.kind === "json") jsonNote.textContent = jsonProblem(input.value) ? `Task attributes ${jsonProblem(input.value)}` : "";
      control = fd.kind === "number" || fd.kind === "text" ? input : liquidField(input, names);
      root.append(h("label", { for: id }, fd.label), control, jsonNote, note(fd.key));
      continue;
    }
    root.append(h("label", { for: id }, fd.label), control, note(fd.key));
  }

  root.append(transitionsEditor(def, st, w, ctx, mine));
}

function pairsEditor(p, key, names, changed) {
  if (!Array.isArray(p[key])) p[key] = [];
  const list = p[key];
  const box = h("div", { class: "pairs", dataset: { key } });
  const draw = () => {
    box.replaceChildren(...list.map((item, i) => {
      const k = h("input", { value: item.key || "", placeholder: "name", "aria-label": `${key} ${i + 1} name`, class: "pair-key" });
      const v = h("input", { value: item.value === undefined ? "" : String(item.value), placeholder: "value (Liquid allowed)", "aria-label": `${key} ${i + 1} value`, class: "pair-value" });
      k.addEventListener("input", () => { item.key = k.value; changed(); });
      v.addEventListener("input", () => { item.value = v.value; changed(); });
      return h("div", { class: "pair" }, k, liquidField(v, names), h("button", { type: "button", class: "secondary", "aria-label": `remove ${item.key || i + 1}`, onclick: () => { list.splice(i, 1); draw(); changed(); } }, "✕"));
    }), h("button", { type: "button", class: "secondary", onclick: () => { list.push({ key: "", value: "" }); draw(); changed(); } }, "Add"));
  };
  draw();
  return box;
}

function transitionsEditor(def, st, w, ctx, mine) {
  const box = h("div", { class: "transitions", id: "sp-transitions" }, el("h3", "Transitions"));
  const others = (def.states || []).filter((x) => x && x.name !== st.name && x.type !== "trigger").map((x) => x.name);
  const target = (t, i) => {
    const sel = h("select", { "aria-label": `next after ${t.event} ${i}`, class: "sp-next", dataset: { index: i } },
      h("option", { value: "", text: "End the flow" }), ...others.map((n) => h("option", { value: n, text: n })));
    if (t.next && !others.includes(t.next)) sel.append(h("option", { value: t.next, text: `${t.next} (missing)` }));
    sel.value = t.next || "";
    sel.addEventListener("change", () => {
      if (sel.value) t.next = sel.value; else delete t.next;
      ctx.onChange(`${t.event} of ${st.name} goes to ${sel.value || "the end"}`, { structure: true });
    });
    return sel;
  };
  st.transitions.forEach((t, i) => {
    const probs = mine.filter((x) => x.property === `transitions[${i}]` || (x.property || "").startsWith(`transitions[${i}].`));
    const row = h("div", { class: "transition", dataset: { event: t.event, index: i } });
    if (t.event === "match" && w && w.conditions) {
      const c = (t.conditions && t.conditions[0]) || { friendly_name: "", arguments: [st.properties.input || ""], type: "equal_to", value: "" };
      t.conditions = t.conditions && t.conditions.length ? t.conditions : [c];
      const label = h("input", { value: c.friendly_name || "", "aria-label": `condition ${i} name`, placeholder: "Label shown on the port" });
      const kind = h("select", { "aria-label": `condition ${i} test` }, ...CONDITION_TYPES.map(([v, tx]) => h("option", { value: v, text: tx })));
      kind.value = c.type;
      const value = h("input", { value: c.value || "", "aria-label": `condition ${i} value`, placeholder: "Value" });
      const sync = (structure) => {
        c.friendly_name = label.value || `If value ${kind.value} ${value.value}`;
        c.type = kind.value;
        c.value = value.value;
        c.arguments = [st.properties.input || ""];
        ctx.onChange(`edited a condition of ${st.name}`, { structure });
      };
      label.addEventListener("change", () => sync(true));
      kind.addEventListener("change", () => sync(true));
      value.addEventListener("input", () => sync(false));
      value.addEventListener("change", () => sync(true));
      row.append(h("div", { class: "row" }, el("strong", "When the value"), kind, value),
        h("div", { class: "row" }, label, el("span", "→", "muted"), target(t, i),
          h("button", { type: "button", class: "secondary", "aria-label": `remove condition ${i}`, onclick: () => { st.transitions.splice(i, 1); ctx.onChange(`removed a condition of ${st.name}`, { structure: true, panel: true }); } }, "✕")));
    } else {
      row.append(h("div", { class: "row" }, el("strong", t.event), el("span", "→", "muted"), target(t, i)));
    }
    for (const x of probs) row.append(el("p", x.message, x.level));
    box.append(row);
  });
  if (w && w.conditions) {
    box.append(h("button", { type: "button", class: "secondary", id: "sp-add-condition", onclick: () => {
      const n = st.transitions.filter((t) => t.event === "match").length + 1;
      st.transitions.push({ event: "match", conditions: [{ friendly_name: `Condition ${n}`, arguments: [st.properties.input || ""], type: "equal_to", value: "" }] });
      ctx.onChange(`added a condition to ${st.name}`, { structure: true, panel: true });
    } }, "Add condition"));
  }
  return box;
}
