"""Issue 18: the Conversations v1 resources beyond conversations, participants and messages, through
the official twilio SDK: services, configuration, users, roles, credentials, bindings, participant
conversations, conversations with participants, address configurations and delivery receipts."""

import json
import time
import urllib.parse
import urllib.request

import pytest
from twilio.base.exceptions import TwilioRestException


def post_public(server, path, params):
    data = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(server.base + path, data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    return urllib.request.urlopen(req, timeout=10).status


def wait_for(fn, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_services_and_their_configuration(client):
    conv = client.conversations.v1
    default = conv.configuration().fetch().default_chat_service_sid
    svc = conv.services.create(friendly_name="sdk service")
    assert svc.sid.startswith("IS") and svc.sid != default
    assert set(svc.links) >= {"conversations", "users", "roles", "bindings", "configuration"}
    scoped = conv.services(svc.sid)
    c = scoped.conversations.create(friendly_name="in sdk service")
    assert c.chat_service_sid == svc.sid
    assert scoped.conversations(c.sid).participants.create(identity="x").chat_service_sid == svc.sid

    cfg = scoped.configuration().fetch()
    assert cfg.default_chat_service_role_sid.startswith("RL")
    roles = scoped.roles.list()
    assert {r.friendly_name for r in roles} >= {"service_user", "conversation_user"}
    role = scoped.roles.create(friendly_name="sdk role", type="conversation",
                               permission=["sendMessage", "leaveConversation"])
    assert role.permissions == ["sendMessage", "leaveConversation"]
    assert scoped.roles(role.sid).update(permission=["sendMessage"]).permissions == ["sendMessage"]
    cfg = scoped.configuration().update(default_conversation_role_sid=role.sid, reachability_enabled=True)
    assert cfg.default_conversation_role_sid == role.sid and cfg.reachability_enabled is True
    p = scoped.conversations(c.sid).participants.create(identity="y")
    assert p.role_sid == role.sid

    n = scoped.configuration.notifications().update(log_enabled=True, new_message_enabled=True,
                                                    new_message_template="New: ${MESSAGE}")
    assert n.log_enabled is True and n.new_message["template"] == "New: ${MESSAGE}"
    w = scoped.configuration.webhooks().update(post_webhook_url="https://example.com/post",
                                               filters=["onMessageAdded"], method="POST")
    assert w.post_webhook_url == "https://example.com/post" and w.filters == ["onMessageAdded"]
    assert scoped.bindings.list() == []

    account = conv.configuration().update(default_closed_timer="PT1H")
    assert account.default_closed_timer == "PT1H"
    hooks = conv.configuration.webhooks().update(target="webhook", pre_webhook_url="https://example.com/pre")
    assert hooks.target == "webhook" and hooks.pre_webhook_url == "https://example.com/pre"
    conv.configuration().update(default_closed_timer="")

    assert conv.services(svc.sid).delete() is True
    with pytest.raises(TwilioRestException) as e:
        conv.services(svc.sid).fetch()
    assert e.value.status == 404


def test_users_roles_credentials_and_lookups(client):
    conv = client.conversations.v1
    user = conv.users.create(identity="sdk-alice", friendly_name="Alice")
    assert user.sid.startswith("US") and user.role_sid.startswith("RL")
    assert conv.users(user.sid).update(friendly_name="Alice B").friendly_name == "Alice B"
    with pytest.raises(TwilioRestException) as e:
        conv.users.create(identity="sdk-alice")
    assert e.value.status == 409

    c = conv.conversation_with_participants.create(
        friendly_name="outbound",
        participant=[json.dumps({"identity": "sdk-alice"}),
                     json.dumps({"messaging_binding": {"address": "+15550101010",
                                                       "proxy_address": "+15550202020"}})],
    )
    assert c.sid.startswith("CH")
    mine = conv.users(user.sid).user_conversations.list()
    assert [m.conversation_sid for m in mine] == [c.sid]
    uc = conv.users(user.sid).user_conversations(c.sid).update(notification_level="muted")
    assert uc.notification_level == "muted"

    found = conv.participant_conversations.list(address="+15550101010")
    assert [f.conversation_sid for f in found] == [c.sid]
    assert found[0].participant_messaging_binding["proxy_address"] == "+15550202020"
    by_identity = conv.participant_conversations.list(identity="sdk-alice")
    assert by_identity[0].participant_user_sid == user.sid
    # Adding the same binding to another open conversation is refused (50416).
    other = conv.conversations.create()
    with pytest.raises(TwilioRestException) as e:
        conv.conversations(other.sid).participants.create(
            messaging_binding_address="+15550101010", messaging_binding_proxy_address="+15550202020")
    assert e.value.code == 50416

    role = conv.roles.create(friendly_name="sdk svc role", type="service", permission=["createConversation"])
    assert conv.roles(role.sid).fetch().type == "service"
    assert conv.roles(role.sid).delete() is True

    cred = conv.credentials.create(type="apn", friendly_name="ios", certificate="-----BEGIN CERT-----",
                                   private_key="-----BEGIN KEY-----", sandbox=True)
    assert cred.sid.startswith("CR") and cred.type == "apn" and cred.sandbox == "true"
    assert conv.credentials(cred.sid).update(friendly_name="ios 2").friendly_name == "ios 2"
    assert [x.sid for x in conv.credentials.list()] == [cred.sid]
    assert conv.credentials(cred.sid).delete() is True

    assert conv.users(user.sid).user_conversations(c.sid).delete() is True
    assert conv.users(user.sid).user_conversations.list() == []
    assert conv.users(user.sid).delete() is True


def test_address_configuration_and_receipts(server, client):
    conv = client.conversations.v1
    flow = next(f for f in client.studio.v2.flows.list() if f.friendly_name == "Messaging Flow")
    addr = conv.address_configurations.create(
        type="sms", address="+15550303030", friendly_name="sdk line",
        auto_creation_enabled=True, auto_creation_type="studio",
        auto_creation_studio_flow_sid=flow.sid,
    )
    assert addr.sid.startswith("IG") and addr.auto_creation["studio_flow_sid"] == flow.sid
    assert [a.sid for a in conv.address_configurations.list(type="sms")] == [addr.sid]
    assert conv.address_configurations(addr.sid).update(friendly_name="renamed").friendly_name == "renamed"

    # An inbound SMS to the configured number opens a conversation with the flow attached.
    assert post_public(server, "/webhooks/messaging",
                       {"From": "+15550404040", "To": "+15550303030", "Body": "hi", "MessageSid": "SMsdk1"}) == 200
    found = wait_for(lambda: conv.participant_conversations.list(address="+15550404040"))
    c = conv.conversations(found[0].conversation_sid)
    hooks = c.webhooks.list()
    assert hooks[0].target == "studio" and hooks[0].configuration["flow_sid"] == flow.sid
    assert wait_for(lambda: client.studio.v2.flows(flow.sid).executions.list())

    # Receipts of a message sent to the customer (the box has no carrier configured here, so the
    # message waits in the outbox and has no receipt yet).
    m = c.messages.create(author="agent", body="hello")
    assert m.links["delivery_receipts"].endswith("/Receipts")
    assert c.messages(m.sid).delivery_receipts.list() == []
    assert conv.address_configurations(addr.sid).delete() is True


def test_post_event_webhook_follows_x_twilio_webhook_enabled():
    """The SDK's `x_twilio_webhook_enabled` header decides whether a REST action calls the
    service's post-event webhook (Twilio's rule), with a receiver on this machine."""
    import http.server
    import threading

    from conftest import Server

    got = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            got.append(dict(urllib.parse.parse_qsl(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    server = Server({"SWITCHBOARD_ALLOW_OUTBOUND": "127.0.0.0/8", "SWITCHBOARD_RETRY_BASE_MS": "50"})
    try:
        conv = server.client().conversations.v1
        default = conv.configuration().fetch().default_chat_service_sid
        conv.services(default).configuration.webhooks().update(
            post_webhook_url=f"http://127.0.0.1:{httpd.server_port}/post", filters=["onMessageAdded"])
        c = conv.conversations.create()
        conv.conversations(c.sid).messages.create(body="quiet")
        conv.conversations(c.sid).messages.create(body="loud", x_twilio_webhook_enabled="true")
        wait_for(lambda: got)
        time.sleep(0.5)
        assert [g["Body"] for g in got] == ["loud"]
        assert got[0]["EventType"] == "onMessageAdded" and got[0]["ConversationSid"] == c.sid
    finally:
        server.stop()
        httpd.shutdown()
