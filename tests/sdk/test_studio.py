"""Issue 4: Studio v2 through the official twilio SDK — create a flow, update it (a new revision),
validate, execute with the REST trigger, and read the execution's steps and contexts."""

import json

import pytest
from twilio.base.exceptions import TwilioRestException


def definition(body):
    return {
        "description": "sdk",
        "states": [
            {"name": "Trigger", "type": "trigger", "properties": {"offset": {"x": 0, "y": 0}},
             "transitions": [{"event": "incomingRequest", "next": "remember"}]},
            {"name": "remember", "type": "set-variables",
             "properties": {"variables": [{"key": "who", "value": "{{flow.data.name}}"}]},
             "transitions": [{"event": "next", "next": "hello"}]},
            {"name": "hello", "type": "send-message",
             "properties": {"body": body, "to": "{{contact.channel.address}}"},
             "transitions": [{"event": "sent"}, {"event": "failed"}]},
        ],
        "initial_state": "Trigger",
        "flags": {"allow_concurrent_calls": True},
    }


def test_flow_revisions_validate_execute_steps_and_context(client):
    flow = client.studio.v2.flows.create(
        friendly_name="SDK flow", status="published",
        definition=definition("Hi {{flow.variables.who}}"), commit_message="first")
    assert flow.sid.startswith("FW")
    assert flow.revision == 1 and flow.valid is True and flow.errors == []
    assert flow.definition["states"][2]["properties"]["body"] == "Hi {{flow.variables.who}}"
    assert flow.webhook_url.endswith(f"/Flows/{flow.sid}")

    updated = client.studio.v2.flows(flow.sid).update(
        status="published", definition=definition("Hello {{flow.variables.who}}"),
        commit_message="second")
    assert updated.revision == 2 and updated.commit_message == "second"
    revisions = client.studio.v2.flows(flow.sid).revisions.list()
    assert [r.revision for r in revisions] == [2, 1]
    first = client.studio.v2.flows(flow.sid).revisions("1").fetch()
    assert first.definition["states"][2]["properties"]["body"] == "Hi {{flow.variables.who}}"

    ok = client.studio.v2.flow_validate.update(
        friendly_name="check", status="published", definition=definition("x"))
    assert ok.valid is True
    bad = definition("{{ oops }")
    bad["states"][1]["transitions"][0]["next"] = "missing"
    with pytest.raises(TwilioRestException) as e:
        client.studio.v2.flow_validate.update(friendly_name="bad", status="published", definition=bad)
    assert e.value.status == 400
    messages = [x["message"] for x in e.value.details["errors"]]
    assert any("missing" in m for m in messages) and any("Liquid" in m for m in messages)

    execution = client.studio.v2.flows(flow.sid).executions.create(
        to="+15557654321", from_="+15550001111", parameters={"name": "Ann"})
    assert execution.sid.startswith("FN")
    assert execution.status == "ended"
    assert execution.contact_channel_address == "+15557654321"
    fetched = client.studio.v2.flows(flow.sid).executions(execution.sid).fetch()
    assert fetched.context["flow"]["data"] == {"name": "Ann"}
    ctx = client.studio.v2.flows(flow.sid).executions(execution.sid).execution_context().fetch()
    assert ctx.context["widgets"]["hello"]["Body"] == "Hello Ann"
    assert ctx.execution_sid == execution.sid
    steps = client.studio.v2.flows(flow.sid).executions(execution.sid).steps.list()
    assert [(s.transitioned_from, s.transitioned_to) for s in steps] == [
        ("Trigger", "remember"), ("remember", "hello"), ("hello", "Ended")]
    assert [s.name for s in steps] == ["incomingRequest", "next", "sent"]
    step = client.studio.v2.flows(flow.sid).executions(execution.sid).steps(steps[2].sid).fetch()
    assert step.context["Body"] == "Hello Ann"
    step_ctx = (client.studio.v2.flows(flow.sid).executions(execution.sid)
                .steps(steps[1].sid).step_context().fetch())
    assert step_ctx.context["variables"] == {"who": "Ann"}
    listed = client.studio.v2.flows(flow.sid).executions.list()
    assert execution.sid in [x.sid for x in listed]
    assert client.studio.v2.flows(flow.sid).executions(execution.sid).delete() is True


def test_test_users_and_flow_list(client):
    flows = client.studio.v2.flows.list()
    names = [f.friendly_name for f in flows]
    for default in ("Messaging Flow", "Webchat Flow", "Voice IVR"):
        assert default in names
    sid = flows[0].sid
    users = client.studio.v2.flows(sid).test_users().update(test_users=["+15550000001"])
    assert users.test_users == ["+15550000001"]
    assert client.studio.v2.flows(sid).test_users().fetch().test_users == ["+15550000001"]
