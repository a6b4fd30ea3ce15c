# -*- coding: utf-8 -*-
"""cray.csm.ims_job_info against the simulator's IMS jobs, over HTTP (jobs without a node footprint)."""
from __future__ import absolute_import, division, print_function

import threading

X = 'x3000c0s19b4n0'
OTHER = 'x3000c0s19b3n0'
JOBS = '/apis/ims/v3/jobs'


def info(**args):
    return {'cray.csm.ims_job_info': args}


def jobs_on_nodes(sim):
    token = {'Authorization': 'Bearer ' + sim.token()}
    for x in (X, OTHER):
        assert sim.request('POST', '/apis/ims/v3/remote-build-nodes', {'xname': x}, headers=token)[0] == 201
    return dict(
        live=sim.start_job(X, footprint=False, status='building_image')['id'],
        done=sim.start_job(X, footprint=False, status='success', job_type='create')['id'],
        other=sim.start_job(OTHER, footprint=False, status='packaging_artifacts')['id'],
        k8s=sim.start_job('', footprint=False, status='waiting_on_user')['id'])


def ids(result, key='jobs'):
    return [j['id'] for j in result[key]]


def test_filters_and_one_request_each(run_tasks, csm_sim):
    j = jobs_on_nodes(csm_sim)
    res = run_tasks([
        info(remote_build_node='X3000C0S19B04N0'),
        dict(info(remote_build_node=X, status=['success'], job_type='create'), check_mode=True),
        info(id=j['other']),
        info(id='00000000-0000-0000-0000-000000000000'),
        info(remote_build_node=X, footprints=[j['other'], j['done'], 'not-a-job']),
    ])
    by_node, done, one, unknown, fp = [r.result for r in res]
    assert ids(by_node) == [j['live'], j['done']] and ids(by_node, 'live_jobs') == [j['live']]
    assert by_node['message'] == '1 live IMS job: %s (building_image)' % j['live']
    assert ids(done) == [j['done']] and done['changed'] is False
    assert one['job']['remote_build_node'] == OTHER and one['job']['status'] == 'packaging_artifacts'
    assert unknown['job'] is None and unknown['jobs'] == []
    # a live job with a directory on the node counts, whatever node IMS gives it; the rest are orphans
    assert ids(fp, 'live_jobs') == [j['live'], j['other']]
    assert fp['orphans'] == sorted([dict(id=j['done'], status='success'), dict(id='not-a-job', status=None)],
                                   key=lambda o: o['id'])
    assert [r.requests() for r in res] == [[('GET', JOBS)], [('GET', JOBS)], [('GET', JOBS + '/' + j['other'])],
                                           [('GET', JOBS + '/00000000-0000-0000-0000-000000000000')],
                                           [('GET', JOBS)]]


def finish_once_polled(sim, job_id, stop, polls=2):
    """End the job once the module has read IMS's job list `polls` times (it is waiting then)."""
    while not stop.wait(0.3):
        if len([e for e in sim.log() if (e['method'], e['path']) == ('GET', JOBS)]) >= polls:
            sim.move_job(job_id, 'finish')
            return


def test_wait_until_the_job_ends(run_tasks, csm_sim):
    j = jobs_on_nodes(csm_sim)
    csm_sim.clear_log()
    stop = threading.Event()
    ender = threading.Thread(target=finish_once_polled, args=(csm_sim, j['live'], stop))
    ender.start()
    try:
        res = run_tasks([info(remote_build_node=X, wait=True, poll_interval=1, wait_timeout=60)])
    finally:
        stop.set()
        ender.join()
    r = res[0].result
    assert r['failed'] is False and r['live_jobs'] == [] and r['waited'] >= 1
    assert r['waited_for'] == [dict(id=j['live'], status='success')]
    assert len(res[0].requests()) >= 3 and set(res[0].requests()) == {('GET', JOBS)}


def test_wait_timeout_names_the_job(run_tasks, csm_sim):
    j = jobs_on_nodes(csm_sim)
    res = run_tasks([info(remote_build_node=X, wait=True, poll_interval=1, wait_timeout=2)])
    r = res[0].result
    assert r['failed'] is True and ids(r, 'live_jobs') == [j['live']]
    assert 'Timed out after 2s' in r['msg'] and '%s (building_image)' % j['live'] in r['msg']
    assert j['other'] not in r['msg']


def test_bad_xname_fails_before_any_request(run_tasks):
    res = run_tasks([info(remote_build_node='x3000c0s19b4')])
    assert res[0].result['failed'] is True and 'x3000c0s19b4n0' in res[0].result['msg'] and res[0].log == []
