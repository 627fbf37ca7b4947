"""Issue 5: Flex Flows and Conversations (participants, messages, webhooks) through the twilio SDK."""

import pytest
from twilio.base.exceptions import TwilioRestException

FLOW = "FW" + "b" * 32


def test_flex_flows_create_conflict_update_delete(client):
    seeded = client.flex_api.v1.flex_flow.list()
    assert {f.channel_type for f in seeded} >= {"sms", "web"}
    flow = client.flex_api.v1.flex_flow.create(
        friendly_name="sdk sms", chat_service_sid=seeded[0].chat_service_sid, channel_type="sms",
        contact_identity="+15550100", integration_type="studio", integration_flow_sid=FLOW,
        enabled=True, janitor_enabled=True, long_lived=False,
    )
    assert flow.sid.startswith("FO") and flow.integration["flow_sid"] == FLOW
    assert flow.janitor_enabled is True and flow.date_created is not None
    with pytest.raises(TwilioRestException) as e:
        client.flex_api.v1.flex_flow.create(
            friendly_name="dup", chat_service_sid=seeded[0].chat_service_sid, channel_type="sms",
            contact_identity="+15550100", integration_type="studio", integration_flow_sid=FLOW,
        )
    assert e.value.status == 409
    updated = client.flex_api.v1.flex_flow(flow.sid).update(long_lived=True, integration_type="external",
                                                            integration_url="https://example.com/in")
    assert updated.long_lived is True and updated.integration["url"] == "https://example.com/in"
    assert [f.sid for f in client.flex_api.v1.flex_flow.list(friendly_name="sdk sms")] == [flow.sid]
    assert client.flex_api.v1.flex_flow(flow.sid).delete() is True


def test_conversations_participants_messages_webhooks(client):
    conv = client.conversations.v1.conversations.create(friendly_name="sdk", attributes='{"k": 1}')
    assert conv.sid.startswith("CH") and conv.state == "active"
    c = client.conversations.v1.conversations(conv.sid)
    agent = c.participants.create(identity="agent-sdk")
    customer = c.participants.create(messaging_binding_address="+15557770000",
                                     messaging_binding_proxy_address="+15558880000")
    assert customer.messaging_binding["address"] == "+15557770000"
    assert {p.sid for p in c.participants.list()} == {agent.sid, customer.sid}
    m1 = c.messages.create(author="agent-sdk", body="hi there")
    m2 = c.messages.create(author="agent-sdk", body="second")
    assert (m1.index, m2.index) == (0, 1) and m1.participant_sid == agent.sid
    assert [m.body for m in c.messages.list(order="desc")] == ["second", "hi there"]
    assert c.messages(m1.sid).fetch().body == "hi there"
    assert c.messages(m1.sid).update(body="edited").body == "edited"
    hook = c.webhooks.create(target="webhook", configuration_url="https://example.com/hook",
                             configuration_method="POST", configuration_filters=["onMessageAdded"])
    assert hook.configuration["filters"] == ["onMessageAdded"]
    assert [w.sid for w in c.webhooks.list()] == [hook.sid]
    assert c.update(state="inactive").state == "inactive"
    assert c.participants(agent.sid).delete() is True
    assert c.messages(m2.sid).delete() is True
    service = client.conversations.v1.services(conv.chat_service_sid)
    assert service.conversations(conv.sid).fetch().sid == conv.sid
    assert c.delete() is True
    with pytest.raises(TwilioRestException) as e:
        c.fetch()
    assert e.value.status == 404


def test_interactions_channels_participants(client):
    ws = [w for w in client.taskrouter.v1.workspaces.list() if w.friendly_name == "Flex Task Assignment"][0]
    wf = client.taskrouter.v1.workspaces(ws.sid).workflows.list()[0]
    interaction = client.flex_api.v1.interaction.create(
        channel={"type": "sms", "initiated_by": "api",
                 "participants": [{"address": "+15554000001", "proxy_address": "+15554999999"}]},
        routing={"properties": {"workspace_sid": ws.sid, "workflow_sid": wf.sid,
                                "task_channel_unique_name": "sms", "attributes": {"from": "sdk"}}},
    )
    assert interaction.sid.startswith("KD")
    task_sid = interaction.routing["properties"]["sid"]
    assert task_sid.startswith("WT")
    assert client.flex_api.v1.interaction(interaction.sid).fetch().sid == interaction.sid
    channels = client.flex_api.v1.interaction(interaction.sid).channels.list()
    assert len(channels) == 1 and channels[0].type == "sms" and channels[0].status == "active"
    ch = client.flex_api.v1.interaction(interaction.sid).channels(channels[0].sid)
    parts = ch.participants.list()
    assert [p.type for p in parts] == ["customer"]
    sup = ch.participants.create(type="supervisor", media_properties={"identity": "sdk-sup"})
    assert sup.type == "supervisor" and sup.channel_sid == channels[0].sid
    updated = ch.update(status="inactive")
    assert updated.status == "inactive"
    task = client.taskrouter.v1.workspaces(ws.sid).tasks(task_sid).fetch()
    assert task.assignment_status in ("canceled", "wrapping")
