# -*- coding: utf-8 -*-
"""The unit FakeClient checks every request against the API contracts (tests/contract/), always."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.module_utils import errors as client_mod
from ansible_collections.cray.csm.tests.unit import spec
from ansible_collections.cray.csm.tests.unit.utils import FakeClient, api_error

COMMIT = 'a' * 40


def test_requests_the_contract_defines_pass():
    spec.check_request('POST', '/apis/ims/v3/remote-build-nodes', {'xname': 'x3000c0s19b4n0'})
    spec.check_request('GET', '/apis/ims/v3/remote-build-nodes/status/x3000c0s19b4n0')
    spec.check_request('PUT', '/apis/cfs/v3/configurations/c1',
                       {'layers': [{'clone_url': 'https://vcs/x.git', 'commit': COMMIT, 'playbook': 'p.yml'}]})
    spec.check_request('POST', '/apis/smd/hsm/v2/locks/status', {'ComponentIDs': ['x3000c0s19b4n0']})
    spec.check_request('GET', '/apis/sls/v1/networks/NMNLB')


@pytest.mark.parametrize('method,path,body,query,why', [
    ('GET', '/apis/ims/v3/remote-build-nodez', None, None, 'no such path'),
    ('PATCH', '/apis/ims/v3/remote-build-nodes', None, None, 'the spec has no PATCH'),
    ('GET', '/apis/cfs/v3/configurations', None, {'bogus': '1'}, "query parameter 'bogus'"),
    ('GET', '/apis/ims/v3/remote-build-nodes', {'xname': 'x'}, None, 'takes no body'),
    ('PUT', '/apis/cfs/v3/configurations/c1', {'layers': [{'playbook': 'p.yml', 'commit': 'abc'}]}, None,
     'does not match'),
    ('POST', '/apis/bos/v2/sessions', {'operation': 'explode', 'template_name': 't'}, None, 'does not match'),
    ('GET', '/apis/pcs/power-status', None, None, 'not a known service prefix'),
])
def test_requests_off_the_contract_fail(method, path, body, query, why):
    fake = FakeClient()
    fake.on(method, '.*', {})
    with pytest.raises(AssertionError) as e:
        fake.request(method, path, body=body, query=query)
    assert why in str(e.value)


def test_missing_contract_fails(monkeypatch, tmp_path):
    """No contract is an error, never a silent pass."""
    monkeypatch.setattr(spec, 'CONTRACT_DIR', str(tmp_path))
    monkeypatch.setattr(spec, '_cache', {})
    with pytest.raises(IOError):
        FakeClient().request('GET', '/apis/ims/v3/remote-build-nodes')


def test_the_real_client_builds_retries_and_maps_errors():
    """Only the transport is fake: the query goes on the URL, a 503 on a GET is retried, and the
    error answer comes back through the client's RFC 7807 mapping."""
    fake = FakeClient()
    answers = [api_error(503, 'not ready'), api_error(503, 'not ready'), [{'xname': 'x1'}]]
    fake.on('GET', '/apis/ims/v3/remote-build-nodes', lambda body: answers.pop(0))
    assert fake.get('/apis/ims/v3/remote-build-nodes') == [{'xname': 'x1'}]
    assert len(fake.calls) == 1 and len(fake.sent) == 3
    assert all(s['headers']['Authorization'] == 'Bearer unit-test-token' for s in fake.sent)

    fake.on('GET', '/apis/cfs/v3/configurations', [])
    fake.get('/apis/cfs/v3/configurations', query={'limit': 2, 'after_id': None})
    assert fake.sent[-1]['url'] == fake.api_gateway + '/apis/cfs/v3/configurations?limit=2'

    fake.on('POST', '/apis/bos/v2/sessions', api_error(503, 'busy'))
    with pytest.raises(client_mod.CsmApiError) as e:
        fake.post('/apis/bos/v2/sessions', {'operation': 'boot', 'template_name': 't'})
    assert (e.value.status, e.value.title, e.value.detail) == (503, 'Error', 'busy')
    assert e.value.path == '/apis/bos/v2/sessions' and len(fake.sent) == 4 + fake.retries + 1


def test_a_rejected_token_without_credentials_names_the_fix():
    fake = FakeClient().on('GET', '/apis/sls/v1/networks/NMNLB', api_error(401, 'expired'))
    with pytest.raises(client_mod.CsmAuthError) as e:
        fake.get('/apis/sls/v1/networks/NMNLB')
    assert 'give a fresh token' in str(e.value)
