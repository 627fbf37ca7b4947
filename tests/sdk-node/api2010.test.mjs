// Api 2010 through the npm twilio package: the account, API keys, Messages and Calls (issue 18
// item 6), against the simulated carrier (no carrier configured).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, waitFor } from "./server.mjs";

let server, client;
before(async () => {
  server = await start();
  client = server.client();
});
after(() => server.stop());

test("the account and an API key", async () => {
  const account = await client.api.v2010.accounts(server.sid).fetch();
  assert.equal(account.status, "active");
  const key = await client.api.v2010.accounts(server.sid).newKeys.create({ friendlyName: "node" });
  assert.match(key.sid, /^SK/);
  const keys = await client.api.v2010.accounts(server.sid).keys.list();
  assert.ok(keys.some((k) => k.sid === key.sid));
});

test("a message is delivered by the simulated carrier, listed, redacted and deleted", async () => {
  const m = await client.messages.create({ to: "+15550002000", from: "+15550001000", body: "shipped" });
  assert.match(m.sid, /^SM[0-9a-f]{32}$/);
  assert.equal(m.status, "queued");
  const done = await waitFor(async () => {
    const f = await client.messages(m.sid).fetch();
    return f.status === "delivered" && f;
  });
  assert.ok(done.dateSent instanceof Date);
  const listed = await client.messages.list({ to: "+15550002000", dateSentAfter: new Date(0) });
  assert.ok(listed.some((x) => x.sid === m.sid));
  const none = await client.messages.list({ dateSentBefore: new Date("2001-01-01T00:00:00Z") });
  assert.equal(none.length, 0);
  const redacted = await client.messages(m.sid).update({ body: "" });
  assert.equal(redacted.body, "");
  assert.equal(await client.messages(m.sid).remove(), true);
  await assert.rejects(client.messages(m.sid).fetch(), (e) => e.status === 404 && e.code === 20404);
});

test("bad messages are refused with Twilio's codes", async () => {
  await assert.rejects(client.messages.create({ to: "12", from: "+15550001000", body: "x" }),
    (e) => e.status === 400 && e.code === 21211);
  await assert.rejects(client.messages.create({ to: "+15550002000", body: "x" }),
    (e) => e.status === 400 && e.code === 21603);
  await assert.rejects(client.messages.create({ to: "+15550002000", from: "+15550001000" }),
    (e) => e.status === 400 && e.code === 21602);
});

test("a call is completed by the simulated carrier, listed and deleted", async () => {
  const c = await client.calls.create({
    to: "+15550002000", from: "+15550001000",
    twiml: "<Response><Say>Hello</Say></Response>",
  });
  assert.match(c.sid, /^CA[0-9a-f]{32}$/);
  assert.equal(c.status, "queued");
  const done = await waitFor(async () => {
    const f = await client.calls(c.sid).fetch();
    return f.status === "completed" && f;
  });
  assert.equal(done.duration, "0");
  const listed = await client.calls.list({ status: "completed", to: "+15550002000" });
  assert.ok(listed.some((x) => x.sid === c.sid));
  await assert.rejects(client.calls(c.sid).update({ status: "completed" }),
    (e) => e.status === 400 && e.code === 21220);
  assert.equal(await client.calls(c.sid).remove(), true);
  await assert.rejects(client.calls.create({ to: "+15550002000", from: "+15550001000" }),
    (e) => e.status === 400 && e.code === 21205);
});
