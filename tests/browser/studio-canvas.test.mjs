// Unit tests of the Studio canvas geometry (static/studio-canvas.mjs) and widget catalog
// (static/studio-widgets.mjs), run by `node --test` from tests/browser.rs: every corpus flow is
// drawn from its own offsets with no two boxes overlapping, and every widget type the engine
// validates is in the palette with its events.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { geometry, overlaps } from "../../static/studio-canvas.mjs";
import { WIDGETS, BY_TYPE, newState, localProblems } from "../../static/studio-widgets.mjs";

const corpus = process.env.SWITCHBOARD_CORPUS;

test("every corpus flow is drawn from its offsets without overlapping boxes", { skip: !corpus || !existsSync(corpus) }, () => {
  const files = readdirSync(corpus).filter((f) => f.endsWith(".json"));
  assert.ok(files.length >= 51, `${files.length} corpus flows`);
  let moved = 0, total = 0;
  for (const f of files) {
    const def = JSON.parse(readFileSync(join(corpus, f), "utf8"));
    const g = geometry(def);
    assert.equal(g.nodes.length, def.states.length, f);
    assert.deepEqual(overlaps(g), [], `${f}: overlapping boxes`);
    for (const s of def.states) {
      const n = g.byName.get(s.name);
      total++;
      assert.equal(n.x, s.properties.offset.x, `${f}: ${s.name} x`);
      if (n.nudged) moved++;
      else assert.equal(n.y, s.properties.offset.y, `${f}: ${s.name} y`);
    }
    // Every transition to a state is an arrow.
    const links = def.states.flatMap((s) => (s.transitions || []).filter((t) => t.next && def.states.some((x) => x.name === t.next)));
    assert.equal(g.edges.length, links.length, `${f}: arrows`);
  }
  // Only boxes exported on top of each other are drawn lower (a handful in 51 flows).
  assert.ok(moved <= 6, `${moved} of ${total} boxes drawn away from their offsets`);
});

test("the palette has every widget type the engine runs, with the validator's events", () => {
  const src = readFileSync(new URL("../../src/flows/definition.rs", import.meta.url), "utf8");
  const body = src.slice(src.indexOf("widget_types! {"));
  const rows = [...body.matchAll(/=> "([a-z0-9-]+)", \w+,\s*\[([^\]]*)\]/g)].map((m) => [m[1], [...m[2].matchAll(/"(\w+)"/g)].map((x) => x[1])]);
  assert.ok(rows.length > 20, `${rows.length} widget types parsed`);
  for (const [type, events] of rows) {
    if (type === "send-to-auto-pilot" || type === "start-conversation") continue; // the engine refuses both
    assert.ok(BY_TYPE[type], `${type} is in the catalog`);
    assert.deepEqual(BY_TYPE[type].events, events, `${type} events`);
  }
  assert.equal(WIDGETS.filter((w) => w.palette !== false).length, rows.length - 3);
});

test("a new widget gets a fresh name, its events and the appliance's workflow and channel", () => {
  const def = { states: [{ name: "send_to_flex_1", type: "send-to-flex" }] };
  const st = newState(def, "send-to-flex", { x: 10.4, y: 20.6 }, { workflows: [{ sid: "WW1" }], channels: [{ sid: "TC1", unique_name: "default" }, { sid: "TC2", unique_name: "chat" }] });
  assert.equal(st.name, "send_to_flex_2");
  assert.deepEqual(st.properties.offset, { x: 10, y: 21 });
  assert.equal(st.properties.workflow, "WW1");
  assert.equal(st.properties.channel, "TC2");
  assert.deepEqual(st.transitions.map((t) => t.event), ["callComplete", "failedToEnqueue", "callFailure"]);
  const blank = newState({ states: [] }, "send-message", { x: 0, y: 0 });
  const problems = localProblems({ states: [blank] });
  assert.deepEqual(problems.map((p) => [p.property, p.level]), [["body", "error"]]);
});
