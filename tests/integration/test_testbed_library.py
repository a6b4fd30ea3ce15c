"""The test-bed library (tests/testbed/) as Ansible reads what it writes: the INI and cray.csm.hsm inventories
of container nodes and the environment of a run, here without containers (the e2e tests start real ones)."""
import json
import os
import subprocess
import sys

from test_inventory_hsm import plain
from testbed.ansible_env import ansible_env
from testbed.nodes import COLL, SSH_COMMON_ARGS, Nodes
from testbed.sim import CsmSim

BIN = os.path.dirname(sys.executable)
HOSTS = {'n1': dict(xname='x3000c0s19b4n0', port=2201), 'n2': dict(xname='x3000c0s17b2n0', port=2202)}


class Written(Nodes):
    group_vars = {'remote_build_node_min_free_gib': 0.5}

    def __init__(self, key):  # no nodes.sh: the hosts as up() records them
        super(Written, self).__init__(key=key)
        self.hosts = dict((n, dict(h)) for n, h in HOSTS.items())


def listed(tmp_path, inventory, env=None):
    proc = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', inventory, '--list'], check=False,
                          env=dict(ansible_env(str(tmp_path)), **(env or {})), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return plain(json.loads(proc.stdout))


def connection(hostvars):
    return dict((k, hostvars[k]) for k in ('ansible_host', 'ansible_port', 'ansible_user', 'ansible_ssh_private_key_file',
                                           'ansible_ssh_common_args', 'remote_build_node_min_free_gib'))


def expected(port, key):
    return {'ansible_host': '127.0.0.1', 'ansible_port': port, 'ansible_user': 'root', 'ansible_ssh_private_key_file': key,
            'ansible_ssh_common_args': SSH_COMMON_ARGS, 'remote_build_node_min_free_gib': 0.5}


def test_ini_inventory(tmp_path):
    key = str(tmp_path / 'id_ed25519')
    inv = listed(tmp_path, Written(key).inventory(str(tmp_path / 'inventory.ini'), ['n2'], host_vars={'n2': 'extra=1'}))
    assert inv['remote_build_nodes']['hosts'] == ['n2']
    hv = inv['_meta']['hostvars']['n2']
    assert connection(hv) == expected(2202, key)
    assert hv['xname'] == 'x3000c0s17b2n0' and hv['extra'] == 1


def test_hsm_inventory(tmp_path, csm_sim):
    key = str(tmp_path / 'id_ed25519')
    path = Written(key).hsm_inventory(str(tmp_path / 'hsm'), 'ims_builders', comment='a comment\nof two lines',
                                      api_gateway=csm_sim.url, client_secret=csm_sim.client_secret)
    assert open(path).read().startswith('# a comment\n# of two lines\n')
    hostvars = listed(tmp_path, path)['_meta']['hostvars']
    assert sorted(hostvars) == ['x3000c0s17b2n0', 'x3000c0s19b4n0']  # the seed's group, from the simulator's HSM
    assert connection(hostvars['x3000c0s19b4n0']) == expected(2201, key)
    assert connection(hostvars['x3000c0s17b2n0']) == expected(2202, key)


def test_ansible_env(tmp_path, monkeypatch):
    monkeypatch.setenv('CSM_CLIENT_SECRET', 'not for the tests')
    env = ansible_env(str(tmp_path), bindir='/nowhere', forks=3)
    assert 'CSM_CLIENT_SECRET' not in env and env['ANSIBLE_FORKS'] == '3' and env['PATH'].startswith('/nowhere:')
    assert os.path.realpath(os.path.join(env['ANSIBLE_COLLECTIONS_PATH'], 'ansible_collections', 'cray', 'csm')) == \
        os.path.realpath(COLL)


def test_attached_client_leaves_the_simulator_running(csm_sim):
    other = CsmSim.attach(csm_sim.url)
    assert other.client_secret == csm_sim.client_secret and other.ims_private_key is None
    other.set_nodes({'x3000c0s19b4n0': '127.0.0.1:2201'})
    other.stop()
    assert csm_sim.request('GET', '/_sim/log')[0] == 200
