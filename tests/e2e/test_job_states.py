"""End to end: the states IMS 3.32+ jobs leave on a node (running, finishing, failed on the node, dead), foreign
podman volumes, and room for jobs in /tmp, on a container node with real podman where the CSM simulator ran the
jobs over SSH as IMS does (the job containers trap SIGTERM into remote_error as ims-utils does):
remote_build_node_status.yml tells them apart, clean_remote_build_node.yml never touches a running or finishing
job's footprint.
"""
import json
import os

import pytest

from e2e_testbed import XNAMES, Nodes, api, node_sh

NODE = 'csm-ims23-%d-node' % (os.getpid() % 100000)
XNAME = XNAMES[0]


@pytest.fixture(scope='module')
def node(testbed):
    with Nodes(testbed) as n:
        n.up(NODE, XNAME, privileged=True)
        yield n


def findings(report):
    return dict((f['check'], f) for f in report['nodes'][NODE]['findings'])


def on_node(job_id):
    """(directory, container state or None, signal files) of a job on the node."""
    out = node_sh(NODE, 'ls -d /tmp/ims_{0} 2>/dev/null; echo "state=$(podman inspect -f "{{{{.State.Status}}}}" '
                        'ims-{0} 2>/dev/null)"; ls /tmp/ims_{0}/image 2>/dev/null | grep ^remote_ || true'.format(job_id))
    state = [line[6:] for line in out.splitlines() if line.startswith('state=')][0] or None
    return ('/tmp/ims_' + job_id) in out, state, sorted(s for s in out.split() if s.startswith('remote_'))


def test_status_and_cleanup_tell_job_states_apart(csm_sim, node, run_playbook, tmp_path):
    csm_sim.set_nodes(node.node_map())
    api(csm_sim, 'POST', '/apis/ims/v3/remote-build-nodes', {'xname': XNAME}, want=201)
    node_sh(NODE, "echo '%s' >> /root/.ssh/authorized_keys" % csm_sim.ims_public_key.strip())
    running, finishing, failed, dead = [csm_sim.start_job(XNAME)['id'] for _job in range(4)]
    csm_sim.move_job(finishing, node='exiting')   # ims-utils made the new squashfs: remote_exiting
    csm_sim.move_job(failed, node='terminate')    # podman stop: the container's trap touches remote_error
    csm_sim.move_job(dead, node='kill')           # the container is gone, no signal file
    assert on_node(running) == (True, 'running', [])
    assert on_node(finishing) == (True, 'running', ['remote_exiting'])
    assert on_node(failed)[1:] == ('exited', ['remote_error'])
    assert on_node(dead) == (True, None, [])
    # a volume of something that is not an IMS job: IMS's `podman volume prune -f` would delete it
    node_sh(NODE, 'podman volume create ims23-webdata >/dev/null')
    inv = node.inventory(str(tmp_path / 'inventory.ini'), [NODE])
    report_file = str(tmp_path / 'status.json')

    res = run_playbook('remote_build_node_status', csm_sim, inv, extra={
        'remote_build_node_status_file': report_file, 'remote_build_node_image_root_gib': 0.2})
    print(res.out)
    assert res.rc == 0, res.out
    with open(report_file) as f:
        report = json.load(f)
    seen = findings(report)
    assert '%s (customize, creating, x86_64) running on the node' % running in seen['running jobs']['seen']
    assert 'finishing on the node' in seen['running jobs']['seen'].split(finishing)[1].split(',')[2]
    assert seen['failed jobs']['result'] == 'warn' and seen['failed jobs']['seen'].startswith(failed + ':')
    assert seen['dead jobs']['result'] == 'warn' and seen['dead jobs']['seen'].startswith(dead + ':')
    assert seen['podman volumes']['result'] == 'warn' and 'ims23-webdata' in seen['podman volumes']['seen']
    assert seen['room for jobs in /tmp']['result'] == 'ok' and report['nodes'][NODE]['jobs_fit'] >= 1
    assert 'per job (image root 0.2 GiB unpacked' in seen['room for jobs in /tmp']['seen']
    assert report['nodes'][NODE]['orphans'] == [], 'IMS still lists all four'
    header = [line for line in res.out.splitlines() if 'CAN RUN JOBS' in line][0]
    assert 'JOBS FIT' in header, header

    # IMS errors the failed, dead and finishing ones (the abrupt end: podman stop, footprints left); the cleanup
    # removes the failed and dead ones' footprints and never touches the running and the finishing one.
    for job in (failed, dead, finishing):
        csm_sim.move_job(job, 'fail', orphan=True)
    res = run_playbook('clean_remote_build_node', csm_sim, inv)
    print(res.out)
    assert res.rc == 0, res.out
    assert on_node(failed) == (False, None, []) and on_node(dead) == (False, None, [])
    assert on_node(running) == (True, 'running', [])
    assert on_node(finishing)[0] and 'remote_exiting' in on_node(finishing)[2]
    assert 'ims23-webdata' in node_sh(NODE, 'podman volume ls -q')
    again = run_playbook('clean_remote_build_node', csm_sim, inv)
    assert again.rc == 0 and again.changed == 0, again.out
