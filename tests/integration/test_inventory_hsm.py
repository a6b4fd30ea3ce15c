"""The cray.csm.hsm inventory plugin with ansible-inventory against the simulator's HSM (seed.yml)."""
import json
import os
import subprocess
import sys

import pytest
import yaml
from testbed.ansible_env import ansible_env

BIN = os.path.dirname(sys.executable)
HSM = '/apis/smd/hsm/v2'
# The seed's River compute nodes by architecture, and its one management node.
X86 = ['x3000c0s17b3n0', 'x3000c0s17b4n0', 'x3000c0s19b1n0', 'x3000c0s19b2n0', 'x3000c0s19b3n0', 'x3000c0s19b4n0']
ARM = ['x3000c0s17b1n0', 'x3000c0s17b2n0']


def inventory(sim, tmp_path, config, env=None, args=('--list',), name='nodes.hsm.yml', auth=True):
    """ansible-inventory on a cray.csm.hsm config: (rc, parsed --list output or None, whole output)."""
    conf = dict({'plugin': 'cray.csm.hsm', 'api_gateway': sim.url, 'retries': 0}, **config)
    conf = dict((k, v) for k, v in conf.items() if v is not None)  # None: leave the option out
    if auth:
        conf.setdefault('client_secret', sim.client_secret)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(conf))
    environ = ansible_env(str(tmp_path), inventory_unparsed_failed='true', home=str(tmp_path / 'home'))
    environ.update(env or {})
    if args[0] == 'playbook':  # ansible-playbook ARGS... on a play that only lists the hosts
        play = tmp_path / 'hosts.yml'
        play.write_text('- hosts: all\n  gather_facts: false\n  tasks: []\n')
        cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', str(path), '--list-hosts', str(play)] + list(args[1:])
    else:
        cmd = [os.path.join(BIN, 'ansible-inventory'), '-i', str(path)] + list(args)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=environ,
                          timeout=120, check=False)
    data = None
    if proc.returncode == 0 and '--list' in args:
        data = plain(json.loads(proc.stdout))
    # ansible-core 2.16 wraps warnings at the terminal width: compare words, not lines
    return proc.returncode, data, ' '.join((proc.stdout + proc.stderr).split())


def plain(value):
    """--list output without ansible-core 2.19's {"__ansible_unsafe": value} markers (inventory strings)."""
    if isinstance(value, dict):
        if list(value) == ['__ansible_unsafe']:
            return value['__ansible_unsafe']
        return dict((k, plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def hosts(data, group='all'):
    """Every host of group, its child groups included."""
    out = set(data.get(group, {}).get('hosts', []))
    for child in data.get(group, {}).get('children', []):
        out |= hosts(data, child)
    return out


def hsm_requests(sim):
    return [(e['method'], e['path']) for e in sim.log() if e['path'].startswith('/apis/')]


def test_hostvars_and_groups(csm_sim, tmp_path):
    csm_sim.clear_log()
    rc, data, out = inventory(csm_sim, tmp_path, {'role': ['compute'], 'xnames': X86 + ARM})
    assert rc == 0, out
    assert hosts(data) == set(X86 + ARM)
    assert hosts(data, 'x86_64') == set(X86) and hosts(data, 'aarch64') == set(ARM)
    assert hosts(data, 'ims_builders') == {'x3000c0s19b4n0', 'x3000c0s17b2n0'}
    assert hosts(data, 'ims_builders_all') == set(X86 + ARM)
    # blue's management member is filtered out by role; its compute member stays
    assert hosts(data, 'blue') == {'x3000c0s19b3n0'}
    hv = data['_meta']['hostvars']
    assert hv['x3000c0s17b2n0'] == {'xname': 'x3000c0s17b2n0', 'arch': 'aarch64', 'role': 'Compute', 'subrole': None,
                                    'nid': 6, 'state': 'Off', 'enabled': True,
                                    'hsm_groups': ['ims_builders', 'ims_builders_all']}
    assert hv['x3000c0s19b4n0']['arch'] == 'x86_64' and hv['x3000c0s19b4n0']['state'] == 'On'
    # two reads, whatever the filters
    assert hsm_requests(csm_sim) == [('GET', HSM + '/State/Components'), ('GET', HSM + '/groups')]
    assert csm_sim.log()[-2]['query'] == {'type': 'Node'}


@pytest.mark.parametrize('config, expected', [
    ({'hsm_groups': ['IMS_Builders']}, {'x3000c0s19b4n0', 'x3000c0s17b2n0'}),
    ({'hsm_groups': ['ims_builders'], 'arch': ['ARM']}, {'x3000c0s17b2n0'}),
    ({'hsm_groups': ['ims_builders_all'], 'arch': ['aarch64'], 'state': ['on']}, {'x3000c0s17b1n0'}),
    ({'role': ['Management'], 'subrole': ['master']}, {'x3000c0s1b0n0'}),
    ({'subrole': ['worker']}, set()),
    # canonicalised as HSM stores xnames: leading zeros go, lower case
    ({'xnames': ['X3000C0S19B04N0', 'x3000c0s17b1n0'], 'enabled': True}, {'x3000c0s19b4n0', 'x3000c0s17b1n0'}),
    ({'xnames': ['x3000c0s19b4n0'], 'enabled': False}, set()),
])
def test_filters(csm_sim, tmp_path, config, expected):
    rc, data, out = inventory(csm_sim, tmp_path, config)
    assert rc == 0, out
    assert hosts(data) == expected


def test_constructed_options(csm_sim, tmp_path):
    rc, data, out = inventory(csm_sim, tmp_path, {
        'hsm_groups': ['ims_builders'], 'hsm_group_prefix': 'hsm_',
        'compose': {'ansible_host': "xname ~ '.hmn'", 'node_nid': 'nid * 10'},
        'keyed_groups': [{'key': 'state | lower', 'prefix': 'state'}],
        'groups': {'powered_off': "state == 'Off'"}})
    assert rc == 0, out
    assert hosts(data, 'hsm_ims_builders') == {'x3000c0s19b4n0', 'x3000c0s17b2n0'} and 'ims_builders' not in data
    assert hosts(data, 'state_on') == {'x3000c0s19b4n0'} and hosts(data, 'state_off') == {'x3000c0s17b2n0'}
    assert hosts(data, 'powered_off') == {'x3000c0s17b2n0'}
    hv = data['_meta']['hostvars']['x3000c0s17b2n0']
    # a string before ansible-core 2.19, which keeps the native type
    assert hv['ansible_host'] == 'x3000c0s17b2n0.hmn' and str(hv['node_nid']) == '60'


def test_environment_fallbacks_and_token(csm_sim, tmp_path):
    # gateway and secret only from the environment, as the modules take them
    rc, data, out = inventory(csm_sim, tmp_path, {'hsm_groups': ['ims_builders'], 'api_gateway': None},
                              env={'CSM_API_GATEWAY': csm_sim.url, 'CSM_CLIENT_SECRET': csm_sim.client_secret},
                              auth=False)
    assert rc == 0, out
    assert hosts(data) == {'x3000c0s19b4n0', 'x3000c0s17b2n0'}
    token = csm_sim.token()
    csm_sim.clear_log()
    rc, data, out = inventory(csm_sim, tmp_path, {'hsm_groups': ['ims_builders']}, env={'CSM_TOKEN': token},
                              auth=False)
    assert rc == 0, out
    assert [e for e in csm_sim.log() if e['path'].startswith('/keycloak')] == []


def test_cache(csm_sim, tmp_path):
    cache = {'cache': True, 'cache_plugin': 'ansible.builtin.jsonfile', 'cache_connection': str(tmp_path / 'cache'),
             'cache_timeout': 600, 'hsm_groups': ['ims_builders']}
    rc, first, out = inventory(csm_sim, tmp_path, cache)
    assert rc == 0, out
    csm_sim.clear_log()
    rc, again, out = inventory(csm_sim, tmp_path, cache)
    assert rc == 0, out
    assert hsm_requests(csm_sim) == [] and again == first
    cached = ''.join(p.read_text() for p in (tmp_path / 'cache').iterdir())
    assert 'x3000c0s17b2n0' in cached
    assert csm_sim.client_secret not in cached and 'access_token' not in cached and 'Bearer' not in cached
    # --flush-cache reads HSM again (ansible-inventory has no --flush-cache before ansible-core 2.17)
    rc, _data, out = inventory(csm_sim, tmp_path, cache, args=('playbook', '--flush-cache'))
    assert rc == 0, out
    assert len(hsm_requests(csm_sim)) == 2


def test_bad_credentials(csm_sim, tmp_path):
    rc, _data, out = inventory(csm_sim, tmp_path, {'client_secret': 'wrong'})
    assert rc != 0
    assert 'cray.csm.hsm could not read HSM at %s' % csm_sim.url in out
    assert 'Keycloak refused client_id' in out and 'Secret default/admin-client-auth' in out
    assert 'wrong' not in out.replace("'wrong'", '')  # the secret itself is never printed
    rc, _data, out = inventory(csm_sim, tmp_path, {}, auth=False)
    assert rc != 0 and 'No CSM token and no client_secret' in out


def test_hsm_down(csm_sim, tmp_path):
    csm_sim.fault(path='/apis/smd/hsm/v2/State/Components', status=503)
    rc, _data, out = inventory(csm_sim, tmp_path, {})
    assert rc != 0
    assert 'cray.csm.hsm could not read HSM' in out and 'GET /apis/smd/hsm/v2/State/Components failed with HTTP 503' in out
    csm_sim.clear_faults()
    # nothing listening: the gateway is named
    rc, _data, out = inventory(csm_sim, tmp_path, {'api_gateway': 'http://127.0.0.1:9'})
    assert rc != 0 and 'cannot reach the CSM API gateway' in out and 'http://127.0.0.1:9' in out


def test_unknown_group_names_the_known_ones(csm_sim, tmp_path):
    rc, _data, out = inventory(csm_sim, tmp_path, {'hsm_groups': ['builders']})
    assert rc != 0
    assert 'HSM has no group builders; it has: blue, ims_builders, ims_builders_all.' in out


def test_file_name_must_end_in_hsm_yml(csm_sim, tmp_path):
    csm_sim.clear_log()
    rc, _data, out = inventory(csm_sim, tmp_path, {}, name='nodes.yml')
    assert rc != 0 and hsm_requests(csm_sim) == []
    assert "could not be verified by inventory plugin 'cray.csm.hsm'" in out


def test_xname_that_is_no_node_fails_as_an_unknown_group_does(csm_sim, tmp_path):
    """An unknown xname and a BMC's are both named, as an unknown group label is; nothing is listed."""
    rc, _data, out = inventory(csm_sim, tmp_path, {'xnames': ['X3000C0S19B04N0', 'x9999c0s0b0n0', 'x3000c0s19b4']})
    assert rc != 0
    assert 'HSM has no node x9999c0s0b0n0, x3000c0s19b4 (xnames)' in out, out


def test_group_with_no_member_left_is_made_empty_with_a_warning(csm_sim, tmp_path):
    rc, data, out = inventory(csm_sim, tmp_path, {'hsm_groups': ['ims_builders', 'blue'], 'arch': ['aarch64']},
                              args=('--list', '--export'))
    assert rc == 0, out
    assert hosts(data) == {'x3000c0s17b2n0'}  # ims_builders' aarch64 member; blue has none
    assert 'no member of HSM group blue passes the other filters; its group blue is empty' in out, out
    assert 'ims_builders' not in out.rsplit('no member of HSM group', maxsplit=1)[-1].split('.')[0]
    rc, _data, out = inventory(csm_sim, tmp_path, {'hsm_groups': ['blue'], 'arch': ['aarch64']},
                               args=('--graph', 'blue'))
    assert rc == 0 and '@blue:' in out and 'x3000' not in out.rsplit('@blue:', maxsplit=1)[-1], out


def test_label_with_dot_and_dash_becomes_underscores(csm_sim, tmp_path):
    """HSM allows - . : in labels (^[-a-z0-9:._]+$), Ansible's group names do not: gpu-pool.a -> gpu_pool_a;
    the host variable keeps HSM's label."""
    csm_sim.fault(method='GET', path='/apis/smd/hsm/v2/groups$', status=200, content_type='application/json',
                  body=[{'label': 'gpu-pool.a', 'description': '', 'members': {'ids': ['x3000c0s19b4n0']}}])
    rc, data, out = inventory(csm_sim, tmp_path, {'hsm_groups': ['gpu-pool.a']})
    assert rc == 0, out
    assert hosts(data, 'gpu_pool_a') == {'x3000c0s19b4n0'}
    assert data['_meta']['hostvars']['x3000c0s19b4n0']['hsm_groups'] == ['gpu-pool.a']


def test_gateway_fault_fails_after_one_repeat_by_default(csm_sim, tmp_path):
    """An inventory fails fast: one repeat (not the modules' five, 20-30 s of back-off) unless retries says more."""
    csm_sim.fault(path='/apis/smd/hsm/v2/State/Components', status=503)
    csm_sim.clear_log()
    rc, _data, out = inventory(csm_sim, tmp_path, {'retries': None})
    assert rc != 0 and 'HTTP 503' in out
    assert [p for p in hsm_requests(csm_sim) if p[1].endswith('/State/Components')] == [
        ('GET', HSM + '/State/Components')] * 2
    csm_sim.clear_log()
    rc, _data, out = inventory(csm_sim, tmp_path, {'retries': None}, env={'CSM_RETRIES': '2'})
    assert rc != 0 and len([p for p in hsm_requests(csm_sim) if p[1].endswith('/State/Components')]) == 3
