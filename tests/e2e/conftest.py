"""End-to-end fixtures: container nodes reached over SSH on 127.0.0.1, and a playbook runner.

The nodes come from tests/testbed (podman_setup.sh builds the images, nodes.sh starts them); the
CSM simulator (fixture csm_sim) checks them over real SSH with its IMS key, as IMS does.
"""
import os
import shutil
import subprocess
import sys

import pytest

from e2e_testbed import Result
from testbed.ansible_env import NODE_RUN, ansible_env
from testbed.nodes import controller_key, setup


def pytest_collection_modifyitems(config, items):
    """CSM_CEPH_TESTS=first or last (tests/run: first on one core, last on the core that runs e2e beside
    it): the tests that hold the test-bed Ceph (fixture `ceph`, testbed.ceph_lock) run before or after the
    others, so that the two cores' Ceph tests do not queue for the lock at the same time."""
    order = os.environ.get('CSM_CEPH_TESTS')
    if order in ('first', 'last'):
        # sort is stable: the file order is kept within each part
        items.sort(key=lambda item: ('ceph' in getattr(item, 'fixturenames', ())) != (order == 'first'))


@pytest.fixture(scope='session')
def testbed():
    """Podman and the node images (built once, reused); the controller's private key."""
    if os.geteuid() != 0:  # never on the machines here (root); a contributor's own may differ
        pytest.skip('end-to-end tests need root (rootful podman runs the node containers)')
    out = setup()
    assert out.returncode == 0, 'tests/testbed/podman_setup.sh failed:\n' + out.stdout
    return controller_key()


@pytest.fixture
def run_playbook(tmp_path):
    """Run a playbook of this collection against the simulator; returns Result (rc, out, recap)."""
    bindir = os.path.dirname(sys.executable)
    exe = os.path.join(bindir, 'ansible-playbook')
    if not os.path.exists(exe):
        exe = shutil.which('ansible-playbook')

    def run(playbook, sim, inventory, extra=None, timeout=600, args=()):
        env = ansible_env(str(tmp_path), bindir=bindir, **NODE_RUN)
        cmd = [exe, '-i', inventory, 'cray.csm.' + playbook, '-e', 'csm_api_gateway=' + sim.url,
               '-e', 'csm_kubeconfig=' + sim.kubeconfig]
        for k, v in (extra or {}).items():
            cmd += ['-e', '%s=%s' % (k, v)]
        proc = subprocess.run(cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                              universal_newlines=True, timeout=timeout, check=False)
        return Result(proc)

    return run
