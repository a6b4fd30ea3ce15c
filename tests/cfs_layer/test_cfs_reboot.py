"""A remote build node with the Ceph build cache survives a reboot through the CFS layer alone, and IMS
puts no job on it before its cache is ready (issue 21, the node side).

As CFS does it (see test_cfs_layer.py): a fresh clone of HEAD, the AEE's ansible.cfg, the core under test
(CSM_CFS_ANSIBLE_BIN: the AEE replica 2.11 or the newest), the IMS key from the ConfigMap and the Ceph
kube key from Secret default/csi-kube-secret of the stand-in Kubernetes API (the CSM simulator), read
with a service-account token that only it may use (kubeconfig with that bearer token; the Secret answers
403 to any other). The node is a host-network test-bed node (it reaches the test bed's real Ceph on
127.0.0.1; no kernel rbd here: map method fuse, rbd-fuse + losetup).

1. image half on the node, which is then committed: that is the node's boot image (podman,
   ceph-common, rbd-fuse; no IMS key, no Ceph key); the node boots from it;
2. the RBD is made once as the management node does (rbd create as client.admin on this machine);
3. booted-node half: cache mounted, binds in place, IMS key last; a file written to /var/lib/containers;
4. reboot (tests/testbed nodes.sh reboot: recreated from its image): the file is gone from the root,
   IMS's own check fails, a job cannot be put on the node; each bad input leaves it so, with its message;
5. booted-node half again: the file is back, the binds are back, IMS says it can run jobs, a job runs
   there; a third run (-vvvv) changes nothing and prints no key and no token.

Needs root, podman, the test-bed images and the Ceph of tests/testbed/ceph.sh (started here if needed).
"""
import json
import os
import re
import shutil
import subprocess
import time
import uuid

import pytest

from test_cfs_layer import AEE_CFG, BIN, cfs_env, layer  # noqa: F401 pylint: disable=unused-import # layer is a fixture
from testbed.ceph_lock import ceph_exclusive
from testbed.nodes import PODMAN_IMAGE, TESTBED, Nodes, free_port, nodes_sh, sh, write_yaml

RUN = 'csm-reboot%d' % (os.getpid() % 100000)
NODE = RUN + '-node'
BOOT_IMAGE = 'localhost/' + RUN + '-img'
XNAME = 'x9000c1s%db0n0' % (os.getpid() % 8)
RBD_NAME = RUN + '-cache'
CEPH_DIR = os.environ.get('CSM_CEPH_DIR', '/var/tmp/csm-ceph')
BINDS = ['/tmp', '/var/lib/containers', '/var/tmp']
IMS = '/apis/ims/v3/remote-build-nodes'
PLAYBOOK = 'playbooks/ims_computes.yml'


def rbd(*args):
    """rbd on this machine as client.admin (the management node), against the test bed cluster only."""
    return sh('rbd', '--conf', os.path.join(CEPH_DIR, 'daemons.conf'), '--id', 'admin', *args, timeout=120)


def in_node(script):
    return sh('podman', 'exec', NODE, 'bash', '-c', script, timeout=120)


def top_mount(target, cols='MAJ:MIN,FSROOT'):
    out = in_node('findmnt -n -o %s --mountpoint %s' % (cols, target))
    return out.stdout.strip().splitlines()[-1].split() if out.returncode == 0 and out.stdout.strip() else []


def conf_value(path, key):
    with open(path) as f:
        for line in f:
            if line.split('=')[0].strip() == key:
                return line.split('=', 1)[1].strip()
    raise AssertionError('%s has no %s' % (path, key))


@pytest.fixture(scope='module')
def ceph():
    """The test bed Ceph, this module's alone while it runs (testbed.ceph_lock)."""
    if os.geteuid() != 0 or not shutil.which('podman'):
        pytest.skip('needs root and podman (tests/testbed/podman_setup.sh)')
    with ceph_exclusive(__name__):
        out = sh('bash', os.path.join(TESTBED, 'ceph.sh'), 'start', CEPH_DIR, timeout=900)
        if out.returncode != 0 and not shutil.which('rbd'):
            pytest.skip('Ceph packages not installable here (tests/testbed/ceph.sh start): ' + out.stdout[-600:])
        assert out.returncode == 0, out.stdout
        yield CEPH_DIR


@pytest.fixture(scope='module')
def bed(ceph, layer, _csm_sim_process, tmp_path_factory):  # noqa: F811 - layer is the imported fixture
    """The node booted from its customized image, its RBD, the simulator's Secret and IMS registration."""
    sim, tmp = _csm_sim_process, str(tmp_path_factory.mktemp('reboot'))
    nodes = Nodes()
    port = free_port()
    try:
        nodes.up(NODE, XNAME, image=PODMAN_IMAGE, host_network=True, port=port)
        # Same packages, same mirror as the layer's apt task: not installable here means skip, not fail.
        got = sh('podman', 'exec', '-e', 'DEBIAN_FRONTEND=noninteractive', NODE, 'sh', '-c',
                 'apt-get -q update && apt-get -q -y install --download-only ceph-common e2fsprogs rbd-fuse',
                 timeout=900)
        if got.returncode != 0:
            pytest.skip('the node cannot get the Ceph client packages: ' + got.stdout[-600:])
        bed = Bed(sim, tmp, nodes, port, layer)
        # 1. The image half, as CFS image customization runs it; the result is the node's boot image.
        image = bed.run(image=True)
        assert image.returncode == 0, image.stdout[-4000:]
        assert 'ecdsa' not in in_node('cat /root/.ssh/authorized_keys').stdout, 'the image half authorized the IMS key'
        assert in_node('command -v rbd-fuse && ! ls /etc/ceph/*.keyring').returncode == 0, 'tools in, no key'
        assert sh('podman', 'commit', '-q', NODE, BOOT_IMAGE, timeout=600).returncode == 0
        nodes_sh('down', NODE)
        nodes.up(NODE, XNAME, image=BOOT_IMAGE, host_network=True, port=port)
        # 2. The RBD, made once from the management node (as cray.csm.remote_build_node does).
        assert rbd('create', 'kube/' + RBD_NAME, '--size', '256M').returncode == 0
        rbd('feature', 'disable', 'kube/' + RBD_NAME, 'object-map', 'fast-diff', 'deep-flatten')
        sim.set_nodes({XNAME: '127.0.0.1:%d' % port})
        yield bed
    finally:
        nodes.down()
        sh('bash', os.path.join(TESTBED, 'nodes.sh'), 'down', NODE)  # also when `up` failed half-way
        sh('podman', 'rmi', '-f', BOOT_IMAGE)
        # rbd-fuse opens every image of the pool: another node's rbd-fuse (another test's) keeps a watch on
        # this one too, and a killed client's lingers for about 30 s. Retried, then left for a later run.
        for _attempt in range(10):
            if rbd('info', 'kube/' + RBD_NAME).returncode != 0 or rbd('rm', '--no-progress', 'kube/' + RBD_NAME).returncode == 0:
                break
            time.sleep(5)


class Bed(object):
    def __init__(self, sim, tmp, nodes, port, layer_dir):
        self.sim, self.tmp, self.nodes, self.port, self.layer = sim, tmp, nodes, port, layer_dir
        with open(os.path.join(CEPH_DIR, 'etc', 'ceph.client.kube.keyring')) as f:
            self.kube_key = re.search(r'key\s*=\s*(\S+)', f.read()).group(1)
        self.token = uuid.uuid4().hex  # the CFS session pod's service-account token
        self.kubeconfig = self.write_kubeconfig('sa', self.token)
        # The Ceph kube key as ceph-csi keeps it; only the service account may read it.
        sim.set_secret('default', 'csi-kube-secret', {'userID': 'kube', 'userKey': self.kube_key}, readers=[self.token])
        # The layer's variables, in the inventory as a CFS configuration's additional inventory has them.
        inv = os.path.join(tmp, 'inventory')
        os.makedirs(os.path.join(inv, 'group_vars'))
        write_yaml(os.path.join(inv, 'group_vars', 'Compute.yml'), dict(
            ims_computes_buildcache=True, ceph_buildcache_map_method='fuse', ceph_buildcache_image=RBD_NAME,
            ceph_buildcache_monitors=[conf_value(os.path.join(CEPH_DIR, 'etc', 'ceph.conf'), 'mon_host')]))
        self.inventory = inv

    def write_kubeconfig(self, name, token):
        path = os.path.join(self.tmp, name + '.kubeconfig')
        with open(path, 'w') as f:
            json.dump({'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'cfs',
                       'clusters': [{'name': 'k8s', 'cluster': {'server': self.sim.url}}],
                       'users': [{'name': 'cray-cfs', 'user': {'token': token}}],
                       'contexts': [{'name': 'cfs', 'context': {'cluster': 'k8s', 'user': 'cray-cfs'}}]}, f)
        return path

    def run(self, image=False, kubeconfig=None, args=()):
        """ansible-playbook of the layer as CFS runs it: the clone, the AEE's cfg, this core."""
        hosts = os.path.join(self.inventory, 'hosts')
        with open(hosts, 'w') as f:
            f.write('[Compute]\n%s xname=%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root '
                    'ansible_ssh_private_key_file=%s\n' % (NODE, XNAME, self.port, self.nodes.key))
            f.write('[Application]\n' + ('[cfs_image]\n%s\n' % NODE if image else ''))
        env = cfs_env(self.tmp, kubeconfig or self.kubeconfig)
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', self.inventory, PLAYBOOK] + list(args)
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                             env=env, cwd=self.layer, timeout=900, check=False)
        print(out.stdout[-3000:])
        return out

    def status(self):
        return self.sim.api('GET', IMS + '/status/' + XNAME)

    def job_lands(self):
        """Does a new IMS job land on the node? Placed as POST /v3/jobs places it (the simulator's
        find_remote_node_for_job: an SSH check with the IMS key of every registered node, the job's arch,
        the fewest jobs; none passes -> the job runs in Kubernetes), its footprint left there over SSH."""
        job = self.sim.place_job(publish=False)
        landed = job['remote_build_node'] == XNAME
        if landed:
            assert job['_sim']['footprint'] is not None, job
            self.sim.move_job(job['id'], 'finish')
        else:
            assert job['remote_build_node'] == '', job  # the only registered node failed the check
        return landed


def recap(out):
    m = re.search(r'^%s\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)' % re.escape(NODE), out, re.M)
    assert m, out[-3000:]
    return dict(changed=int(m.group(1)), unreachable=int(m.group(2)), failed=int(m.group(3)))


def test_builder_survives_reboot_through_the_cfs_layer(bed):
    sim = bed.sim
    sim.api('POST', IMS, {'xname': XNAME}, want=201)  # registered once; IMS keeps it across reboots
    sim.set_nodes({XNAME: '127.0.0.1:%d' % bed.port})
    assert not bed.status()['ableToRunJobs'], 'booted from the image, before the layer: no IMS key yet'

    # 3. The booted-node half configures the node.
    first = bed.run()
    assert first.returncode == 0, first.stdout[-4000:]
    assert bed.status()['ableToRunJobs'], bed.status()
    token = uuid.uuid4().hex
    assert in_node('echo %s > /var/lib/containers/reboot-marker && sync' % token).returncode == 0
    assert in_node('ls /etc/ceph/*.keyring').stdout.split() == ['/etc/ceph/ceph.client.kube.keyring'], 'no admin key'

    # 4. Reboot: the root is the image's again; IMS's own check fails, no job can land.
    bed.nodes.reboot(NODE)
    assert in_node('test -e /var/lib/containers/reboot-marker').returncode != 0, 'the root was kept'
    assert top_mount('/mnt/cache') == []
    st = bed.status()
    assert not st['ableToRunJobs'] and st['sshStatus'].startswith('Unable to connect'), st
    assert not bed.job_lands()

    # Bad inputs: each fails with a message that names the fix, and the node still takes no job.
    wrong = bed.write_kubeconfig('other', uuid.uuid4().hex)
    cases = [
        ('secret missing', dict(args=['-e', 'ims_computes_ceph_secret=no-such-secret']),
         ['Secret default/no-such-secret was not found']),
        ('secret unreadable', dict(kubeconfig=wrong),
         ['Reading Secret default/csi-kube-secret failed', 'orbidden',
          'service account (cray-cfs) must be allowed to get Secrets in namespace default']),
        ('monitors unset', dict(args=['-e', '{"ceph_buildcache_monitors": []}']), ['set ceph_buildcache_monitors']),
        ('rbd missing', dict(args=['-e', 'ceph_buildcache_image=%s-none' % RUN]),
         ['RBD image kube/%s-none does not exist. Create it once from a management node' % RUN]),
        ('mount point busy', dict(), ['Unmount it first or choose another ceph_buildcache_mount_point']),
    ]
    for name, kw, messages in cases:
        if name == 'mount point busy':
            assert in_node('mkdir -p /mnt/cache && mount -t tmpfs busy /mnt/cache').returncode == 0
        bad = bed.run(**kw)
        if name == 'mount point busy':
            assert in_node('umount /mnt/cache').returncode == 0
        flat = ' '.join(bad.stdout.split())
        assert bad.returncode != 0 and all(m in flat for m in messages), (name, bad.stdout[-4000:])
        assert 'ecdsa' not in in_node('cat /root/.ssh/authorized_keys').stdout, name
        assert not bed.status()['ableToRunJobs'], name

    # 5. The booted-node half after the reboot: the cache with its data, the binds, then the key.
    again = bed.run()
    assert again.returncode == 0, again.stdout[-4000:]
    assert in_node('cat /var/lib/containers/reboot-marker').stdout.strip() == token
    majmin = top_mount('/mnt/cache', 'MAJ:MIN')[0]
    for target in BINDS:
        assert top_mount(target) == [majmin, target], target
    graphroot = in_node("podman info --format '{{.Store.GraphRoot}}'").stdout.strip()
    # The top-most of the mounts findmnt lists for the path (the node's own volume is below the bind).
    assert in_node('findmnt -n -o MAJ:MIN -T %s' % graphroot).stdout.split()[-1:] == [majmin], 'podman storage on the cache'
    assert bed.status()['ableToRunJobs'], bed.status()
    assert bed.job_lands()

    loud = bed.run(args=['-vvvv'])
    assert loud.returncode == 0, loud.stdout[-4000:]
    assert recap(loud.stdout) == dict(changed=0, unreachable=0, failed=0), loud.stdout[-4000:]
    for secret in (bed.kube_key, bed.token):
        assert secret not in loud.stdout
    with open(os.path.join(CEPH_DIR, 'etc', 'ceph.client.admin.keyring')) as f:
        admin_key = re.search(r'key\s*=\s*(\S+)', f.read()).group(1)
    assert admin_key not in loud.stdout and admin_key not in in_node('cat /etc/ceph/* 2>/dev/null').stdout
