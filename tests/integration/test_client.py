# -*- coding: utf-8 -*-
"""CsmClient against the simulator over real HTTP(S): retries, auth, errors, TLS, and no secrets in output."""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

import pytest

# make `ansible_collections.cray.csm` importable when run with plain pytest
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..')))

from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError, CsmAuthError, CsmConnectionError  # noqa: E402
from ansible_collections.cray.csm.plugins.module_utils.session import CsmClient  # noqa: E402
from ansible_collections.cray.csm.plugins.module_utils.paths import hsm_locks, ims_remote_node  # noqa: E402

X = 'x3000c0s19b4n0'
NODES = ims_remote_node()


class Sleeps(list):
    """Records each delay and really sleeps it."""

    def __call__(self, seconds):
        self.append(seconds)
        time.sleep(seconds)


def client(sim, **kw):
    kw.setdefault('client_secret', sim.client_secret)
    kw.setdefault('backoff', 0.05)
    kw.setdefault('ca_path', sim.ca_path)
    return CsmClient(api_gateway=sim.url, **kw)


def api_log(sim, path_end):
    return [(e['method'], e['status']) for e in sim.log() if e['path'].endswith(path_end)]


def test_503_503_200_succeeds(csm_sim):
    c = client(csm_sim)
    c.token  # noqa: B018 - fetch the token before the faults
    csm_sim.fault(method='GET', path='/remote-build-nodes$', status=503, times=2)
    assert c.get(NODES) == []
    assert api_log(csm_sim, '/remote-build-nodes') == [('GET', 503), ('GET', 503), ('GET', 200)]


def test_retries_give_up_with_the_last_error(csm_sim):
    c = client(csm_sim, retries=2)
    c.token  # noqa: B018
    csm_sim.fault(method='GET', path='/remote-build-nodes$', status=503)
    with pytest.raises(CsmApiError) as e:
        c.get(NODES)
    assert e.value.status == 503 and len(api_log(csm_sim, '/remote-build-nodes')) == 3


def test_429_retry_after_is_honoured(csm_sim):
    sleeps = Sleeps()
    c = client(csm_sim, sleep=sleeps)
    c.token  # noqa: B018
    csm_sim.fault(method='GET', path='/remote-build-nodes$', status=429, retry_after=2, times=1)
    started = time.time()
    assert c.get(NODES) == []
    assert sleeps == [2.0]
    assert time.time() - started >= 2.0
    assert api_log(csm_sim, '/remote-build-nodes') == [('GET', 429), ('GET', 200)]


def test_expired_token_is_refreshed_once(csm_sim):
    c = client(csm_sim)
    assert c.get(NODES) == []
    csm_sim.clear_log()
    csm_sim.expire_tokens()
    assert c.get(NODES) == []
    assert [(e['method'], e['path'].rsplit('/', 1)[-1], e['status']) for e in csm_sim.log()] == [
        ('GET', 'remote-build-nodes', 401), ('POST', 'token', 200), ('GET', 'remote-build-nodes', 200)]


def test_given_token_without_secret_fails_clearly_when_rejected(csm_sim):
    c = CsmClient(api_gateway=csm_sim.url, token=csm_sim.token())
    assert c.get(NODES) == []
    csm_sim.expire_tokens()
    with pytest.raises(CsmAuthError) as e:
        c.get(NODES)
    assert 'token was rejected (HTTP 401' in str(e.value) and 'client_secret' in str(e.value)


def test_no_token_and_no_secret_fails_before_any_request(csm_sim):
    with pytest.raises(CsmAuthError) as e:
        CsmClient(api_gateway=csm_sim.url).get(NODES)
    assert 'admin-client-auth' in str(e.value)
    assert csm_sim.log() == []


def test_wrong_secret_fails_clearly(csm_sim):
    with pytest.raises(CsmAuthError) as e:
        client(csm_sim, client_secret='not-the-secret').get(NODES)
    msg = str(e.value)
    assert 'Keycloak refused' in msg and 'HTTP 401' in msg and 'admin-client-auth' in msg
    assert 'not-the-secret' not in msg
    assert [e['status'] for e in csm_sim.log()] == [401]  # not retried


def test_404_problem_json_gives_its_detail(csm_sim):
    with pytest.raises(CsmApiError) as e:
        client(csm_sim).get(NODES + '/' + X)
    err = e.value
    assert err.not_found and err.title == 'Not Found'
    assert err.detail == 'Requested resource does not exist. Re-run request with valid ID.'
    assert str(err) == ('GET %s/%s failed with HTTP 404 Not Found: Requested resource does not exist. '
                        'Re-run request with valid ID.' % (NODES, X))
    assert client(csm_sim).get(NODES + '/' + X, missing_ok=True) is None


def test_unsafe_post_is_not_repeated_after_502(csm_sim):
    c = client(csm_sim)
    c.token  # noqa: B018
    csm_sim.fault(method='POST', path='/remote-build-nodes$', status=502, times=1)
    with pytest.raises(CsmApiError) as e:
        c.post(NODES, {'xname': X})
    assert e.value.status == 502
    assert api_log(csm_sim, '/remote-build-nodes') == [('POST', 502)]


def test_safe_post_is_repeated_after_502(csm_sim):
    c = client(csm_sim)
    c.token  # noqa: B018
    csm_sim.fault(method='POST', path='/locks/status$', status=502, times=1)
    answer = c.post(hsm_locks('status'), {'ComponentIDs': [X]}, safe=True)
    assert answer['Components'][0]['ID'] == X
    assert api_log(csm_sim, '/locks/status') == [('POST', 502), ('POST', 200)]


def test_unsafe_post_is_repeated_after_503(csm_sim):
    # 503 means the server did not act on it, so even a POST may be sent again
    c = client(csm_sim)
    c.token  # noqa: B018
    csm_sim.fault(method='POST', path='/remote-build-nodes$', status=503, times=1)
    assert c.post(NODES, {'xname': X}) == {'xname': X}
    assert api_log(csm_sim, '/remote-build-nodes') == [('POST', 503), ('POST', 201)]


def test_tls_unknown_ca_fails_then_works_with_ca_path(csm_sim_tls):
    sim = csm_sim_tls
    assert sim.url.startswith('https://')
    with pytest.raises(CsmConnectionError) as e:
        CsmClient(api_gateway=sim.url, client_secret=sim.client_secret, validate_certs=True,
                  retries=0).get(NODES)
    assert 'TLS verification' in str(e.value) and 'ca_path' in str(e.value)
    assert sim.log() == []  # the handshake failed: no request reached the server
    c = CsmClient(api_gateway=sim.url, client_secret=sim.client_secret, validate_certs=True, ca_path=sim.ca_path)
    assert c.get(NODES) == []


def test_modules_over_tls_with_ca_path(run_tasks, csm_sim_tls):
    res = run_tasks([{'cray.csm.hsm_lock_info': {'component_ids': [X]}},
                     {'cray.csm.hsm_lock_info': {'component_ids': [X], 'ca_path': None}},
                     {'cray.csm.hsm_lock_info': {'component_ids': [X], 'ca_path': None, 'validate_certs': False}}],
                    sim=csm_sim_tls)
    assert res[0].result['failed'] is False and res[0].result['components'][0]['ID'] == X
    assert res[1].result['failed'] is True and 'TLS verification' in res[1].result['msg']
    assert res[2].result['failed'] is False and res[2].result['components'][0]['ID'] == X


def test_no_secret_in_verbose_output(run_tasks, csm_sim):
    """-vvvv output of a playbook that fetches a token, passes it and a client secret to modules, and fails
    one task, holds neither the token nor the secret."""
    given = csm_sim.token()
    res = run_tasks([
        {'cray.csm.token': {'client_secret': csm_sim.client_secret}},
        {'cray.csm.ims_remote_node': {'xname': X, 'token': given}},
        {'cray.csm.hsm_lock': {'component_ids': [X], 'token': given}},
        {'cray.csm.ims_remote_node': {'xname': X, 'state': 'absent'}},   # client_secret from module_defaults
        {'cray.csm.hsm_lock': {'component_ids': ['x1234c0s0b0n0']}},      # fails
        {'cray.csm.ims_remote_node': {'xname': X, 'token': 'stale-token-value', 'client_secret': 'wrong-secret'}},
    ], args=['-vvvv'])
    fetched = res[0].result['token']
    assert fetched and fetched != given
    assert res[1].result['changed'] and res[2].result['changed'] and res[3].result['changed']
    assert res[4].result['failed'] and res[5].result['failed']
    assert 'Keycloak refused' in res[5].result['msg']
    out = res.output
    assert 'cray.csm.hsm_lock' in out and 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in out  # it is the -vvvv output
    for secret in (given, fetched, csm_sim.client_secret, 'stale-token-value', 'wrong-secret'):
        assert secret not in out
