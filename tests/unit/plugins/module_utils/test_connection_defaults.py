# -*- coding: utf-8 -*-
"""One table of connection defaults (session.py CONNECTION_DEFAULTS): the client, the modules' argument spec
and the documentation agree with it; a gateway URL without a scheme is refused before any request."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import yaml

from ansible_collections.cray.csm.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.cray.csm.plugins.module_utils import transport
from ansible_collections.cray.csm.plugins.module_utils.errors import CsmOptionError
from ansible_collections.cray.csm.plugins.module_utils.module import CONNECTION_SPEC, CsmModule
from ansible_collections.cray.csm.plugins.module_utils.session import CONNECTION_DEFAULTS, CsmClient
from ansible_collections.cray.csm.tests.unit.utils import module_args

# What CSM documents (and users rely on); a change here is a change of behaviour.
EXPECTED = dict(api_gateway='https://api-gw-service-nmn.local', client_id='admin-client', validate_certs=True,
                timeout=30, retries=5)


def test_the_table_holds_the_documented_defaults():
    assert CONNECTION_DEFAULTS == EXPECTED


def test_the_client_the_argument_spec_and_the_docs_agree_with_the_table():
    client = CsmClient(token='t')
    assert dict((name, getattr(client, name)) for name in EXPECTED) == EXPECTED
    assert client.api_gateway == CsmClient.from_params({'token': 't'}).api_gateway
    spec = dict((name, o['default']) for name, o in CONNECTION_SPEC.items() if 'default' in o)
    assert spec == EXPECTED
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    assert dict((name, o['default']) for name, o in documented.items() if 'default' in o) == EXPECTED
    assert sorted(documented) == sorted(o for o in CONNECTION_SPEC if o != 'token')  # token: fragment TOKEN


class Refused(object):
    """Stands in for the transport and the sleeps: records what would have been sent or waited."""

    def __init__(self):
        self.sent, self.sleeps = [], []

    def __call__(self, url, **kw):
        self.sent.append(url)
        raise ValueError('unknown url type: %r' % url)  # what urllib raises for a URL without a scheme


@pytest.mark.parametrize('gateway', ['api-gw-service-nmn.local', 'api-gw-service-nmn.local/', 'ftp://gw', 'https://'])
def test_a_gateway_without_http_scheme_is_refused_before_any_request(monkeypatch, gateway):
    """Bug: such a gateway was retried with backoff, then failed as "cannot reach the CSM API gateway"."""
    refused = Refused()
    monkeypatch.setattr(transport, 'http_open', refused)
    with pytest.raises(CsmOptionError) as e:
        CsmClient(api_gateway=gateway, token='t', sleep=refused.sleeps.append).get('/apis/ims/v3/images')
    assert 'is not an http:// or https:// URL' in str(e.value) and 'https://api-gw-service-nmn.local' in str(e.value)
    assert refused.sent == [] and refused.sleeps == []


def test_a_module_fails_at_once_naming_the_fix(monkeypatch, capsys):
    refused = Refused()
    monkeypatch.setattr(transport, 'http_open', refused)
    with module_args({'api_gateway': 'api-gw-service-nmn.local', 'token': 'unit-test-token'}):
        with pytest.raises(SystemExit):
            CsmModule(argument_spec={}, supports_check_mode=True)
    result = json.loads(capsys.readouterr().out)
    assert result['failed'] is True and "api_gateway 'api-gw-service-nmn.local' is not an http" in result['msg']
    assert refused.sent == []


@pytest.mark.parametrize('gateway', ['https://gw.example/', 'http://127.0.0.1:8080', 'HTTPS://GW'])
def test_http_and_https_gateways_are_kept(gateway):
    assert CsmClient(api_gateway=gateway, token='t').api_gateway == gateway.rstrip('/')
