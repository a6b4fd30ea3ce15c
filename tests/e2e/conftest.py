"""End-to-end fixtures: container nodes reached over SSH on 127.0.0.1, and a playbook runner.

The nodes come from tests/testbed (podman_setup.sh builds the images, nodes.sh starts them); the
CSM simulator (fixture csm_sim) checks them over real SSH with its IMS key, as IMS does.
"""
import os
import re
import shutil
import socket
import subprocess
import sys

import pytest

COLL = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TESTBED = os.path.join(COLL, 'tests', 'testbed')
NODE_IMAGE = 'localhost/csm-node-podman'
# HSM components of the simulator's seed that are powered on.
XNAMES = ['x3000c0s19b4n0', 'x3000c0s19b3n0', 'x3000c0s19b1n0']
RECAP = re.compile(r'^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def _free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _sh(*args):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)


@pytest.fixture(scope='session')
def testbed():
    """Podman and the node images (built once, reused), or a skip that says why."""
    if os.geteuid() != 0:
        pytest.skip('end-to-end tests need root (rootful podman runs the node containers)')
    if not os.path.exists(os.path.join(TESTBED, 'nodes.sh')):
        pytest.skip('tests/testbed/nodes.sh is missing')
    out = _sh('bash', os.path.join(TESTBED, 'podman_setup.sh'))
    assert out.returncode == 0, 'tests/testbed/podman_setup.sh failed:\n' + out.stdout
    key = _sh('bash', os.path.join(TESTBED, 'nodes.sh'), 'key')
    assert key.returncode == 0, key.stdout
    return key.stdout.strip().splitlines()[-1]


class Nodes(object):
    """Container nodes started for one test module; removed at the end."""

    def __init__(self, key):
        self.key = key
        self.hosts = {}  # name -> dict(xname, port)

    def up(self, name, xname, arch='x86_64'):
        port = _free_port()
        out = _sh('bash', os.path.join(TESTBED, 'nodes.sh'), 'up', name, str(port), '--image', NODE_IMAGE,
                  '--arch', arch)
        assert out.returncode == 0, out.stdout
        self.hosts[name] = dict(xname=xname, port=port)

    def down(self):
        for name in self.hosts:
            _sh('bash', os.path.join(TESTBED, 'nodes.sh'), 'down', name)

    def node_map(self, names=None):
        return dict((h['xname'], '127.0.0.1:%d' % h['port'])
                    for n, h in self.hosts.items() if names is None or n in names)

    def inventory(self, path, names):
        lines = ['[remote_build_nodes]']
        for n in names:
            h = self.hosts[n]
            lines.append('%s xname=%s ansible_host=127.0.0.1 ansible_port=%d' % (n, h['xname'], h['port']))
        lines += ['', '[remote_build_nodes:vars]', 'ansible_user=root',
                  'ansible_ssh_private_key_file=%s' % self.key,
                  "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
                  'ansible_python_interpreter=/usr/bin/python3']
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return path


class Result(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.recap = dict((m[0], dict(ok=int(m[1]), changed=int(m[2]), unreachable=int(m[3]), failed=int(m[4])))
                          for m in RECAP.findall(self.out))

    @property
    def changed(self):
        return sum(r['changed'] for r in self.recap.values())


@pytest.fixture(scope='session')
def collections_path(tmp_path_factory):
    """A collections path holding this checkout as cray.csm, wherever it is checked out."""
    root = tmp_path_factory.mktemp('collections')
    os.makedirs(str(root / 'ansible_collections' / 'cray'))
    os.symlink(COLL, str(root / 'ansible_collections' / 'cray' / 'csm'))
    return str(root)


@pytest.fixture
def run_playbook(collections_path, tmp_path):
    """Run a playbook of this collection against the simulator; returns Result (rc, out, recap)."""
    bindir = os.path.dirname(sys.executable)
    exe = os.path.join(bindir, 'ansible-playbook')
    if not os.path.exists(exe):
        exe = shutil.which('ansible-playbook')

    def run(playbook, sim, inventory, extra=None, timeout=600):
        env = dict(os.environ)
        env.update({
            'ANSIBLE_COLLECTIONS_PATH': collections_path,
            'ANSIBLE_FORKS': '10',
            'ANSIBLE_HOST_KEY_CHECKING': 'False',
            'ANSIBLE_PIPELINING': 'True',
            'ANSIBLE_RETRY_FILES_ENABLED': 'False',
            'ANSIBLE_NOCOLOR': '1',
            'ANSIBLE_LOCAL_TEMP': str(tmp_path / 'ansible-tmp'),
            'PATH': bindir + os.pathsep + env.get('PATH', ''),
        })
        args = [exe, '-i', inventory, 'cray.csm.' + playbook, '-e', 'csm_api_gateway=' + sim.url,
                '-e', 'csm_kubeconfig=' + sim.kubeconfig]
        for k, v in (extra or {}).items():
            args += ['-e', '%s=%s' % (k, v)]
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                              universal_newlines=True, timeout=timeout)
        return Result(proc)

    return run
