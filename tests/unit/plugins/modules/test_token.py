# -*- coding: utf-8 -*-
"""cray.csm.token: one Keycloak request, and no token option (it fetches the token; one given would be ignored)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.module_utils import session as client_mod
from ansible_collections.cray.csm.plugins.modules import token
from ansible_collections.cray.csm.tests.unit.utils import FakeClient, run_module


@pytest.fixture
def keycloak(monkeypatch):
    """The clients the module makes, each a FakeClient with the module's token and client_secret."""
    made = []

    def from_params(cls, params):
        fake = FakeClient(token=params.get('token'), client_secret=params.get('client_secret'))
        made.append(fake.on('POST', client_mod.TOKEN_PATH, {'access_token': 'fetched-token'}))
        return fake

    monkeypatch.setattr(client_mod.CsmClient, 'from_params', classmethod(from_params))
    return made


def test_fetches_one_token_with_the_client_secret(monkeypatch, keycloak):
    result = run_module(token.main, dict(client_secret='s3cret'), monkeypatch)
    assert result['failed'] is False and result['changed'] is False and result['token'] == 'fetched-token'
    sent = keycloak[0].sent
    assert [s['url'] for s in sent] == [client_mod.DEFAULT_GATEWAY + client_mod.TOKEN_PATH]
    assert 'client_secret=s3cret' in sent[0]['body'] and 'Authorization' not in sent[0]['headers']


def test_takes_no_token_option(monkeypatch, keycloak):
    result = run_module(token.main, dict(client_secret='s3cret', token='given'), monkeypatch)
    assert result['failed'] and 'Unsupported parameters' in result['msg'] and 'module: token.' in result['msg']
    assert keycloak == []  # rejected before any client exists
