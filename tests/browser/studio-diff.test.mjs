// Unit tests of the revision diff (static/studio-diff.mjs), run by `node --test` from
// tests/browser.rs: a rename is one change, not a removal and an addition; fields by their
// labels with old → new; transitions re-wired; split conditions; flags.
import { test } from "node:test";
import assert from "node:assert/strict";
import { diffDefinitions, show } from "../../static/studio-diff.mjs";

const base = () => ({
  description: "Support",
  initial_state: "Trigger",
  flags: { allow_concurrent_calls: true },
  states: [
    { name: "Trigger", type: "trigger", properties: { offset: { x: 0, y: 0 } }, transitions: [{ event: "incomingMessage", next: "ask" }, { event: "incomingCall" }] },
    { name: "ask", type: "send-and-wait-for-reply", properties: { offset: { x: 0, y: 200 }, body: "Sales or support?", timeout: "3600" }, transitions: [{ event: "incomingMessage", next: "route" }, { event: "timeout" }] },
    { name: "route", type: "split-based-on", properties: { offset: { x: 0, y: 400 }, input: "{{widgets.ask.inbound.Body}}" },
      transitions: [{ event: "noMatch", next: "ask" }, { event: "match", next: "agent", conditions: [{ friendly_name: "sales", arguments: ["{{widgets.ask.inbound.Body}}"], type: "equal_to", value: "sales" }] }] },
    { name: "agent", type: "send-to-flex", properties: { offset: { x: 0, y: 600 }, workflow: "WW1", channel: "TC1" }, transitions: [{ event: "callComplete" }] },
  ],
});

test("identical definitions have no changes", () => {
  assert.deepEqual(diffDefinitions(base(), base()), { widgets: [], flow: [] });
});

test("a rename (references rewritten) is one renamed widget, and its transitions follow it", () => {
  const b = base();
  b.states[1].name = "question";
  b.states[0].transitions[0].next = "question";
  b.states[2].transitions[0].next = "question";
  b.states[2].properties.input = "{{widgets.question.inbound.Body}}";
  b.states[2].transitions[1].conditions[0].arguments = ["{{widgets.question.inbound.Body}}"];
  const d = diffDefinitions(base(), b);
  assert.deepEqual(d.widgets.map((w) => [w.name, w.kind, w.was, w.changes]), [["question", "renamed", "ask", []]]);
});

test("fields by label old → new, re-wired transitions, conditions, flags, added and removed", () => {
  const b = base();
  b.states[1].properties.body = "Hi! Sales or support?";
  b.states[1].properties.offset = { x: 40, y: 200 };
  b.states[2].transitions[1].conditions[0].value = "buy";
  b.states[2].transitions[1].conditions[0].friendly_name = "buy";
  b.states[2].transitions[0].next = "bye";
  b.states = b.states.filter((s) => s.name !== "agent");
  b.states[2].transitions[1].next = "bye";
  b.states.push({ name: "bye", type: "send-message", properties: { offset: { x: 300, y: 600 }, body: "Bye" }, transitions: [{ event: "sent" }] });
  b.flags.allow_concurrent_calls = false;
  const d = diffDefinitions(base(), b);
  const by = Object.fromEntries(d.widgets.map((w) => [w.name, w]));
  assert.deepEqual(by.ask.changes, ['Message: "Sales or support?" → "Hi! Sales or support?"', "moved on the canvas"]);
  assert.deepEqual(by.route.changes, [
    'transition "noMatch" re-wired: ask → bye',
    'transition the condition "buy" re-wired: agent → bye',
    'conditions of the condition "sales": equal to "sales" → equal to "buy"',
  ]);
  assert.equal(by.bye.kind, "added");
  assert.equal(by.agent.kind, "removed");
  assert.deepEqual(d.flow, ["flag allow_concurrent_calls: true → false"]);
});

test("values read in one line", () => {
  assert.equal(show(undefined), "(none)");
  assert.equal(show("x".repeat(200)).length, 80);
  assert.equal(show({ a: 1 }), '{"a":1}');
});
