"""End to end: remove_remote_build_node.yml drains a node before it unlocks and unmounts it.

A container node with the Ceph build cache (tests/testbed/ceph.sh, as in test_ceph_buildcache.py)
runs IMS jobs that the simulator starts on it over SSH with the IMS key, as an IMS job pod does: a
/tmp/ims_<id> directory (on the cache, whose bind mount holds /tmp) and a running podman container
ims-<id> from localhost/ims-remote-<id>:1.0.0 (its storage in /var/lib/containers, on the cache too).
The node is on the machine's network, so the job container publishes no port (publish=false).

- a live job: --check says what the drain would wait for and changes nothing; a short drain timeout
  fails naming the job and leaves the node unregistered, locked and mounted;
- the same removal with a long timeout waits, and finishes when the test ends the job meanwhile;
- orphans (the footprint of a failed job IMS no longer runs, a directory IMS never knew) do not block
  and are reported;
- remote_build_node_force=true on a node with a live job does not wait, and says so.
"""
import json
import os
import re
import threading
import time
import uuid

import pytest

from e2e_testbed import XNAMES, Nodes, fetch_cache_packages, sh
import test_ceph_buildcache
from test_ceph_buildcache import rbd

_RUN = 'csm-e2e%d' % (os.getpid() % 100000)
NODE = _RUN + '-drain'
X = XNAMES[0]
IMAGE_NAME = 'buildcache-' + NODE
IMAGE = 'kube/' + IMAGE_NAME
# This test's own image: under the role's default name (buildcache-<xname>, the xname other tests use too)
# it would find the jobs' directories an earlier run of this test left on it (e2e runs on two cores).
CACHE = dict(test_ceph_buildcache.CACHE, ceph_buildcache_image=IMAGE_NAME, ceph_buildcache_legacy_image='')
FAST = {'remote_build_node_drain_poll_interval': '1'}
# The test bed's Ceph (started and stopped here unless tests/run started it).
ceph = test_ceph_buildcache.ceph


@pytest.fixture(scope='module')
def node(testbed, ceph):
    n = Nodes(testbed)
    try:
        n.up(NODE, X, host_network=True)
        reason = fetch_cache_packages(NODE)
        if reason:  # not installable means skip, not fail
            print(reason)
            pytest.skip(reason)
        yield n
    finally:
        # job containers first: their storage is on the cache that nodes.sh releases
        sh('podman', 'exec', NODE, 'sh', '-c', 'podman rm -a -f -t 0; podman rmi -a -f')
        n.down()
        for _attempt in range(10):
            if rbd('info', IMAGE).returncode != 0 or rbd('rm', '--no-progress', IMAGE).returncode == 0:
                break
            time.sleep(5)


def in_node(script):
    out = sh('podman', 'exec', NODE, 'sh', '-c', script)
    assert out.returncode == 0, (script, out.stdout)
    return out.stdout


def api(sim, method, path, body=None):
    status, out = sim.request(method, path, body, headers={'Authorization': 'Bearer ' + sim.token()})
    assert status == 200, (method, path, status, out)
    return out


def state(sim):
    """What the removal may change: IMS registration, HSM lock, the cache mount."""
    locks = api(sim, 'POST', '/apis/smd/hsm/v2/locks/status', {'ComponentIDs': [X]})['Components']
    mounted = sh('podman', 'exec', NODE, 'findmnt', '-n', '--mountpoint', '/mnt/cache').returncode == 0
    return dict(registered=[n['xname'] for n in api(sim, 'GET', '/apis/ims/v3/remote-build-nodes')] == [X],
                locked=locks[0]['Locked'], mounted=mounted)


def footprint(job_id):
    """The job's directory, container state and image on the node."""
    out = in_node('test -d /tmp/ims_{0} && echo dir; podman inspect -f "{{{{.State.Status}}}}" ims-{0} 2>/dev/null;'
                  ' podman image exists localhost/ims-remote-{0}:1.0.0 && echo image; true'.format(job_id))
    return out.split()


def summary(out):
    """The summary lines (the debug msg list), without the quotes."""
    m = re.search(r'TASK \[Summary per node\].*?"msg": \[(.*?)\]', out, re.S)
    assert m, out
    return [json.loads(line.strip().rstrip(',')) for line in m.group(1).strip().splitlines()]


def row(lines):
    cols = ['NODE', 'XNAME', 'REGISTERED', 'DRAIN', 'LOCKED', 'CACHE']
    found = [dict(zip(cols, re.split(r'\s{2,}', line.strip()))) for line in lines if line.startswith(NODE)]
    assert len(found) == 1, lines
    return found[0]


class JobEnder(threading.Thread):
    """Ends the job once the playbook's drain has polled IMS's job list a few times."""

    def __init__(self, sim, job_id):
        super(JobEnder, self).__init__()
        self.sim, self.job_id, self.polls, self.stop = sim, job_id, 0, threading.Event()

    def run(self):
        while not self.stop.wait(0.5):
            self.polls = len([e for e in self.sim.log() if (e['method'], e['path']) == ('GET', '/apis/ims/v3/jobs')])
            if self.polls >= 3:  # the first read, then two polls of the wait
                self.sim.move_job(self.job_id, 'finish')
                return


def test_drain_waits_times_out_reports_orphans_and_force(csm_sim, node, run_playbook, tmp_path, monkeypatch):
    monkeypatch.setenv('TMPDIR', str(tmp_path))
    csm_sim.set_nodes(node.node_map())
    inv = node.inventory(str(tmp_path / 'inventory.ini'), [NODE])
    setup = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE)
    assert setup.rc == 0, setup.out
    assert state(csm_sim) == dict(registered=True, locked=True, mounted=True)

    # A job IMS runs on the node, as its pod leaves it there: a running container.
    live = csm_sim.start_job(X, publish=False, status='building_image')
    assert live['_sim']['footprint']['container'] == 'running', live
    assert footprint(live['id']) == ['dir', 'running', 'image']
    assert in_node('findmnt -n -o TARGET -T /tmp/ims_%s' % live['id']).strip() == '/tmp', 'on the cache bind'
    # An orphan: a job that failed irregularly (its container exited, nothing was cleaned) ...
    dead = csm_sim.start_job(X, publish=False, orphan=True)
    csm_sim.move_job(dead['id'], 'fail')
    in_node('podman stop -t 0 ims-%s >/dev/null' % dead['id'])
    assert footprint(dead['id']) == ['dir', 'exited', 'image']
    # ... and a directory of a job IMS never knew.
    unknown = str(uuid.uuid4())
    in_node('mkdir -p /tmp/ims_%s/image' % unknown)
    status = api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes/status/' + X)
    assert status['numCurrentJobs'] == 3, 'IMS counts every /tmp/ims_* as a current job'

    # --check: says what it would wait for, changes nothing
    checked = run_playbook('remove_remote_build_node', csm_sim, inv, extra=dict(CACHE, **FAST), args=['--check'])
    assert checked.rc == 0, checked.out
    assert 'Check mode: a real run waits up to 3600 s for them.' in checked.out
    assert '1 live IMS job: %s (building_image)' % live['id'] in checked.out
    assert row(summary(checked.out))['DRAIN'] == 'would wait'
    assert state(csm_sim) == dict(registered=True, locked=True, mounted=True)

    # a short drain timeout: fails naming the job; unregistered, still locked and mounted
    timeout = dict(CACHE, remote_build_node_drain_timeout='3', **FAST)
    blocked = run_playbook('remove_remote_build_node', csm_sim, inv, extra=timeout)
    assert blocked.rc != 0 and blocked.recap[NODE]['failed'] == 1, blocked.out
    assert state(csm_sim) == dict(registered=False, locked=True, mounted=True)
    assert footprint(live['id']) == ['dir', 'running', 'image'], 'the job goes on'
    fail = re.search(r'fatal: \[%s\]: FAILED! => .*"msg": "(.*)"' % NODE, blocked.out)
    assert fail, blocked.out
    assert 'Still live: %s (building_image)' % live['id'] in fail.group(1)
    assert 'locked in HSM and its build cache mounted' in fail.group(1)
    assert 'remote_build_node_force=true' in fail.group(1) and 'remote_build_node_drain_timeout' in fail.group(1)
    lines = summary(blocked.out)
    assert row(lines)['DRAIN'] == 'TIMEOUT' and row(lines)['LOCKED'] == 'yes' and row(lines)['CACHE'] == 'mounted'

    # the removal again: it waits, the test ends the job meanwhile (its pod cleans the node), it goes on
    csm_sim.clear_log()
    ender = JobEnder(csm_sim, live['id'])
    ender.start()
    try:
        drained = run_playbook('remove_remote_build_node', csm_sim, inv, extra=dict(CACHE, **FAST))
    finally:
        ender.stop.set()
        ender.join()
    assert drained.rc == 0, drained.out
    assert ender.polls >= 3, 'the job ended while the drain polled IMS'
    assert footprint(live['id']) == []
    assert state(csm_sim) == dict(registered=False, locked=False, mounted=False)
    lines = summary(drained.out)
    assert row(lines)['DRAIN'] == 'drained', lines
    jobs = [line for line in lines if line.startswith('JOBS ')]
    assert len(jobs) == 1 and 'waited ' in jobs[0] and live['id'] in jobs[0], lines
    orphans = [line for line in lines if line.startswith('ORPHANS ')]
    assert len(orphans) == 1 and dead['id'] in orphans[0] and unknown in orphans[0], lines
    assert 'FORCED' not in drained.out

    # force: a node running a job is removed without waiting, and the summary says so
    again = run_playbook('remote_build_node', csm_sim, inv)
    assert again.rc == 0, again.out
    forced_job = csm_sim.start_job(X, publish=False, status='waiting_on_user')
    forced = run_playbook('remove_remote_build_node', csm_sim, inv, extra=dict(remote_build_node_force='true', **FAST))
    assert forced.rc == 0, forced.out
    assert state(csm_sim)['registered'] is False and state(csm_sim)['locked'] is False
    assert footprint(forced_job['id']) == ['dir', 'running', 'image'], 'not waited for: still running'
    lines = summary(forced.out)
    assert row(lines)['DRAIN'] == 'FORCED', lines
    assert any(line.startswith('FORCED: remote_build_node_force=true') for line in lines), lines
    assert 'FORCED (remote_build_node_force=true): not waiting for them.' in forced.out
    assert 'Waiting up to' not in forced.out
