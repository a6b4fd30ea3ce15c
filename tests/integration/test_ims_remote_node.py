# -*- coding: utf-8 -*-
"""cray.csm.ims_remote_node and ims_remote_node_info against the simulator, over HTTP."""
from __future__ import absolute_import, division, print_function

import pytest

X = 'x3000c0s19b4n0'
BASE = '/apis/ims/v3/remote-build-nodes'


def node(**args):
    args.setdefault('xname', X)
    return {'cray.csm.ims_remote_node': args}


def registered(sim):
    status, body = sim.request('GET', BASE, headers={'Authorization': 'Bearer ' + sim.token()})
    assert status == 200
    return sorted(n['xname'] for n in body)


def test_create_rerun_check_delete(run_tasks, csm_sim):
    res = run_tasks([
        dict(node(), check_mode=True, diff=True),
        dict(node(), diff=True),
        node(),
        dict(node(state='absent'), check_mode=True),
        node(state='absent'),
        node(state='absent'),
    ])
    check, create, again, check_del, delete, delete_again = res
    # check mode predicted exactly what the real run then did, and sent no write
    assert check.result['changed'] is True and create.result['changed'] is True
    for key in ('node', 'diff', 'status'):
        assert check.result[key] == create.result[key], key
    assert check.result['diff'] == {'before': {}, 'after': {'xname': X}}
    assert check.requests() == [('GET', BASE + '/' + X)]
    # budgets: new node 2 requests, existing node 1
    assert create.requests() == [('GET', BASE + '/' + X), ('POST', BASE)]
    assert again.result['changed'] is False and again.requests() == [('GET', BASE + '/' + X)]
    assert check_del.result['changed'] is True and check_del.requests() == [('GET', BASE + '/' + X)]
    assert delete.result['changed'] is True and delete.requests() == [('DELETE', BASE + '/' + X)]
    assert delete_again.result['changed'] is False
    # never the collection-level DELETE
    assert all(p != BASE for r in res for m, p in r.requests('DELETE'))
    assert registered(csm_sim) == []


def test_absent_leaves_other_nodes(run_tasks, csm_sim):
    other = 'x3000c0s19b3n0'
    res = run_tasks([node(), node(xname=other), node(state='absent')])
    assert [r.result['changed'] for r in res] == [True, True, True]
    assert registered(csm_sim) == [other]


@pytest.mark.parametrize('bad', ['x3000c0s19b4', 'nid000001', 'x3000c0s19b4n0;rm'])
def test_bad_xname_fails_before_any_request(run_tasks, bad):
    res = run_tasks([node(xname=bad)])
    assert res[0].result['failed'] is True
    assert 'x3000c0s19b4n0' in res[0].result['msg'] and bad in res[0].result['msg']
    assert res[0].log == []


def info(**args):
    return {'cray.csm.ims_remote_node_info': args}


def test_wait_times_out_with_the_ims_reason(run_tasks):
    # the simulator's IMS cannot resolve an unmapped xname, as the real one could not
    res = run_tasks([node(wait=True, wait_timeout=1)])
    r = res[0].result
    assert r['failed'] is True
    assert 'Name or service not known' in r['msg'] and r['status']['ableToRunJobs'] is False
    # the node was registered by this run: the failed wait does not undo that
    assert r['changed'] is True and r['node'] == {'xname': X}
    # one poll, then one more at the deadline (the poll interval is longer than the timeout)
    assert res[0].requests() == [('GET', BASE + '/' + X), ('POST', BASE)] + [('GET', BASE + '/status/' + X)] * 2


def test_csm_15_has_no_status_endpoint(run_tasks, csm_sim):
    csm_sim.config(csm_version='1.5')
    res = run_tasks([node(wait=True, wait_timeout=5), info(status=True)])
    r = res[0].result
    assert r['failed'] is False and r['changed'] is True and r['status'] is None
    assert any('no remote build node status endpoint' in w for w in r['warnings'])
    assert res[1].result['status_available'] is False
    assert res[1].result['remote_build_nodes'] == [{'xname': X, 'status': None}]


def test_info_lists_all_with_one_status_request(run_tasks):
    other = 'x3000c0s19b3n0'
    res = run_tasks([node(), node(xname=other), info(), info(status=True), info(xname=X, status=True),
                     info(xname='x3000c0s17b1n0')])
    assert res[2].result['remote_build_nodes'] == [{'xname': other}, {'xname': X}]
    assert res[2].requests() == [('GET', BASE)]
    listed = res[3].result['remote_build_nodes']
    assert [n['xname'] for n in listed] == [other, X]
    assert all(n['status']['xname'] == n['xname'] and n['status']['ableToRunJobs'] is False for n in listed)
    assert res[3].requests() == [('GET', BASE), ('GET', BASE + '/status')]
    assert [n['xname'] for n in res[4].result['remote_build_nodes']] == [X]
    assert res[4].requests() == [('GET', BASE + '/' + X), ('GET', BASE + '/status/' + X)]
    assert res[5].result['remote_build_nodes'] == [] and res[5].result['changed'] is False
