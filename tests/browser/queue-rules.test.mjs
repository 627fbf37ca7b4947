// Unit tests of the queue form's rules (static/queue-rules.mjs), run by `node --test` from
// tests/browser.rs: what the workers have, rules → expression, and the expression read back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { catalog, write, read, inWords } from "../../static/queue-rules.mjs";

const workers = [
  { attributes: JSON.stringify({ routing: { skills: ["billing", "sales"] }, languages: ["en"], level: 5, contact_uri: "client:ben", desk: "north", vip: true }) },
  { attributes: { routing: { skills: ["billing"] }, languages: ["es"], level: 3, full_name: "Ana Diaz" } },
];

test("the catalog offers what the workers have, Flex's three always", () => {
  const cat = catalog(workers);
  assert.deepEqual([...cat.keys()], ["routing.skills", "languages", "level", "desk", "vip"]);
  assert.deepEqual([...cat.get("routing.skills").values].sort(), ["billing", "sales"]);
  assert.equal(cat.get("level").kind, "number");
  assert.equal(cat.get("vip").kind, "bool");
  assert.ok(!cat.has("contact_uri") && !cat.has("full_name"));
  assert.deepEqual([...catalog([]).keys()], ["routing.skills", "languages", "level"]);
});

test("rules write an expression and read back the same rules", () => {
  const cat = catalog(workers);
  const rules = [
    { path: "routing.skills", kind: "list", op: "has", values: ["billing"] },
    { path: "languages", kind: "list", op: "any", values: ["es", "en"] },
    { path: "level", kind: "number", op: "ge", values: ["3"] },
    { path: "desk", kind: "string", op: "ne", values: ['say "hi"'] },
    { path: "vip", kind: "bool", op: "eq", values: [true] },
  ];
  for (const join of ["AND", "OR"]) {
    const expr = write(rules, join);
    assert.equal(expr, `routing.skills HAS "billing" ${join} languages IN ["es", "en"] ${join} level >= 3 ${join} desk != "say \\"hi\\"" ${join} vip == true`);
    assert.deepEqual(read(expr, cat), { join, rules });
    assert.equal(write(read(expr, cat).rules, join), expr, "round trip");
  }
  assert.equal(write([], "AND"), "1==1");
  assert.equal(write([{ path: "level", kind: "number", op: "ge", values: [] }], "AND"), "1==1", "a rule without a value says nothing yet");
  assert.deepEqual(read("1 == 1", cat), { join: "AND", rules: [] });
  assert.deepEqual(read("routing.skills NOT IN ['x']", cat).rules, [{ path: "routing.skills", kind: "list", op: "none", values: ["x"] }]);
  assert.deepEqual(read("worker.level < 2", cat).rules, [{ path: "level", kind: "number", op: "lt", values: ["2"] }]);
});

test("what the rules cannot show is left as an expression", () => {
  const cat = catalog(workers);
  for (const e of ['(level >= 3 AND languages HAS "es") OR level >= 8', 'level >= 3 AND languages HAS "es" OR level >= 8',
    'NOT (routing.skills HAS "x")', 'task.language == "es"', "routing.skills HAS", "level >= ", 'languages CONTAINS "e"', "", "1==2"]) {
    assert.equal(read(e, cat), null, e);
  }
});

test("a queue's expression in words", () => {
  const cat = catalog(workers);
  assert.equal(inWords('routing.skills HAS "billing" AND level >= 3', cat), "Skills has billing and Level is at least 3");
  assert.equal(inWords("1==1", cat), "Every agent");
  assert.equal(inWords("(a == 1)", cat), "(a == 1)");
});
