// The main resource groups through the npm twilio package: TaskRouter, Studio, Conversations and
// Flex, each under its own base URL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, waitFor } from "./server.mjs";

let server, client;
before(async () => {
  server = await start();
  client = server.client();
});
after(() => server.stop());

test("TaskRouter: a task reaches an available worker", async () => {
  const ws = await client.taskrouter.v1.workspaces.create({ friendlyName: "node sdk" });
  const w = client.taskrouter.v1.workspaces(ws.sid);
  const activities = await w.activities.list();
  const available = activities.find((a) => a.available);
  const queue = await w.taskQueues.create({ friendlyName: "everyone", targetWorkers: "1==1" });
  const workflow = await w.workflows.create({
    friendlyName: "simple",
    configuration: JSON.stringify({ task_routing: { filters: [], default_filter: { queue: queue.sid } } }),
  });
  const worker = await w.workers.create({ friendlyName: "alice", activitySid: available.sid });
  const task = await w.tasks.create({ workflowSid: workflow.sid, attributes: JSON.stringify({ type: "sdk" }) });
  const reservation = await waitFor(async () => (await w.tasks(task.sid).reservations.list())[0]);
  assert.equal(reservation.workerSid, worker.sid);
  const accepted = await w.tasks(task.sid).reservations(reservation.sid).update({ reservationStatus: "accepted" });
  assert.equal(accepted.reservationStatus, "accepted");
  const stats = await w.taskQueues(queue.sid).cumulativeStatistics().fetch();
  assert.equal(stats.taskQueueSid, queue.sid);
});

test("Studio: a flow is created, listed and run over REST", async () => {
  const definition = {
    description: "node", initial_state: "Trigger", flags: { allow_concurrent_calls: true },
    states: [{ name: "Trigger", type: "trigger", properties: {},
      transitions: [{ event: "incomingMessage" }, { event: "incomingCall" },
        { event: "incomingConversationMessage" }, { event: "incomingRequest" }] }],
  };
  const flow = await client.studio.v2.flows.create({ friendlyName: "node flow", status: "published", definition });
  assert.match(flow.sid, /^FW/);
  const flows = await client.studio.v2.flows.list();
  assert.ok(flows.some((f) => f.sid === flow.sid));
  const ex = await client.studio.v2.flows(flow.sid).executions.create({ to: "+15550002000", from: "+15550001000" });
  assert.match(ex.sid, /^FN/);
  const steps = await client.studio.v2.flows(flow.sid).executions(ex.sid).steps.list();
  assert.ok(Array.isArray(steps));
});

test("Conversations: a conversation with a participant and a message", async () => {
  const conv = await client.conversations.v1.conversations.create({ friendlyName: "node" });
  const c = client.conversations.v1.conversations(conv.sid);
  const p = await c.participants.create({ identity: "node-agent" });
  assert.equal(p.identity, "node-agent");
  const m = await c.messages.create({ author: "node-agent", body: "hello" });
  assert.equal(m.body, "hello");
  const messages = await c.messages.list();
  assert.deepEqual(messages.map((x) => x.body), ["hello"]);
  const user = await client.conversations.v1.users.create({ identity: "node-user" });
  assert.match(user.sid, /^US/);
  await c.remove();
  await assert.rejects(c.fetch(), (e) => e.status === 404 && e.code === 20404);
});

test("Flex: Flex Flows and the configuration", async () => {
  const flows = await client.flexApi.v1.flexFlow.list();
  assert.ok(flows.some((f) => f.channelType === "web"));
  const config = await client.flexApi.v1.configuration().fetch();
  assert.equal(config.accountSid, server.sid);
});
