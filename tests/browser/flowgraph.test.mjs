// Unit tests of the flow picture's layout (static/flowgraph.mjs), run by `node --test` from
// tests/browser.rs. Pure data in, positions out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { graphOf, layout } from "../../static/flowgraph.mjs";

const here = dirname(fileURLToPath(import.meta.url));

const state = (name, type, ...next) => ({
  name, type, properties: {},
  transitions: next.map(([event, to]) => ({ event, next: to })),
});

function noOverlap(g) {
  for (const a of g.nodes)
    for (const b of g.nodes) {
      if (a === b) continue;
      const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
      assert.ok(apart, `${a.id} overlaps ${b.id}`);
    }
}

test("a chain is laid out one state per layer, top to bottom", () => {
  const def = { initial_state: "Trigger", states: [
    state("Trigger", "trigger", ["incomingMessage", "hello"]),
    state("hello", "send-message", ["sent", "flex"]),
    state("flex", "send-to-flex"),
  ] };
  const g = layout(graphOf(def));
  assert.deepEqual(g.nodes.map((n) => n.rank), [0, 1, 2]);
  assert.ok(g.nodes[0].y < g.nodes[1].y && g.nodes[1].y < g.nodes[2].y);
  assert.deepEqual(g.edges.map((e) => e.label), ["incomingMessage", "sent"]);
  assert.equal(g.edges.filter((e) => e.back).length, 0);
  noOverlap(g);
});

test("a split's branches share a layer side by side, labelled by condition", () => {
  const split = state("menu", "split-based-on", ["noMatch", "other"]);
  split.transitions.push({ event: "match", next: "sales", conditions: [{ friendly_name: "If value equal_to 1" }] });
  split.transitions.push({ event: "match", next: "support", conditions: [{ friendly_name: "If value equal_to 2" }] });
  const def = { initial_state: "Trigger", states: [
    state("Trigger", "trigger", ["incomingCall", "menu"]), split,
    state("sales", "send-to-flex"), state("support", "send-to-flex"), state("other", "say-play"),
  ] };
  const g = layout(graphOf(def));
  const by = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
  assert.equal(by.sales.rank, 2);
  assert.equal(by.support.rank, 2);
  assert.equal(by.other.rank, 2);
  assert.ok(g.edges.some((e) => e.label === "If value equal_to 1"));
  noOverlap(g);
});

test("two transitions between the same states become one arrow with both labels", () => {
  const def = { initial_state: "Trigger", states: [
    state("Trigger", "trigger", ["incomingMessage", "ask"], ["incomingRequest", "ask"]),
    state("ask", "send-and-wait-for-reply"),
  ] };
  const g = layout(graphOf(def));
  assert.equal(g.edges.length, 1);
  assert.equal(g.edges[0].label, "incomingMessage / incomingRequest");
});

test("a loop back to an earlier state becomes a back edge, and ranking terminates", () => {
  const def = { initial_state: "Trigger", states: [
    state("Trigger", "trigger", ["incomingMessage", "ask"]),
    state("ask", "send-and-wait-for-reply", ["incomingMessage", "check"], ["timeout", "ask"]),
    state("check", "split-based-on", ["noMatch", "ask"], ["match", "done"]),
    state("done", "send-to-flex"),
  ] };
  const g = layout(graphOf(def));
  const by = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
  assert.ok(by.ask.rank < by.check.rank && by.check.rank < by.done.rank);
  const back = g.edges.filter((e) => e.back).map((e) => `${e.from}->${e.to}`).sort();
  assert.deepEqual(back, ["ask->ask", "check->ask"]);
  noOverlap(g);
});

test("unreachable states and transitions to missing states do not break the picture", () => {
  const def = { states: [
    state("Trigger", "trigger", ["incomingMessage", "nowhere"]),
    state("orphan", "send-message", ["sent", "Trigger"]),
    null, { name: 7 }, { name: "Trigger", type: "trigger" },
  ] };
  const graph = graphOf(def);
  assert.deepEqual(graph.nodes.map((n) => n.id), ["Trigger", "orphan"]);
  assert.equal(graph.initial, "Trigger");
  const g = layout(graph);
  assert.equal(g.nodes.length, 2);
  noOverlap(g);
  assert.equal(layout(graphOf({})).nodes.length, 0);
  assert.equal(layout(graphOf(null)).nodes.length, 0);
});

test("barycenter ordering removes avoidable crossings", () => {
  // a→{c,d}, b→{c,d} never cross when ordered; a→d and b→c crossed in naive order.
  const def = { initial_state: "T", states: [
    state("T", "trigger", ["x", "a"], ["y", "b"]),
    state("a", "send-message", ["sent", "d2"]),
    state("b", "send-message", ["sent", "c2"]),
    state("c2", "send-message"), state("d2", "send-message"),
  ] };
  const g = layout(graphOf(def));
  assert.equal(g.crossings, 0);
});

test("every corpus flow lays out with finite coordinates and no overlapping boxes", () => {
  const dir = process.env.CORPUS_DIR || join(here, "../../../shared/corpus/studio-flows");
  if (!existsSync(dir)) return;
  let count = 0;
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const def = JSON.parse(readFileSync(join(dir, f), "utf8"));
    const started = performance.now();
    const g = layout(graphOf(def));
    assert.ok(performance.now() - started < 500, `${f} took too long`);
    assert.equal(g.nodes.length, new Set(def.states.map((s) => s.name)).size, f);
    for (const n of g.nodes) assert.ok(Number.isFinite(n.x) && Number.isFinite(n.y), f);
    for (const e of g.edges) assert.ok(!e.path.includes("NaN"), f);
    noOverlap(g);
    count++;
  }
  assert.ok(count > 0);
});
