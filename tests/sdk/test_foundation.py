"""Issue 2: the twilio SDK authenticates against switchboard, and errors surface as the SDK's
TwilioRestException with Twilio's codes."""

import pytest
from twilio.base.exceptions import TwilioRestException


def test_account_fetch_authenticates(client, server):
    account = client.api.v2010.accounts(server.sid).fetch()
    assert account.sid == server.sid
    assert account.status == "active"
    assert account.date_created is not None


def test_wrong_token_is_401(server):
    bad = server.client(token="0" * 32)
    with pytest.raises(TwilioRestException) as e:
        bad.api.v2010.accounts(server.sid).fetch()
    assert e.value.status == 401
    assert e.value.code == 20003


def test_unknown_sid_is_404(client, server):
    with pytest.raises(TwilioRestException) as e:
        client.api.v2010.accounts(server.sid).keys("SK" + "0" * 32).fetch()
    assert e.value.status == 404
    assert e.value.code == 20404
    with pytest.raises(TwilioRestException) as e:
        client.api.v2010.accounts("AC" + "1" * 32).fetch()
    assert e.value.status == 404


def test_api_keys_create_list_authenticate_delete(client, server):
    key = client.api.v2010.accounts(server.sid).new_keys.create(friendly_name="sdk")
    assert key.sid.startswith("SK") and key.secret
    names = [k.friendly_name for k in client.api.v2010.accounts(server.sid).keys.list()]
    assert "sdk" in names
    from twilio.rest import Client

    keyed = Client(key.sid, key.secret, server.sid)
    keyed.api.base_url = server.base
    assert keyed.api.v2010.accounts(server.sid).fetch().sid == server.sid
    assert client.api.v2010.accounts(server.sid).keys(key.sid).delete() is True
    with pytest.raises(TwilioRestException) as e:
        keyed.api.v2010.accounts(server.sid).fetch()
    assert e.value.status == 401


def test_paging_follows_next_page_url(client, server):
    for i in range(7):
        client.api.v2010.accounts(server.sid).new_keys.create(friendly_name=f"page-{i}")
    keys = client.api.v2010.accounts(server.sid).keys.list(page_size=3)
    names = [k.friendly_name for k in keys if k.friendly_name.startswith("page-")]
    assert names == [f"page-{i}" for i in range(7)]
