"""End-to-end fixtures: container nodes reached over SSH on 127.0.0.1, and a playbook runner.

The nodes come from tests/testbed (podman_setup.sh builds the images, nodes.sh starts them); the
CSM simulator (fixture csm_sim) checks them over real SSH with its IMS key, as IMS does.
"""
import os
import shutil
import subprocess
import sys

import pytest

from e2e_testbed import COLL, TESTBED, Result, sh


@pytest.fixture(scope='session')
def testbed():
    """Podman and the node images (built once, reused)."""
    if os.geteuid() != 0:  # never on the machines here (root); a contributor's own may differ
        pytest.skip('end-to-end tests need root (rootful podman runs the node containers)')
    out = sh('bash', os.path.join(TESTBED, 'podman_setup.sh'))
    assert out.returncode == 0, 'tests/testbed/podman_setup.sh failed:\n' + out.stdout
    key = sh('bash', os.path.join(TESTBED, 'nodes.sh'), 'key')
    assert key.returncode == 0, key.stdout
    return key.stdout.strip().splitlines()[-1]


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

    def run(playbook, sim, inventory, extra=None, timeout=600, args=()):
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
        cmd = [exe, '-i', inventory, 'cray.csm.' + playbook, '-e', 'csm_api_gateway=' + sim.url,
               '-e', 'csm_kubeconfig=' + sim.kubeconfig]
        for k, v in (extra or {}).items():
            cmd += ['-e', '%s=%s' % (k, v)]
        proc = subprocess.run(cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                              universal_newlines=True, timeout=timeout, check=False)
        return Result(proc)

    return run
