"""End to end: a node whose only Python is 3.6, as on SLES 15 (image localhost/csm-node-py36 of
tests/testbed/podman_setup.sh: Debian's Python removed, /usr/bin/python3 a real Python 3.6.15).

ansible-core 2.16 runs modules with Python 3.6: remote_build_node configures and registers the node.
ansible-core 2.17 and newer cannot: the playbooks stop the node at the role's first task (roles/remote_build_node/tasks/
node_python.yml, raw only), naming both ways out, before anything changes on the node, in HSM or in IMS.
The test runs with the core of the venv it runs in (tests/run --only e2e --core 2.16,2.19).
"""
import os
import subprocess

import pytest
from ansible.release import __version__ as CORE

from e2e_testbed import XNAMES, Nodes, api, node_state

PY36_IMAGE = 'localhost/csm-node-py36'
NODE = 'guide25-py36-%d' % (os.getpid() % 100000)
X = XNAMES[0]
NEW_CORE = tuple(int(p) for p in CORE.split('.')[:2]) >= (2, 17)


@pytest.fixture(scope='module')
def node(testbed):
    if subprocess.run(['podman', 'image', 'exists', PY36_IMAGE], check=False).returncode != 0:
        pytest.skip('%s was not built: podman_setup.sh found no Python 3.6 to copy (CSM_TESTBED_PY36)' % PY36_IMAGE)
    with Nodes(testbed) as n:
        n.up(NODE, X, image=PY36_IMAGE)
        yield n


def test_the_node_has_only_python_3_6(node):
    out = subprocess.run(['podman', 'exec', NODE, 'sh', '-c', 'ls /usr/bin /usr/local/bin | grep ^python; python3 -V'],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert out.stdout.split() == ['python3', 'Python', '3.6.15'], out.stdout


def test_remote_build_node_on_a_python_3_6_node(csm_sim, node, run_playbook, tmp_path):
    csm_sim.set_nodes(node.node_map())
    # as on a real site: no interpreter set, Ansible discovers it
    inv = node.inventory(str(tmp_path / 'inventory.ini'), host_vars={NODE: 'ansible_python_interpreter=auto_silent'})
    before = node_state(NODE)
    res = run_playbook('remote_build_node', csm_sim, inv)
    regs = [n['xname'] for n in api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes')]
    locks = api(csm_sim, 'POST', '/apis/smd/hsm/v2/locks/status', {'ComponentIDs': [X]})['Components']
    if NEW_CORE:
        assert res.rc != 0, res.out
        text = ' '.join(res.out.split())
        assert 'ansible-core %s needs Python 3.' % CORE in text, res.out
        assert 'only Python 3.6 (/usr/bin/python3)' in text, res.out
        assert 'zypper install python311' in text and 'ansible-core 2.16' in text, res.out
        assert res.recap[NODE]['changed'] == 0 and res.recap[NODE]['failed'] == 1, res.recap
        assert regs == [] and not locks[0]['Locked']
        assert node_state(NODE) == before
    else:
        assert res.rc == 0, res.out
        assert regs == [X] and locks[0]['Locked']
        again = run_playbook('remote_build_node', csm_sim, inv)
        assert again.rc == 0 and again.changed == 0, again.out
        removed = run_playbook('remove_remote_build_node', csm_sim, inv)
        assert removed.rc == 0, removed.out
        assert [n['xname'] for n in api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes')] == []
