"""End to end: configure_remote_build_nodes.yml on container nodes of both architectures, the inventory from
the simulator's HSM group ims_builders (cray.csm.hsm), then a re-run with changed=0, then removal."""
import os

import pytest

from e2e_testbed import Nodes, api

_RUN = 'csm-e2e%d' % (os.getpid() % 100000)
# The seed's HSM group ims_builders: one x86_64 node (on) and one aarch64 node (off).
NODES = {_RUN + '-x86': ('x3000c0s19b4n0', 'x86_64'), _RUN + '-arm': ('x3000c0s17b2n0', 'aarch64')}
XNAMES = sorted(x for x, _arch in NODES.values())


@pytest.fixture(scope='module')
def arch_nodes(testbed):
    with Nodes(testbed) as n:
        for name, (xname, arch) in NODES.items():
            n.up(name, xname, arch=arch)
        yield n


def sessions_created(sim, service):
    return [e for e in sim.log() if e['method'] == 'POST' and e['path'] == '/apis/%s/sessions' % service
            and e['status'] in (200, 201)]


def test_configure_rerun_and_remove(csm_sim, arch_nodes, run_playbook, tmp_path):
    csm_sim.config(cfs_session_seconds=2, bos_session_seconds=2)
    csm_sim.set_nodes(arch_nodes.node_map())
    # an HSM inventory of group ims_builders; host_vars say where each xname's sshd listens here
    inv = arch_nodes.hsm_inventory(str(tmp_path / 'inventory'), 'ims_builders', api_gateway=csm_sim.url,
                                   client_secret=csm_sim.client_secret)
    extra = {'remote_build_node_hosts': 'ims_builders', 'csm_poll_interval': 1}

    csm_sim.clear_log()
    first = run_playbook('configure_remote_build_nodes', csm_sim, inv, extra)
    assert first.rc == 0, first.out[-6000:]
    assert len(sessions_created(csm_sim, 'cfs/v3')) == 2 and len(sessions_created(csm_sim, 'bos/v2')) == 2
    status = dict((s['xname'], s) for s in api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes/status'))
    assert sorted(status) == XNAMES
    for xname, arch in NODES.values():
        # IMS read the architecture with `uname -i` on the node over SSH, as each architecture prints it
        assert status[xname]['nodeArch'] == arch and status[xname]['ableToRunJobs'] is True
        assert api(csm_sim, 'GET', '/apis/smd/hsm/v2/State/Components/' + xname)['State'] == 'Ready'
    locks = api(csm_sim, 'POST', '/apis/smd/hsm/v2/locks/status', {'ComponentIDs': XNAMES})['Components']
    assert [c['Locked'] for c in locks] == [True, True]
    # the one summary: a line per node with its architecture and image
    assert 'x3000c0s19b4n0  x3000c0s19b4n0  x86_64   ims-remote-image-x86_64 ' in first.out
    assert 'x3000c0s17b2n0  x3000c0s17b2n0  aarch64  ims-remote-image-aarch64 ' in first.out

    csm_sim.clear_log()
    again = run_playbook('configure_remote_build_nodes', csm_sim, inv, extra)
    assert again.rc == 0, again.out[-6000:]
    assert again.changed == 0, again.recap
    assert sessions_created(csm_sim, 'cfs/v3') == [] and sessions_created(csm_sim, 'bos/v2') == []
    assert ' before ' in again.out
    # the re-run follows the sessions the first run started, and says so (docs/interrupted_runs.md)
    for arch in ('x86-64', 'aarch64'):
        assert 'CFS session build-ims-remote-image-%s was started by an earlier run' % arch in again.out, again.out

    removed = run_playbook('remove_remote_build_node', csm_sim, inv, {'remote_build_node_hosts': 'ims_builders'})
    assert removed.rc == 0, removed.out[-6000:]
    assert api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes') == []
    locks = api(csm_sim, 'POST', '/apis/smd/hsm/v2/locks/status', {'ComponentIDs': XNAMES})['Components']
    assert [c['Locked'] for c in locks] == [False, False]
