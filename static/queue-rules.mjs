// The queue form's rules (issue 16 item 3), pure: what the workers have (`catalog`), rules →
// TaskRouter's `target_workers` expression (`write`), and an expression read back into rules
// when it has their shape (`read`); anything else stays an expression the builder does not
// show. No DOM and no imports, so tests/browser/queue-rules.test.mjs runs it under node.

/** A worker's attributes (Twilio sends them as a JSON string). */
const attrs = (v) => {
  if (v && typeof v === "object") return v;
  try { return JSON.parse(v || "{}"); } catch { return {}; }
};

/** Attributes of a worker that are the agent's identity or plumbing, not what routing picks on. */
const NOT_ROUTING = new Set(["contact_uri", "full_name", "display_name", "email", "image_url", "routing"]);

/**
 * What the workers have: attribute path → { label, kind: list|number|string|bool, values }.
 * Skills, languages and level are always offered (Flex's own), even before anyone has them.
 */
export function catalog(workers) {
  const cat = new Map([
    ["routing.skills", { label: "Skills", kind: "list", values: new Set() }],
    ["languages", { label: "Languages", kind: "list", values: new Set() }],
    ["level", { label: "Level", kind: "number", values: new Set() }],
  ]);
  const add = (path, v) => {
    const kind = Array.isArray(v) ? "list" : typeof v === "number" ? "number" : typeof v === "boolean" ? "bool" : typeof v === "string" ? "string" : null;
    if (!kind) return;
    if (!cat.has(path)) cat.set(path, { label: path, kind, values: new Set() });
    const entry = cat.get(path);
    for (const x of Array.isArray(v) ? v : [v]) if (["string", "number"].includes(typeof x)) entry.values.add(x);
  };
  for (const w of workers) {
    const a = attrs(w.attributes);
    const skills = a.routing && Array.isArray(a.routing.skills) ? a.routing.skills : null;
    if (skills) add("routing.skills", skills);
    for (const [k, v] of Object.entries(a)) if (!NOT_ROUTING.has(k)) add(k, v);
  }
  return cat;
}

/** The comparisons each kind of attribute offers: [id, words, operator, takes a list]. */
export const OPS = {
  list: [["has", "has", "HAS", false], ["any", "has any of", "IN", true], ["none", "has none of", "NOT IN", true]],
  number: [["ge", "is at least", ">=", false], ["le", "is at most", "<=", false], ["eq", "is", "==", false], ["ne", "is not", "!=", false], ["gt", "is more than", ">", false], ["lt", "is less than", "<", false]],
  string: [["eq", "is", "==", false], ["ne", "is not", "!=", false], ["any", "is one of", "IN", true], ["none", "is none of", "NOT IN", true]],
  bool: [["eq", "is", "==", false]],
};

const literal = (kind, v) => {
  if (kind === "number") return String(Number(v));
  if (kind === "bool") return v === true || v === "true" ? "true" : "false";
  return JSON.stringify(String(v));
};

/** Rules → a `target_workers` expression ("1==1": every worker). */
export function write(rules, join) {
  const parts = rules.filter((r) => r.values.length).map((r) => {
    const [, , op, many] = OPS[r.kind].find((o) => o[0] === r.op) || OPS[r.kind][0];
    const value = many ? `[${r.values.map((v) => literal(r.kind, v)).join(", ")}]` : literal(r.kind, r.values[0]);
    return `${r.path} ${op} ${value}`;
  });
  return parts.length ? parts.join(join === "OR" ? " OR " : " AND ") : "1==1";
}

/** The builder's tokens of an expression, or null for anything it does not write. */
function tokens(src) {
  const out = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?)|(==|!=|>=|<=|>|<|\[|\]|,)|([A-Za-z_][A-Za-z0-9_.]*))/y;
  let i = 0;
  src = src.trim();
  while (i < src.length) {
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) return null;
    i = re.lastIndex;
    if (m[1]) out.push({ t: "value", v: m[1][0] === '"' ? JSON.parse(m[1]) : m[1].slice(1, -1).replace(/\\(.)/g, "$1") });
    else if (m[2]) out.push({ t: "value", v: Number(m[2]) });
    else if (m[3]) out.push({ t: "op", v: m[3] });
    else {
      const word = m[4].toUpperCase();
      if (["AND", "OR", "HAS", "IN", "NOT"].includes(word)) out.push({ t: "op", v: word });
      else if (word === "TRUE" || word === "FALSE") out.push({ t: "value", v: word === "TRUE" });
      else out.push({ t: "path", v: m[4] });
    }
  }
  return out;
}

/**
 * An expression read back into rules ({ join, rules }), when it is one the builder writes: rules
 * on worker attributes joined by only AND or only OR; `1==1` is no rule. Otherwise null.
 */
export function read(src, cat) {
  if (/^\s*1\s*==\s*1\s*$/.test(src)) return { join: "AND", rules: [] };
  const ts = tokens(src);
  if (!ts || !ts.length) return null;
  const rules = [];
  let join = null;
  let i = 0;
  const opAt = () => {
    const a = ts[i];
    if (a && a.t === "op" && a.v === "NOT" && ts[i + 1] && ts[i + 1].v === "IN") { i += 2; return "NOT IN"; }
    if (a && a.t === "op" && ["==", "!=", ">=", "<=", ">", "<", "HAS", "IN"].includes(a.v)) { i += 1; return a.v; }
    return null;
  };
  for (;;) {
    const p = ts[i++];
    if (!p || p.t !== "path" || p.v.startsWith("task.")) return null;
    const path = p.v.startsWith("worker.") ? p.v.slice(7) : p.v;
    const op = opAt();
    if (!op) return null;
    let values;
    if (ts[i] && ts[i].v === "[") {
      i += 1;
      values = [];
      while (ts[i] && ts[i].t === "value") {
        values.push(ts[i++].v);
        if (ts[i] && ts[i].v === ",") i += 1;
      }
      if (!ts[i] || ts[i].v !== "]") return null;
      i += 1;
    } else if (ts[i] && ts[i].t === "value") values = [ts[i++].v];
    else return null;
    const known = cat.get(path);
    const kind = known ? known.kind : typeof values[0] === "number" ? "number" : typeof values[0] === "boolean" ? "bool" : "string";
    const many = op === "IN" || op === "NOT IN";
    const found = OPS[kind].find((o) => o[2] === op && o[3] === many);
    if (!found || (!many && values.length !== 1)) return null;
    rules.push({ path, kind, op: found[0], values: values.map((v) => (kind === "bool" ? v : String(v))) });
    if (i === ts.length) return { join: join || "AND", rules };
    const j = ts[i++];
    if (!j || j.t !== "op" || !["AND", "OR"].includes(j.v) || (join && join !== j.v)) return null;
    join = j.v;
  }
}

/** "Skills has sales and Languages has any of en, es" for a list row; the expression otherwise. */
export function inWords(expr, cat) {
  const r = read(expr, cat);
  if (!r) return expr;
  if (!r.rules.length) return "Every agent";
  return r.rules.map((x) => `${(cat.get(x.path) || { label: x.path }).label} ${(OPS[x.kind].find((o) => o[0] === x.op) || [, x.op])[1]} ${x.values.join(", ")}`)
    .join(r.join === "OR" ? " or " : " and ");
}

