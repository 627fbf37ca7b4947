"""Issue 18 item 6: Api 2010 Messages and Calls through the twilio SDK, against the simulated
carrier (no carrier configured): create, the states the simulated carrier walks, list filters,
update, delete, and Twilio's error codes."""

import datetime
import time

import pytest
from twilio.base.exceptions import TwilioRestException


def wait_for(f, seconds=10):
    deadline = time.time() + seconds
    while True:
        v = f()
        if v:
            return v
        assert time.time() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_a_message_is_delivered_listed_redacted_and_deleted(client):
    m = client.messages.create(to="+15550002000", from_="+15550001000", body="shipped")
    assert m.sid.startswith("SM") and m.status == "queued"
    done = wait_for(lambda: (f := client.messages(m.sid).fetch()).status == "delivered" and f)
    assert isinstance(done.date_sent, datetime.datetime)
    sids = [x.sid for x in client.messages.list(to="+15550002000",
                                                 date_sent_after=datetime.datetime(2001, 1, 1))]
    assert m.sid in sids
    assert client.messages.list(date_sent_before=datetime.datetime(2001, 1, 1)) == []
    assert client.messages(m.sid).update(body="").body == ""
    assert client.messages(m.sid).delete() is True
    with pytest.raises(TwilioRestException) as e:
        client.messages(m.sid).fetch()
    assert e.value.status == 404 and e.value.code == 20404


def test_bad_messages_get_twilios_codes(client):
    for kwargs, code in (
        (dict(to="12", from_="+15550001000", body="x"), 21211),
        (dict(to="+15550002000", from_="not a number!", body="x"), 21212),
        (dict(to="+15550002000", from_="+15550001000"), 21602),
    ):
        with pytest.raises(TwilioRestException) as e:
            client.messages.create(**kwargs)
        assert e.value.status == 400 and e.value.code == code, kwargs


def test_a_call_is_completed_listed_and_deleted(client):
    c = client.calls.create(to="+15550002000", from_="+15550001000",
                            twiml="<Response><Say>Hello</Say></Response>")
    assert c.sid.startswith("CA") and c.status == "queued"
    done = wait_for(lambda: (f := client.calls(c.sid).fetch()).status == "completed" and f)
    assert done.duration == "0" and done.answered_by == "human"
    assert c.sid in [x.sid for x in client.calls.list(status="completed")]
    with pytest.raises(TwilioRestException) as e:
        client.calls(c.sid).update(status="completed")
    assert e.value.code == 21220
    assert client.calls(c.sid).delete() is True
    with pytest.raises(TwilioRestException) as e:
        client.calls.create(to="+15550002000", from_="+15550001000")
    assert e.value.status == 400 and e.value.code == 21205
