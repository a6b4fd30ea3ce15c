"""End to end: playbooks/remote_build_node.yml with the Ceph build cache (remote_build_node_cache=true)
on a container node against the test bed's real Ceph (tests/testbed/ceph.sh), then
remove_remote_build_node.yml, which keeps the data, and a run that mounts it again.

The node runs on the host network (tests/testbed/nodes.sh --host-network) to reach the Ceph mon on
127.0.0.1. This kernel has no rbd driver: the map method is fuse (rbd-fuse + losetup). Mounts and
files are checked in the node itself (podman exec), the image in Ceph (rbd as client.admin), the
registration in the simulator's IMS; from Ansible's output only the recap and the summary table.

DNS: the node gets ceph_buildcache_dns_server=127.0.0.1, so the role's resolver step runs for real
without the node ever asking an address off this machine. The playbook's SLS lookup of the unbound
address (NMNLB) is therefore skipped here: the simulator's NMNLB holds a made-up 10.92.100.225.
"""
import json
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

from e2e_testbed import XNAMES, Nodes, fetch_cache_packages, sh
from testbed.ceph_lock import ceph_exclusive
from testbed.nodes import TESTBED

_RUN = 'csm-e2e%d' % (os.getpid() % 100000)
NODE = _RUN + '-cache'
IMAGE_NAME = 'buildcache-' + XNAMES[0]  # the role's default: one image per node, named after its xname
IMAGE = 'kube/' + IMAGE_NAME
# The name the image had before it followed the xname (the inventory name): a node with such an image keeps it.
LEGACY_NAME = 'buildcache-' + NODE
LEGACY = 'kube/' + LEGACY_NAME
CEPH_DIR = os.environ.get('CSM_CEPH_DIR', '/var/tmp/csm-ceph')
FUSE_DIR = '/run/ceph-buildcache/rbd-fuse'
BINDS = ['/tmp', '/var/lib/containers', '/var/tmp']
CACHE = {
    'remote_build_node_cache': 'true',
    'ceph_buildcache_config_src': os.path.join(CEPH_DIR, 'etc'),
    'ceph_buildcache_map_method': 'fuse',
    # memstore keeps every written byte in RAM: a small image.
    'ceph_buildcache_size': '1G',
    'ceph_buildcache_dns_server': '127.0.0.1',
}
COLUMNS = ['NODE', 'XNAME', 'ARCH', 'PODMAN', 'SSH', 'CACHE', 'FREE', 'JOBS', 'LOCKED', 'REGISTERED', 'CAN RUN JOBS']


def rbd(*args):
    """rbd on the controller as client.admin, against the test bed cluster only. Its stderr apart: the
    monitor client logs there (get_auth_request ...) while stdout holds the JSON."""
    return subprocess.run(['rbd', '--conf', os.path.join(CEPH_DIR, 'daemons.conf'), '--id', 'admin'] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120,
                          check=False)


def in_node(*args):
    out = sh('podman', 'exec', NODE, *args)
    assert out.returncode == 0, (args, out.stdout)
    return out.stdout


def findmnt(target, cols):
    """Columns of the top-most mount at target, [] when nothing is mounted there."""
    out = sh('podman', 'exec', NODE, 'findmnt', '-n', '-o', cols, '--mountpoint', target)
    return out.stdout.strip().splitlines()[-1].split() if out.returncode == 0 and out.stdout.strip() else []


@pytest.fixture(scope='module')
def ceph(testbed, request):
    """The test bed Ceph, this module's alone while it runs (testbed.ceph_lock): a running cluster is kept
    (tests/run starts one), else started and stopped here."""
    with ceph_exclusive(request.module.__name__):
        yield from _ceph()


def _ceph():
    script = os.path.join(TESTBED, 'ceph.sh')
    out = sh('bash', script, 'start', CEPH_DIR)
    started = 'bootstrapping a new cluster' in out.stdout
    if out.returncode != 0:
        if not all(shutil.which(b) for b in ('ceph-mon', 'ceph-osd', 'ceph-mgr', 'rbd')):
            reason = 'Ceph packages not installable here (tests/testbed/ceph.sh start): ' + out.stdout[-600:]
            print(reason)
            pytest.skip(reason)
        if started:
            sh('bash', script, 'stop', CEPH_DIR)
        pytest.fail('tests/testbed/ceph.sh start failed:\n' + out.stdout)
    yield CEPH_DIR
    if started:
        sh('bash', script, 'stop', CEPH_DIR)


@pytest.fixture(scope='module')
def node(testbed, ceph):
    n = Nodes(testbed)
    remove_images()  # left by an earlier run that was killed on this cluster: the test starts with none
    try:
        n.up(NODE, XNAMES[0], host_network=True)
        # Same packages, same mirror as the role's apt task: not installable means skip, not fail.
        reason = fetch_cache_packages(NODE)
        if reason:
            print(reason)
            pytest.skip(reason)
        yield n
    finally:
        n.down()  # nodes.sh releases the loop device and rbd-fuse
        remove_images()


def remove_images():
    """This test's own images (its xname's), gone. memstore holds an image in RAM; a watcher of a killed
    client can linger for about 30 s."""
    for image in (IMAGE, LEGACY):
        for _attempt in range(12):
            if rbd('info', image).returncode != 0 or rbd('rm', '--no-progress', image).returncode == 0:
                break
            time.sleep(5)


def summary_row(out, name):
    """The node's row of the summary table (a quoted line of the debug msg), by column."""
    lines = [line.strip().strip('",') for line in out.splitlines() if line.strip().startswith('"%s ' % name)]
    assert len(lines) == 1, out
    return dict(zip(COLUMNS, lines[0].split()))


def assert_cache_mounted(size, name=IMAGE_NAME):
    source, fstype, majmin = findmnt('/mnt/cache', 'SOURCE,FSTYPE,MAJ:MIN')
    assert fstype == 'ext4', (source, fstype)
    # The loop device is over the RBD image as rbd-fuse shows it, and Ceph sees the node's client.
    assert findmnt(FUSE_DIR, 'FSTYPE')[0].startswith('fuse')
    assert in_node('losetup', '-n', '-O', 'BACK-FILE', source).strip() == FUSE_DIR + '/' + name
    assert int(in_node('blockdev', '--getsize64', source)) == size
    assert 'watcher=' in rbd('status', 'kube/' + name).stdout
    for target in BINDS:  # each a bind of the same-named directory of the cache filesystem
        assert findmnt(target, 'MAJ:MIN,FSROOT') == [majmin, target], target


def api(sim, method, path):
    status, out = sim.request(method, path, headers={'Authorization': 'Bearer ' + sim.token()})
    assert status == 200, (method, path, status, out)
    return out


def test_cache_mounted_kept_and_mounted_again(csm_sim, node, run_playbook, tmp_path):
    csm_sim.set_nodes(node.node_map())
    inv = node.inventory(str(tmp_path / 'inventory.ini'), [NODE])
    resolv = in_node('cat', '/etc/resolv.conf')

    checked = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE, args=['--check'])
    assert checked.rc == 0, checked.out
    assert checked.changed > 0, 'check mode predicts the changes'
    assert rbd('info', IMAGE).returncode != 0, 'and makes none: no image'
    assert findmnt('/mnt/cache', 'SOURCE') == [] and in_node('cat', '/etc/resolv.conf') == resolv
    assert sh('podman', 'exec', NODE, 'test', '-e', '/etc/ceph').returncode != 0
    # What an earlier version of the role (and the doc's manual steps) left on a node: admin keys.
    in_node('sh', '-c', 'mkdir -p /etc/ceph && for k in admin admin-tools; do echo old > /etc/ceph/ceph.client.$k.keyring; done')

    first = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE)
    assert first.rc == 0, first.out
    assert first.changed > 0
    # The RBD was made from the controller: the node holds only what `rbd map` (here rbd-fuse) needs.
    assert in_node('sh', '-c', 'ls /etc/ceph/*.keyring').split() == ['/etc/ceph/ceph.client.kube.keyring']
    info = rbd('info', IMAGE, '--format', 'json')
    assert info.returncode == 0, info.stderr
    size = json.loads(info.stdout)['size']
    assert size == 1024 ** 3
    assert IMAGE_NAME in rbd('ls', 'kube').stdout.split()
    assert_cache_mounted(size)
    resolv = in_node('cat', '/etc/resolv.conf').splitlines()
    assert 'nameserver 127.0.0.1' in resolv and 'search nmn mtl hmn' in resolv, resolv
    row = summary_row(first.out, NODE)
    assert row['CACHE'] == 'mounted' and row['REGISTERED'] == 'yes' and row['CAN RUN JOBS'] == 'yes', row
    status = api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes/status')
    assert [s['xname'] for s in status if s['ableToRunJobs']] == [XNAMES[0]], status

    second = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE)
    assert second.rc == 0, second.out
    assert second.changed == 0, second.out
    checked = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE, args=['--check'])
    assert checked.rc == 0 and checked.changed == 0, checked.out

    checked = run_playbook('remove_remote_build_node', csm_sim, inv, extra=CACHE, args=['--check'])
    assert checked.rc == 0, checked.out
    assert re.search(r'TASK \[cray\.csm\.ceph_buildcache : Predict the unmount \(check mode\)\][^\n]*\n(.*\n)?changed: \[%s\]'
                     % NODE, checked.out), 'check mode predicts the unmount'
    assert_cache_mounted(size)  # and changes nothing
    assert [s['xname'] for s in api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes')] == [XNAMES[0]]

    token = uuid.uuid4().hex
    in_node('sh', '-c', 'echo %s > /mnt/cache/e2e-marker && sync' % token)
    removed = run_playbook('remove_remote_build_node', csm_sim, inv, extra=CACHE)
    assert removed.rc == 0, removed.out
    assert removed.changed > 0
    assert api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes') == []
    assert findmnt('/mnt/cache', 'SOURCE') == []
    for target in BINDS:
        assert findmnt(target, 'FSROOT') != [target], target
    assert findmnt(FUSE_DIR, 'FSTYPE') == []
    assert in_node('losetup', '-n', '-O', 'NAME', '-j', FUSE_DIR + '/' + IMAGE_NAME).strip() == ''
    assert sh('podman', 'exec', NODE, 'test', '-e', '/mnt/cache/e2e-marker').returncode != 0
    assert rbd('info', IMAGE).returncode == 0, 'the image and its data are kept'
    assert 'watcher=' not in rbd('status', IMAGE).stdout, 'rbd-fuse closed the image'

    again = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE)
    assert again.rc == 0, again.out
    assert_cache_mounted(size)
    assert in_node('cat', '/mnt/cache/e2e-marker').strip() == token
    assert summary_row(again.out, NODE)['CACHE'] == 'mounted'
    assert LEGACY_NAME not in rbd('ls', 'kube').stdout.split(), 'named after the xname only'


def test_an_image_under_its_legacy_name_is_kept_in_use(csm_sim, node, run_playbook, tmp_path):
    """A node set up when the image was named after the inventory name: its image, data and all, stays the
    cache (found by a check); no new empty image appears beside it, nothing is renamed or deleted."""
    csm_sim.set_nodes(node.node_map())
    inv = node.inventory(str(tmp_path / 'inventory.ini'), [NODE])
    if not findmnt('/mnt/cache', 'SOURCE'):  # this test alone: the image and its data come first
        first = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE)
        assert first.rc == 0, first.out
    token = uuid.uuid4().hex
    in_node('sh', '-c', 'echo %s > /mnt/cache/e2e-legacy && sync' % token)
    removed = run_playbook('remove_remote_build_node', csm_sim, inv, extra=CACHE)
    assert removed.rc == 0, removed.out
    # What an older release left: the same image under the inventory name, none under the xname.
    for _attempt in range(10):
        renamed = rbd('rename', IMAGE, LEGACY)
        if renamed.returncode == 0:
            break
        time.sleep(5)
    assert renamed.returncode == 0, renamed.stderr
    size = json.loads(rbd('info', LEGACY, '--format', 'json').stdout)['size']

    again = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE)
    assert again.rc == 0, again.out
    assert rbd('info', IMAGE).returncode != 0, 'no new image beside the old one'
    assert_cache_mounted(size, LEGACY_NAME)
    assert in_node('cat', '/mnt/cache/e2e-legacy').strip() == token, 'its data is reachable'
    assert summary_row(again.out, NODE)['CACHE'] == 'mounted'
    rerun = run_playbook('remote_build_node', csm_sim, inv, extra=CACHE)
    assert rerun.rc == 0 and rerun.changed == 0, rerun.out

    removed = run_playbook('remove_remote_build_node', csm_sim, inv, extra=CACHE)
    assert removed.rc == 0, removed.out
    assert findmnt('/mnt/cache', 'SOURCE') == [] and findmnt(FUSE_DIR, 'FSTYPE') == []
    assert in_node('losetup', '-n', '-O', 'NAME', '-j', FUSE_DIR + '/' + LEGACY_NAME).strip() == ''
    assert rbd('info', LEGACY).returncode == 0 and rbd('info', IMAGE).returncode != 0, 'kept, not renamed'
