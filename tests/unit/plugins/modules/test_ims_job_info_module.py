# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.modules import ims_job_info
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

JOBS = '/apis/ims/v3/jobs'
X = 'x3000c0s19b4n0'


def job(i, status='building_image', node=X, job_type='customize'):
    return dict(id=i, status=status, remote_build_node=node, job_type=job_type, arch='x86_64',
                created='2026-12-01T09:00:0' + i[1:])


ALL = [job('j3', 'success'), job('j1'), job('j2', node='x3000c0s19b3n0'), job('j4', node=''),
       job('j5', 'waiting_on_user', node='X3000C0S19B04N0', job_type='create')]


def test_filters_by_node_canonically_oldest_first(monkeypatch, fake_client):
    fake_client.on('GET', JOBS, ALL)
    r = run_module(ims_job_info.main, dict(remote_build_node='x3000c0s19b04n0'), monkeypatch)
    # j5's node is the same xname written another way
    assert [j['id'] for j in r['jobs']] == ['j1', 'j3', 'j5']
    assert [j['id'] for j in r['live_jobs']] == ['j1', 'j5'] and r['changed'] is False
    assert r['message'] == '2 live IMS jobs: j1 (building_image), j5 (waiting_on_user)'
    assert fake_client.methods() == [('GET', JOBS)]


@pytest.mark.parametrize('args,ids', [
    (dict(status=['success', 'waiting_on_user']), ['j3', 'j5']),
    (dict(job_type='create'), ['j5']),
    (dict(remote_build_node=X, status=['building_image']), ['j1']),
])
def test_status_and_type_filters(monkeypatch, fake_client, args, ids):
    fake_client.on('GET', JOBS, ALL)
    r = run_module(ims_job_info.main, args, monkeypatch)
    assert [j['id'] for j in r['jobs']] == ids


def test_by_id_and_unknown_id(monkeypatch, fake_client):
    fake_client.on('GET', JOBS + '/j1', job('j1'))
    fake_client.on('GET', JOBS + '/j9', api_error(404, 'Requested resource does not exist.'))
    r = run_module(ims_job_info.main, dict(id='j1'), monkeypatch)
    assert r['job']['id'] == 'j1' and r['live_jobs'] == [r['job']]
    r = run_module(ims_job_info.main, dict(id='j9'), monkeypatch)
    assert r['job'] is None and r['jobs'] == [] and r['message'] == 'no live IMS job'


def test_footprints_live_elsewhere_and_orphans(monkeypatch, fake_client):
    fake_client.on('GET', JOBS, ALL)
    # j2 is live on another node but has a directory here; j3 ended; j7 is unknown to IMS
    r = run_module(ims_job_info.main, dict(remote_build_node=X, footprints=['/tmp/ims_j2', 'ims_j3', 'j7']), monkeypatch)
    assert [j['id'] for j in r['live_jobs']] == ['j1', 'j2', 'j5']
    assert r['orphans'] == [dict(id='j3', status='success'), dict(id='j7', status=None)]
    assert r['message'].endswith('; 2 orphaned footprints: j3, j7')


def test_bad_xname_fails_before_any_request(monkeypatch, fake_client):
    r = run_module(ims_job_info.main, dict(remote_build_node='x3000c0s19b4'), monkeypatch)
    assert r['failed'] and 'x3000c0s19b4' in r['msg'] and fake_client.calls == []


def test_wait_until_the_jobs_end(monkeypatch, fake_client):
    answers = [[job('j1'), job('j2', 'packaging_artifacts')], [job('j1', 'success'), job('j2', 'packaging_artifacts')],
               [job('j1', 'success')]]
    fake_client.on('GET', JOBS, lambda body: answers.pop(0) if len(answers) > 1 else answers[0])
    monkeypatch.setattr(ims_job_info.time, 'sleep', lambda s: None)
    monkeypatch.setattr('ansible_collections.cray.csm.plugins.module_utils.module.time.sleep', lambda s: None)
    r = run_module(ims_job_info.main, dict(remote_build_node=X, wait=True, poll_interval=1), monkeypatch)
    assert r['failed'] is False and r['live_jobs'] == []
    # j2 was deleted from IMS while live: it keeps the last status seen
    assert r['waited_for'] == [dict(id='j1', status='success'), dict(id='j2', status='packaging_artifacts')]
    assert r['message'].startswith('no live IMS job after ') and 'j1 (success)' in r['message']
    assert fake_client.methods() == [('GET', JOBS)] * 3


def test_wait_timeout_names_each_job(monkeypatch, fake_client):
    fake_client.on('GET', JOBS, [job('j1'), job('j3', 'success')])
    r = run_module(ims_job_info.main, dict(remote_build_node=X, wait=True, wait_timeout=0, footprints=['j3']),
                   monkeypatch)
    assert r['failed'] is True
    assert 'Timed out after 0s' in r['msg'] and r['msg'].endswith('Still live: j1 (building_image).')
    assert [j['id'] for j in r['live_jobs']] == ['j1'] and r['orphans'] == [dict(id='j3', status='success')]


def test_node_states_mark_jobs_and_keep_running_ones_from_orphans(monkeypatch, fake_client):
    """What the node shows (build_node_info's state) rides on each live job and orphan; a footprint the node shows
    running or finishing is no orphan, even of a job IMS ended or does not know."""
    fake_client.on('GET', JOBS, ALL)
    states = {'j1': 'dead', 'j3': 'finishing', 'j9': 'running', 'j8': 'failed'}
    r = run_module(ims_job_info.main, dict(remote_build_node='x3000c0s19b3n0', footprints=['/tmp/ims_j1', 'j3', 'j9', 'j8'],
                                           node_states=states), monkeypatch)
    assert [(j['id'], j.get('node_state')) for j in r['live_jobs']] == [('j1', 'dead'), ('j2', None)]
    assert r['orphans'] == [dict(id='j8', status=None, node_state='failed')]
    assert 'j1 (building_image, dead on the node)' in r['message']
