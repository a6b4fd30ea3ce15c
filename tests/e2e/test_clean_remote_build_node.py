"""End to end: clean_remote_build_node.yml on a container node with real podman, where the CSM
simulator ran IMS jobs over SSH (tests/simulator/ims_jobs.py): only the footprints of jobs IMS no
longer runs go; a live job, a container that is no IMS job's and other /tmp entries stay.
"""
import os

import pytest

from e2e_testbed import XNAMES, Nodes, api, make_footprint, node_sh, node_state

NODE = 'csm-e2ec%d-node' % (os.getpid() % 100000)
XNAME = XNAMES[0]
UNKNOWN = '0badc0de-0000-4000-8000-0000000000aa'  # a footprint of a job IMS does not know


@pytest.fixture(scope='module')
def node(testbed):
    with Nodes(testbed) as n:
        n.up(NODE, XNAME, privileged=True)
        yield n


def footprint_of(job_id):
    """(directory, container, image) of a job that are on the node."""
    out = node_sh(NODE, 'ls -d /tmp/ims_{0} 2>/dev/null; podman ps -a --format "{{{{.Names}}}}" --filter name=^ims-{0}$;'
                        ' podman images -q localhost/ims-remote-{0}:1.0.0'.format(job_id))
    return tuple(bool(x) for x in [('/tmp/ims_' + job_id) in out, ('ims-' + job_id) in out,
                                   len(out.strip().splitlines()) == 3])


def test_removes_only_dead_jobs_footprints(csm_sim, node, run_playbook, tmp_path):
    csm_sim.set_nodes(node.node_map())
    api(csm_sim, 'POST', '/apis/ims/v3/remote-build-nodes', {'xname': XNAME}, want=201)
    key = csm_sim.ims_public_key.strip()
    node_sh(NODE, "echo '%s' >> /root/.ssh/authorized_keys" % key)
    live = csm_sim.start_job(XNAME)['id']
    failed = csm_sim.start_job(XNAME)['id']
    done = csm_sim.start_job(XNAME)['id']
    csm_sim.move_job(failed, 'fail', orphan=True)   # IMS stopped irregularly: error, footprint left
    csm_sim.move_job(done, 'finish', orphan=True)
    make_footprint(NODE, UNKNOWN)
    # Not IMS jobs': a container and an image of another name, a /tmp/ims_ entry without a job id
    node_sh(NODE, 'set -e; tar -cf - -T /dev/null | podman import -q - localhost/web:1 >/dev/null;'
                  ' podman create -q --name web -v /data localhost/web:1 /bin/true >/dev/null; mkdir /tmp/ims_notajob /tmp/keep')
    dead = sorted([failed, done, UNKNOWN])
    for job in [live] + dead:
        assert footprint_of(job) == (True, True, True), job
    live_state = node_sh(NODE, 'podman inspect -f "{{.State.Status}}" ims-' + live)
    print("live job container:", live_state)
    inv = node.inventory(str(tmp_path / 'inventory.ini'), [NODE])

    before = node_state(NODE)
    checked = run_playbook('clean_remote_build_node', csm_sim, inv, args=['--check'])
    print(checked.out)
    assert checked.rc == 0, checked.out
    assert node_state(NODE) == before, '--check changes nothing'
    assert checked.recap[NODE]['changed'] == 1, 'and predicts the removal'
    for job in dead:
        assert job in checked.out
    assert 'would remove the footprints of 3 dead job(s)' in checked.out, checked.out

    res = run_playbook('clean_remote_build_node', csm_sim, inv)
    print(res.out)
    assert res.rc == 0, res.out
    for job in dead:
        assert footprint_of(job) == (False, False, False), job
        assert 'container ims-%s' % job in res.out
    assert footprint_of(live) == (True, True, True), 'a live job is never touched'
    assert node_sh(NODE, 'podman inspect -f "{{.State.Status}}" ims-' + live) == live_state
    after = node_state(NODE)
    for kept in ('web', 'localhost/web:1', 'ims_notajob', 'keep'):
        assert kept in after, kept
    assert after.count('\n') < before.count('\n')
    # the removed container's anonymous volume went with it; web's stays
    assert len(node_sh(NODE, 'podman volume ls -q').split()) == 1
    assert 'removed the footprints of 3 dead job(s)' in res.out, res.out

    again = run_playbook('clean_remote_build_node', csm_sim, inv)
    assert again.rc == 0, again.out
    assert again.changed == 0, again.out
    assert 'nothing to remove' in again.out
    assert node_state(NODE) == after
