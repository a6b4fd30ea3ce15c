# -*- coding: utf-8 -*-
"""The modules survive the faults the client must survive, through real ansible-playbook runs."""
from __future__ import absolute_import, division, print_function

X = 'x3000c0s19b4n0'
NODES = '/apis/ims/v3/remote-build-nodes'
H = '/apis/smd/hsm/v2'


def node(**args):
    return {'cray.csm.ims_remote_node': dict(args, xname=X)}


def lock(**args):
    return {'cray.csm.hsm_lock': dict(args, component_ids=[X])}


def statuses(run, end):
    return [(e['method'], e['status']) for e in run.log if e['path'].endswith(end)]


def test_transient_faults_are_retried(run_tasks, csm_sim):
    csm_sim.fault(method='GET', path='/remote-build-nodes/' + X + '$', status=503, times=2)
    csm_sim.fault(method='POST', path='/remote-build-nodes$', status=429, retry_after=1, times=1)
    csm_sim.fault(method='POST', path='/locks/status$', drop=True, times=1)
    csm_sim.fault(method='POST', path='/locks/lock$', status=503, times=1)
    res = run_tasks([node(), lock()], defaults={'retries': 3})
    assert res[0].result['changed'] is True and res[1].result['changed'] is True
    assert statuses(res[0], X) == [('GET', 503), ('GET', 503), ('GET', 404)]
    assert statuses(res[0], '/remote-build-nodes') == [('POST', 429), ('POST', 201)]
    assert statuses(res[1], '/locks/status') == [('POST', 0), ('POST', 200)]  # dropped, then answered
    assert statuses(res[1], '/locks/lock') == [('POST', 503), ('POST', 200)]


def test_unsafe_writes_are_not_repeated_after_502(run_tasks, csm_sim):
    csm_sim.fault(method='POST', path='/remote-build-nodes$', status=502, times=1)
    csm_sim.fault(method='POST', path='/locks/lock$', status=502, times=1)
    res = run_tasks([node(), lock(), node(), lock()])
    for failed in res[0], res[1]:
        assert failed.result['failed'] is True and 'HTTP 502' in failed.result['msg']
    assert statuses(res[0], '/remote-build-nodes') == [('POST', 502)]
    assert statuses(res[1], '/locks/lock') == [('POST', 502)]
    # the server did not act, so a re-run does the work
    assert res[2].result['changed'] is True and res[3].result['changed'] is True


def test_server_error_fails_with_its_detail(run_tasks, csm_sim):
    csm_sim.fault(method='GET', path='/remote-build-nodes/' + X + '$', status=500, times=1)
    res = run_tasks([node()])
    r = res[0].result
    assert r['failed'] is True and r['failure']['status'] == 500
    assert r['msg'] == 'GET %s/%s failed with HTTP 500 Internal Server Error: Injected fault' % (NODES, X)
    assert statuses(res[0], X) == [('GET', 500)]


def test_stale_token_is_replaced_with_the_secret(run_tasks, csm_sim):
    res = run_tasks([node(), lock()], auth='secret', defaults={'token': 'a-stale-token'})
    assert res[0].result['changed'] is True and res[1].result['changed'] is True
    first = [(e['method'], e['path'].rsplit('/', 1)[-1], e['status']) for e in res[0].log]
    assert first[:3] == [('GET', X, 401), ('POST', 'token', 200), ('GET', X, 404)]


def test_stale_token_without_secret_fails_clearly(run_tasks, csm_sim):
    res = run_tasks([lock()], auth=None, defaults={'token': 'a-stale-token'})
    r = res[0].result
    assert r['failed'] is True and 'token was rejected (HTTP 401' in r['msg']
    assert 'a-stale-token' not in res.output


def test_unreachable_gateway_fails_clearly(run_tasks, csm_sim):
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    res = run_tasks([lock()], defaults={'api_gateway': 'http://127.0.0.1:%d' % port, 'retries': 1})
    r = res[0].result
    assert r['failed'] is True and 'cannot reach the CSM API gateway' in r['msg']
