"""End to end: the full undo. remote_build_node with the Ceph build cache on a SLES-like node (podman from
zypper, image localhost/csm-node-zypper, against the test bed's real Ceph), then remove_remote_build_node:

- by default it leaves what the setup added to the node (repositories, DNS settings, Ceph keyrings);
- with remote_build_node_remove_ims_key and remote_build_node_remove_node_setup it removes them, the RBD
  image and its data stay, and a second run changes nothing.
Names (container, RBD image) are this test's own, so it runs beside test_ceph_buildcache.py.
"""
import os
import time

import pytest

from e2e_testbed import XNAMES, Nodes, fetch_cache_packages, sh
import test_ceph_buildcache
from test_ceph_buildcache import CACHE, rbd

_RUN = 'guide25-undo%d' % (os.getpid() % 100000)
NODE = _RUN
X = XNAMES[1]
IMAGE_NAME = 'buildcache-' + _RUN
SETUP = dict(CACHE, ceph_buildcache_image=IMAGE_NAME, ceph_buildcache_legacy_image='',
             podman_install_os_family='Suse', podman_install_sles_sp='5', podman_install_arch='x86_64',
             podman_install_zypper_repo_base_url='file:///srv/nexus/repository',
             podman_install_zypper_disable_gpg_check='true')
REPOS = ['SUSE-SLE-Module-Basesystem-15-sp5-x86_64-Pool', 'SUSE-SLE-Module-Containers-15-sp5-x86_64-Pool']
# What the setup puts in /etc/ceph: no admin keyring on the node (the RBD is made from the controller).
KEYRINGS = ['ceph.conf', 'ceph.client.kube.keyring']
ceph = test_ceph_buildcache.ceph


@pytest.fixture(scope='module')
def node(testbed, ceph):
    n = Nodes(testbed)
    try:
        n.up(NODE, X, image='localhost/csm-node-zypper', host_network=True)
        reason = fetch_cache_packages(NODE)
        if reason:
            print(reason)
            pytest.skip(reason)
        yield n
    finally:
        n.down()
        for _attempt in range(10):
            if rbd('info', 'kube/' + IMAGE_NAME).returncode != 0 or \
                    rbd('rm', '--no-progress', 'kube/' + IMAGE_NAME).returncode == 0:
                break
            time.sleep(5)


def node_setup():
    """What the setup adds to the node: zypper repositories, files in /etc/ceph, resolv.conf lines."""
    repos = sh('podman', 'exec', NODE, 'zypper', '--non-interactive', 'repos').stdout
    ceph_files = sh('podman', 'exec', NODE, 'ls', '/etc/ceph').stdout.split()
    resolv = sh('podman', 'exec', NODE, 'cat', '/etc/resolv.conf').stdout.splitlines()
    return dict(repos=sorted(r for r in REPOS if r in repos), ceph=sorted(f for f in KEYRINGS if f in ceph_files),
                dns=sorted(line for line in resolv if line in ('nameserver 127.0.0.1', 'search nmn mtl hmn')))


def test_full_undo(csm_sim, node, run_playbook, tmp_path):
    csm_sim.set_nodes(node.node_map())
    inv = node.inventory(str(tmp_path / 'inventory.ini'))
    before = node_setup()
    assert before['repos'] == [] and before['ceph'] == [], before

    first = run_playbook('remote_build_node', csm_sim, inv, extra=SETUP)
    assert first.rc == 0, first.out
    added = node_setup()
    assert added == dict(repos=REPOS, ceph=sorted(KEYRINGS), dns=sorted(set(before['dns']) | {
        'nameserver 127.0.0.1', 'search nmn mtl hmn'})), added
    assert sh('podman', 'exec', NODE, 'test', '-x', '/usr/bin/podman').returncode == 0

    # Never by default: the plain removal unregisters, unlocks and unmounts, and leaves the node's setup.
    removed = run_playbook('remove_remote_build_node', csm_sim, inv, extra=SETUP)
    assert removed.rc == 0, removed.out
    assert node_setup() == added
    ims_key = csm_sim.ims_public_key.split()[1]
    assert ims_key in sh('podman', 'exec', NODE, 'cat', '/root/.ssh/authorized_keys').stdout

    undo = dict(SETUP, remote_build_node_remove_ims_key='true', remote_build_node_remove_node_setup='true')
    checked = run_playbook('remove_remote_build_node', csm_sim, inv, extra=undo, args=['--check'])
    assert checked.rc == 0, checked.out
    assert node_setup() == added, 'check mode changes nothing'

    full = run_playbook('remove_remote_build_node', csm_sim, inv, extra=undo)
    assert full.rc == 0, full.out
    gone = node_setup()
    assert gone['repos'] == [] and gone['ceph'] == [], gone
    assert 'nameserver 127.0.0.1' not in gone['dns'] or 'nameserver 127.0.0.1' in before['dns'], gone
    assert 'search nmn mtl hmn' not in gone['dns'], gone
    assert ims_key not in sh('podman', 'exec', NODE, 'cat', '/root/.ssh/authorized_keys').stdout
    assert sh('podman', 'exec', NODE, 'test', '-x', '/usr/bin/podman').returncode == 0, 'podman stays'
    assert rbd('info', 'kube/' + IMAGE_NAME).returncode == 0, 'the RBD image and its data stay'
    assert csm_sim.api('GET', '/apis/ims/v3/remote-build-nodes') == []

    again = run_playbook('remove_remote_build_node', csm_sim, inv, extra=undo)
    assert again.rc == 0 and again.changed == 0, again.out
