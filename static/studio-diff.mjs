// What changed between two revisions of a Studio flow, in words: widgets added, removed and
// renamed, the fields that changed per widget (old → new, by the panel's labels), transitions
// re-wired, split conditions, flags and the flow's own settings. Pure (no DOM, no fetch), so the
// revisions list draws it and node's test runner checks it (tests/browser/studio-diff.test.mjs).
import { BY_TYPE, CONDITION_TYPES, labelOf } from "./studio-widgets.mjs";

const SHORT = 80;

/** A value as a person reads it in one line: text quoted, nothing as "(none)", long text cut. */
export function show(v) {
  if (v === undefined || v === null || v === "") return "(none)";
  const s = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v);
  return s.length > SHORT ? `${s.slice(0, SHORT - 1)}…` : s;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** Text of a state's properties with `widgets.OLD.` read as `widgets.NEW.` (a rename rewrites them). */
function renamedRefs(v, from, to) {
  if (typeof v === "string") return v.split(`widgets.${from}.`).join(`widgets.${to}.`);
  if (Array.isArray(v)) return v.map((x) => renamedRefs(x, from, to));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renamedRefs(x, from, to)]));
  return v;
}

const withoutOffset = (p) => { const { offset, ...rest } = p || {}; void offset; return rest; };

/** Pairs the states of `b` that are states of `a` under another name: same type, and the same
 *  properties (references to the old name read as the new) or the same spot on the canvas. */
function renames(a, b) {
  const bNames = new Set(b.states.map((s) => s.name));
  const aNames = new Set(a.states.map((s) => s.name));
  const gone = a.states.filter((s) => !bNames.has(s.name));
  const fresh = b.states.filter((s) => !aNames.has(s.name));
  const out = new Map(); // old name → new name
  const taken = new Set();
  for (const pass of ["props", "offset"]) {
    for (const old of gone) {
      if (out.has(old.name)) continue;
      const hit = fresh.find((n) => !taken.has(n.name) && n.type === old.type && (pass === "props"
        ? same(renamedRefs(withoutOffset(old.properties), old.name, n.name), withoutOffset(n.properties))
        : same((old.properties || {}).offset, (n.properties || {}).offset) && (old.properties || {}).offset));
      if (hit) { out.set(old.name, hit.name); taken.add(hit.name); }
    }
  }
  return out;
}

/** The panel's label of a widget's property, else the property's own name. */
function fieldLabel(type, key) {
  const w = BY_TYPE[type];
  const f = w && (w.fields || []).find((x) => x.key === key);
  return f ? f.label : key;
}

const TYPE_WORDS = Object.fromEntries(CONDITION_TYPES);
const conditionText = (c) => `${(TYPE_WORDS[c.type] || c.type || "").toLowerCase()} ${show(c.value)}`.trim();

function transitionChanges(oldState, newState, nameMap) {
  const out = [];
  // Split's match transitions are told apart by their place among the matches, others by event.
  const index = (list) => {
    let n = 0;
    return new Map((list || []).map((t) => [t.event === "match" ? `match#${n++}` : t.event, t]));
  };
  const before = index(oldState.transitions), after = index(newState.transitions);
  const label = (k, t) => {
    if (!k.startsWith("match#")) return `"${k}"`;
    const names = ((t && t.conditions) || []).map((c) => c.friendly_name || c.value).filter(Boolean).join(", ");
    return names ? `the condition "${names}"` : `condition ${+k.slice(6) + 1}`;
  };
  for (const [k, t] of after) {
    const was = before.get(k);
    const wasNext = was && was.next ? (nameMap.get(was.next) || was.next) : null;
    const now = t.next || null;
    if (!was) out.push(now ? `new transition ${label(k, t)} goes to ${now}` : `new transition ${label(k, t)} (not connected)`);
    else if (wasNext !== now) {
      if (!now) out.push(`transition ${label(k, t)} disconnected (went to ${wasNext})`);
      else if (!wasNext) out.push(`transition ${label(k, t)} now goes to ${now} (was not connected)`);
      else out.push(`transition ${label(k, t)} re-wired: ${wasNext} → ${now}`);
    }
    if (was && t.event === "match" && !same(allRenamed(was.conditions, nameMap), t.conditions)) {
      out.push(`conditions of ${label(k, was)}: ${(was.conditions || []).map(conditionText).join("; ") || "(none)"} → ${(t.conditions || []).map(conditionText).join("; ") || "(none)"}`);
    }
  }
  for (const [k, t] of before) {
    if (!after.has(k)) out.push(`transition ${label(k, t)} removed${t.next ? ` (went to ${nameMap.get(t.next) || t.next})` : ""}`);
  }
  return out;
}

/** `v` with every renamed widget's references read under its new name. */
function allRenamed(v, nameMap) {
  for (const [from, to] of nameMap) v = renamedRefs(v, from, to);
  return v;
}

function fieldChanges(oldState, newState, nameMap) {
  const out = [];
  const a = allRenamed(oldState.properties || {}, nameMap), b = newState.properties || {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    if (same(a[k], b[k])) continue;
    if (k !== "offset") out.push(`${fieldLabel(newState.type, k)}: ${show(a[k])} → ${show(b[k])}`);
  }
  if (!same(a.offset, b.offset)) out.push("moved on the canvas");
  return out;
}

/**
 * The changes from definition `a` (older) to `b` (newer), as
 * `{ widgets: [{ name, type, kind: "added"|"removed"|"renamed"|"changed", was?, changes: [text] }], flow: [text] }`.
 * A widget only moved on the canvas is "changed" with the one line "moved on the canvas".
 */
export function diffDefinitions(a, b) {
  a = a && Array.isArray(a.states) ? a : { states: [] };
  b = b && Array.isArray(b.states) ? b : { states: [] };
  const nameMap = renames(a, b);
  const reverse = new Map([...nameMap].map(([o, n]) => [n, o]));
  const byName = (d) => new Map(d.states.map((s) => [s.name, s]));
  const A = byName(a), B = byName(b);
  const widgets = [];
  for (const s of b.states) {
    const oldName = reverse.get(s.name) || (A.has(s.name) ? s.name : null);
    if (!oldName) {
      const wired = (s.transitions || []).filter((t) => t.next).map((t) => `"${t.event}" goes to ${t.next}`);
      widgets.push({ name: s.name, type: s.type, kind: "added", changes: [`a new ${labelOf(s.type)}`, ...wired] });
      continue;
    }
    const o = A.get(oldName);
    const changes = [];
    if (o.type !== s.type) changes.push(`type: ${labelOf(o.type)} → ${labelOf(s.type)}`);
    changes.push(...fieldChanges(o, s, nameMap), ...transitionChanges(o, s, nameMap));
    if (oldName !== s.name) widgets.push({ name: s.name, type: s.type, kind: "renamed", was: oldName, changes });
    else if (changes.length) widgets.push({ name: s.name, type: s.type, kind: "changed", changes });
  }
  for (const s of a.states) {
    if (!B.has(s.name) && !nameMap.has(s.name)) widgets.push({ name: s.name, type: s.type, kind: "removed", changes: [`the ${labelOf(s.type)} is gone`] });
  }
  const flow = [];
  if ((a.initial_state || "") !== (b.initial_state || "")) flow.push(`the flow starts at ${show(b.initial_state)} (was ${show(a.initial_state)})`);
  if ((a.description || "") !== (b.description || "")) flow.push(`description: ${show(a.description)} → ${show(b.description)}`);
  const fa = a.flags || {}, fb = b.flags || {};
  for (const k of [...new Set([...Object.keys(fa), ...Object.keys(fb)])]) {
    if (!same(fa[k], fb[k])) flow.push(`flag ${k}: ${show(fa[k])} → ${show(fb[k])}`);
  }
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])]) {
    if (["states", "initial_state", "description", "flags"].includes(k) || same(a[k], b[k])) continue;
    flow.push(`${k}: ${show(a[k])} → ${show(b[k])}`);
  }
  return { widgets, flow };
}

/** The revision's settings beside its definition: name and validity. */
export function diffRevisions(ra, rb) {
  const d = diffDefinitions(ra.definition, rb.definition);
  if (ra.friendly_name !== rb.friendly_name) d.flow.unshift(`flow name: ${show(ra.friendly_name)} → ${show(rb.friendly_name)}`);
  return d;
}
