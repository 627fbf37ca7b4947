"""Issue 18 (Flex v1) and issue 15 item 4 through the twilio SDK: Configuration, WebChannels, the
legacy Channels, channel Invites, and a cold transfer between two agents. The pinned SDK (9.3.7)
predates `Interactions` update and `Transfers`; those go through the client's own `request`
(the SDK's transport, auth and base URL), which is how code on that SDK calls them."""

import json
import time

import pytest
from twilio.base.exceptions import TwilioRestException


def wait(condition, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met")


def flex(client, method, path, **data):
    """A Flex v1 call through the SDK's flex_api domain (base URL, auth, transport)."""
    r = client.flex_api.request(method, path, data=data or None)
    return r.status_code, json.loads(r.text) if r.text else None


def test_configuration_fetch_and_update(client):
    conf = client.flex_api.v1.configuration().fetch()
    assert conf.status == "ok" and conf.account_sid == client.account_sid
    assert conf.taskrouter_workspace_sid.startswith("WS")
    assert conf.flex_instance_sid.startswith("GO")
    assert conf.url.endswith("/flex-api/v1/Configuration")
    assert client.flex_api.v1.configuration().fetch(ui_version="2.9.1").ui_version == "2.9.1"
    # twilio-python 9.x sends the document in a `body` header; the box takes it from there.
    updated = client.flex_api.v1.configuration().update(body=json.dumps({"ui_language": "fr"}))
    assert updated.ui_language == "fr"
    assert client.flex_api.v1.configuration().fetch().ui_language == "fr"
    with pytest.raises(TwilioRestException) as e:
        client.flex_api.v1.configuration().update(body=json.dumps({"crm_enabled": "yes"}))
    assert e.value.status == 400 and e.value.code == 20001


def web_flow(client):
    return [f for f in client.flex_api.v1.flex_flow.list() if f.channel_type == "web"][0].sid


def test_web_channels_and_legacy_channels(client):
    flow = web_flow(client)
    wc = client.flex_api.v1.web_channel.create(
        flex_flow_sid=flow, identity="sdk-customer", customer_friendly_name="Cy",
        chat_friendly_name="Chat with Cy", pre_engagement_data='{"topic": "sdk"}',
    )
    assert wc.sid.startswith("CH") and wc.flex_flow_sid == flow
    assert client.flex_api.v1.web_channel(wc.sid).fetch().sid == wc.sid
    assert wc.sid in [c.sid for c in client.flex_api.v1.web_channel.list()]
    client.flex_api.v1.web_channel(wc.sid).update(chat_status="inactive")
    assert client.conversations.v1.conversations(wc.sid).fetch().state == "inactive"
    assert client.flex_api.v1.web_channel(wc.sid).delete() is True
    with pytest.raises(TwilioRestException) as e:
        client.flex_api.v1.web_channel(wc.sid).fetch()
    assert e.value.status == 404

    ch = client.flex_api.v1.channel.create(
        flex_flow_sid=flow, identity="sdk-legacy", chat_user_friendly_name="Di",
        chat_friendly_name="Chat with Di",
    )
    assert ch.sid.startswith("CH") and ch.user_sid.startswith("US")
    assert client.flex_api.v1.channel(ch.sid).fetch().flex_flow_sid == flow
    assert ch.sid in [c.sid for c in client.flex_api.v1.channel.list()]
    assert client.flex_api.v1.channel(ch.sid).delete() is True
    with pytest.raises(TwilioRestException) as e:
        client.flex_api.v1.channel.create(flex_flow_sid="FO" + "0" * 32, identity="x",
                                          chat_user_friendly_name="x", chat_friendly_name="x")
    assert e.value.status == 400


def accept(tr, task_sid, worker_sid):
    res = wait(lambda: [r for r in tr.tasks(task_sid).reservations.list()
                        if r.reservation_status == "pending" and r.worker_sid == worker_sid])
    tr.tasks(task_sid).reservations(res[0].sid).update(reservation_status="accepted")


def test_invites_and_a_cold_transfer(client):
    # A workspace of their own: other tests' tasks waiting in the shared one would go to alice.
    ws = client.taskrouter.v1.workspaces.create(friendly_name="sdk-flex")
    tr = client.taskrouter.v1.workspaces(ws.sid)
    queue = tr.task_queues.create(friendly_name="sdk-flex", target_workers='team == "sdk-flex"')
    wf = tr.workflows.create(friendly_name="sdk-flex", configuration=json.dumps(
        {"task_routing": {"default_filter": {"queue": queue.sid}}}))
    acts = {a.friendly_name: a.sid for a in tr.activities.list()}
    team = json.dumps({"team": "sdk-flex"})
    alice = tr.workers.create(friendly_name="sdk-alice", activity_sid=acts["Available"], attributes=team)
    bob = tr.workers.create(friendly_name="sdk-bob", activity_sid=acts["Offline"], attributes=team)
    interaction = client.flex_api.v1.interaction.create(
        channel={"type": "sms", "participants": [{"address": "+15554100001", "proxy_address": "+15554199999"}]},
        routing={"properties": {"workspace_sid": ws.sid, "workflow_sid": wf.sid,
                                "task_channel_unique_name": "sms", "attributes": {"customerName": "Eve"}}},
    )
    first = interaction.routing["properties"]["sid"]
    accept(tr, first, alice.sid)
    channel = client.flex_api.v1.interaction(interaction.sid).channels.list()[0]
    ch = client.flex_api.v1.interaction(interaction.sid).channels(channel.sid)
    wait(lambda: [p for p in ch.participants.list() if p.type == "agent"])
    tr.workers(bob.sid).update(activity_sid=acts["Available"])

    # The interaction-level webhook (Interactions update is newer than the pinned SDK).
    status, body = flex(client, "POST", f"v1/Interactions/{interaction.sid}", WebhookTtid="sdk-hook")
    assert status == 200 and body["webhook_ttid"] == "sdk-hook"

    # An invite: a task with the conversation's attributes, routed by the invite's routing.
    invite = ch.invites.create(routing={"properties": {
        "workspace_sid": ws.sid, "workflow_sid": wf.sid, "task_channel_unique_name": "sms",
        "attributes": {"topic": "second opinion"}}})
    assert invite.sid.startswith("KG") and invite.channel_sid == channel.sid
    assert [i.sid for i in ch.invites.list()] == [invite.sid]
    invited = tr.tasks(invite.routing["properties"]["sid"]).fetch()
    attrs = json.loads(invited.attributes)
    assert attrs["topic"] == "second opinion" and attrs["customerName"] == "Eve"
    invited.update(assignment_status="canceled")

    # A cold transfer to bob with a note: bob joins, alice's task wraps and she leaves.
    path = f"v1/Interactions/{interaction.sid}/Channels/{channel.sid}/Transfers"
    status, t = flex(client, "POST", path, Type="cold", To=bob.sid, Note="refund approved")
    assert status == 201 and t["status"] == "active" and t["sid"].startswith("UX"), t
    task = wait(lambda: [x for x in tr.tasks.list() if t["sid"] in x.attributes])[0]
    assert json.loads(task.attributes)["transferNote"] == "refund approved"
    accept(tr, task.sid, bob.sid)
    done = wait(lambda: (lambda r: r[1] if r[1]["status"] == "completed" else None)(
        flex(client, "GET", f"{path}/{t['sid']}")))
    assert done["type"] == "cold" and done["to"] == bob.sid
    assert tr.tasks(first).fetch().assignment_status == "wrapping"
    conv = attrs["conversationSid"]
    ids = wait(lambda: (lambda i: i if i == ["sdk-bob"] else None)(
        sorted(p.identity for p in client.conversations.v1.conversations(conv).participants.list() if p.identity)))
    assert ids == ["sdk-bob"]
    status, err = flex(client, "POST", path, To="WK" + "0" * 32)
    assert status in (400, 409) and err["code"]
