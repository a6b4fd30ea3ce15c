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


def test_2xx_that_is_not_the_promised_json_fails_and_is_never_data(run_tasks, csm_sim):
    """A proxy's login page, an empty body, JSON of the wrong shape: errors naming URL, status, type."""
    csm_sim.fault(method='GET', path='/remote-build-nodes/' + X + '$', status=200,
                  body='<html><body>Sign in</body></html>', content_type='text/html', times=1)
    csm_sim.fault(method='POST', path='/remote-build-nodes$', status=201, body='', content_type='application/json',
                  times=1)
    csm_sim.fault(method='GET', path='/sessiontemplates/t$', status=200, body='[]',
                  content_type='application/json', times=1)
    res = run_tasks([node(), node(),
                     {'cray.csm.bos_sessiontemplate': {'name': 't', 'boot_sets': {'compute': {
                         'path': 's3://boot-images/i/manifest.json', 'type': 's3', 'node_list': [X]}}}}])
    html, empty, shape = (r.result for r in res)
    assert html['failed'] is True and html['changed'] is False
    assert ('GET %s%s/%s answered HTTP 200 with Content-Type text/html: a body of 33 bytes that is not JSON'
            % (csm_sim.url, NODES, X)) in html['msg']
    assert [m for m, _unused in res[0].requests()] == ['GET']  # nothing was registered on a login page
    # the POST went through (201) but its answer is no record: the task failed after a write
    assert empty['failed'] is True and empty['changed'] is True
    assert 'answered HTTP 201 with Content-Type application/json: an empty body where a JSON object is due' \
        in empty['msg']
    assert shape['failed'] is True and 'JSON of the wrong shape (list where a JSON object is due)' in shape['msg']
    assert [m for m, _unused in res[2].requests()] == ['GET']
