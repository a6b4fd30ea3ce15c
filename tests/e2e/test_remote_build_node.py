"""End to end: playbooks remote_build_node.yml and remove_remote_build_node.yml against container
nodes (real sshd, podman, SLES-like `uname -i`) and the CSM simulator, which checks the nodes over
real SSH with its IMS key exactly as IMS does.
"""
import os
import re
import subprocess

import pytest

from e2e_testbed import XNAMES, Nodes, api

TOKEN_PATH = '/keycloak/realms/shasta/protocol/openid-connect/token'
# Container names unique per test session, so that two runs on one machine do not collide.
_RUN = 'csm-e2e%d' % (os.getpid() % 100000)
GOOD = [_RUN + '-node1', _RUN + '-node2']
BAD = _RUN + '-debian'


@pytest.fixture(scope='module')
def nodes(testbed):
    with Nodes(testbed) as n:
        n.up(GOOD[0], XNAMES[0])
        n.up(GOOD[1], XNAMES[1])
        # plain Debian: `uname -i` prints "unknown", which IMS rejects
        n.up(BAD, XNAMES[2], arch='unknown')
        yield n


def registered(sim):
    return sorted(n['xname'] for n in api(sim, 'GET', '/apis/ims/v3/remote-build-nodes'))


def locked(sim, xnames):
    out = api(sim, 'POST', '/apis/smd/hsm/v2/locks/status', {'ComponentIDs': xnames})
    return sorted(c['ID'] for c in out['Components'] if c['Locked'])


def authorized_keys(container):
    out = subprocess.run(['podman', 'exec', container, 'cat', '/root/.ssh/authorized_keys'],
                         stdout=subprocess.PIPE, universal_newlines=True, check=False)
    assert out.returncode == 0
    return out.stdout


def ims_key_logins(container):
    """How many SSH logins with the IMS key (the only ECDSA key here) the node's sshd accepted so far."""
    out = subprocess.run(['podman', 'exec', container, 'journalctl', '-q', '--no-pager', '-t', 'sshd'],
                         stdout=subprocess.PIPE, universal_newlines=True, check=False)
    assert out.returncode == 0
    return len([line for line in out.stdout.splitlines() if 'Accepted publickey for root' in line and ' ECDSA ' in line])


def assert_no_secret(sim, out):
    assert sim.client_secret not in out
    with open(sim.ims_private_key) as f:
        key_body = f.read().strip().splitlines()[1]
    assert key_body not in out
    assert 'eyJhbGci' not in out  # the simulator's tokens are JWT-shaped


def test_register_rerun_and_remove(csm_sim, nodes, run_playbook, tmp_path):
    csm_sim.set_nodes(nodes.node_map(GOOD))
    inv = nodes.inventory(str(tmp_path / 'inventory.ini'), GOOD)
    xnames = sorted(XNAMES[:2])

    checked = run_playbook('remote_build_node', csm_sim, inv, args=['--check'])
    assert checked.rc == 0, checked.out
    assert checked.changed > 0, 'check mode predicts the changes'
    assert registered(csm_sim) == [] and locked(csm_sim, xnames) == [], 'and makes none'
    assert all(csm_sim.ims_public_key.split()[1] not in authorized_keys(n) for n in GOOD)

    csm_sim.clear_log()  # count the first run's requests only
    first = run_playbook('remote_build_node', csm_sim, inv)
    assert first.rc == 0, first.out
    # Few, large steps per node (each task is a worker per host): at most 15 on a first run with podman there,
    # the node's Python check (one raw task) included.
    assert len(re.findall(r'^TASK \[', first.out, re.M)) <= 15, first.out
    assert first.changed > 0
    log = csm_sim.log()
    assert len([e for e in log if e['path'] == TOKEN_PATH]) == 1, 'one Keycloak token per playbook run'
    assert registered(csm_sim) == xnames
    assert locked(csm_sim, xnames) == xnames
    status = api(csm_sim, 'GET', '/apis/ims/v3/remote-build-nodes/status')
    assert sorted(s['xname'] for s in status if s['ableToRunJobs']) == xnames, status
    for name in GOOD:  # the summary table has a row per node, able to run jobs
        row = [line for line in first.out.splitlines() if line.strip().strip('"-, ').startswith(name)]
        assert row and row[0].rstrip('",').split()[-1] == 'yes', first.out
    assert_no_secret(csm_sim, first.out)

    logins = dict((n, ims_key_logins(n)) for n in GOOD)
    csm_sim.clear_log()
    second = run_playbook('remote_build_node', csm_sim, inv)
    assert second.rc == 0, second.out
    assert second.changed == 0, second.out
    # The re-run only checks: no key task where the key is in place, and each registered node is
    # checked by IMS's status alone (one login with the IMS key, the simulator's), not by a preflight too.
    assert 'cray.csm.ims_ssh_key : ' not in second.out, second.out
    assert dict((n, ims_key_logins(n) - logins[n]) for n in GOOD) == dict((n, 1) for n in GOOD)
    ims = sorted((e['method'], e['path'].rsplit('/', 1)[-1]) for e in csm_sim.log() if '/ims/' in e['path'])
    assert ims == sorted([('GET', x) for x in xnames] * 2), ims  # per node: GET node, GET status/node

    ims_key = csm_sim.ims_public_key.split()[1]
    assert all(ims_key in authorized_keys(n) for n in GOOD)

    removed = run_playbook('remove_remote_build_node', csm_sim, inv, extra={'remote_build_node_remove_ims_key': 'true'})
    assert removed.rc == 0, removed.out
    assert removed.changed > 0
    assert registered(csm_sim) == []
    assert locked(csm_sim, xnames) == []
    for n in GOOD:  # the IMS key is gone, the key Ansible logs in with stays
        keys = authorized_keys(n)
        assert ims_key not in keys and 'csm-testbed-controller' in keys, keys
    assert_no_secret(csm_sim, removed.out)

    again = run_playbook('remove_remote_build_node', csm_sim, inv, extra={'remote_build_node_remove_ims_key': 'true'})
    assert again.rc == 0, again.out
    assert again.changed == 0, again.out


def test_failing_node_is_reported_and_left_unregistered(csm_sim, nodes, run_playbook, tmp_path):
    csm_sim.set_nodes(nodes.node_map())
    names = [GOOD[0], BAD]
    inv = nodes.inventory(str(tmp_path / 'inventory.ini'), names)

    res = run_playbook('remote_build_node', csm_sim, inv)
    print(res.out)  # shown with pytest -rP: the summary of a run with a failing node
    assert res.rc != 0, 'a node that fails a check must fail the run (after the summary)'
    assert registered(csm_sim) == [XNAMES[0]]
    assert locked(csm_sim, [XNAMES[0], XNAMES[2]]) == [XNAMES[0]]
    assert 'FAILED %s' % BAD in res.out, res.out
    assert 'unknown' in res.out  # the reason: what `uname -i` printed
    assert '%s is not registered' % XNAMES[2] in res.out
    assert res.recap[GOOD[0]]['failed'] == 0, res.out
    assert res.recap[BAD]['failed'] == 1, res.out
    assert_no_secret(csm_sim, res.out)


def test_csm_1_5_reports_the_preflight_result(csm_sim, nodes, run_playbook, tmp_path):
    """IMS 3.15 (CSM 1.5) has no status endpoint: the run reports what the IMS-style check found."""
    csm_sim.config(csm_version='1.5')
    csm_sim.set_nodes(nodes.node_map([GOOD[0]]))
    inv = nodes.inventory(str(tmp_path / 'inventory.ini'), [GOOD[0]])

    res = run_playbook('remote_build_node', csm_sim, inv)
    assert res.rc == 0, res.out
    assert registered(csm_sim) == [XNAMES[0]]
    assert 'no remote build node status endpoint' in res.out  # the module's warning
    row = [line for line in res.out.splitlines() if line.strip().strip('"-, ').startswith(GOOD[0])]
    assert row and row[0].rstrip('",').split()[-1] == 'yes', res.out
    status_calls = [e for e in csm_sim.log() if '/remote-build-nodes/status' in e['path']]
    assert status_calls and all(e['status'] == 404 for e in status_calls), status_calls


def test_node_ims_cannot_reach_is_reported_and_unlocked(csm_sim, nodes, run_playbook, tmp_path):
    """The controller reaches the node but IMS does not (its name leads to a closed port): the node is
    reported with IMS's own status, and the lock this run took is released."""
    csm_sim.set_nodes({XNAMES[0]: '127.0.0.1:1'})  # nothing listens on port 1
    inv = nodes.inventory(str(tmp_path / 'inventory.ini'), [GOOD[0]])

    res = run_playbook('remote_build_node', csm_sim, inv, extra={'remote_build_node_wait_timeout': 6})
    assert res.rc != 0, res.out
    assert 'FAILED %s: IMS check' % GOOD[0] in res.out, res.out
    assert 'Unable to connect to node' in res.out  # IMS's sshStatus, in the reason
    assert locked(csm_sim, [XNAMES[0]]) == []
    locks = [e for e in csm_sim.log() if e['path'].endswith('/locks/lock') or e['path'].endswith('/locks/unlock')]
    assert [e['path'].rsplit('/', 1)[1] for e in locks] == ['lock', 'unlock'], locks


def test_remove_without_lock_says_what_hsm_holds(csm_sim, nodes, run_playbook, tmp_path):
    """Issue 23: with remote_build_node_lock=false the setup locks nothing and the removal unlocks nothing. A node
    whose job outlives the drain was shown LOCKED yes and its failure said "locked in HSM"; it is not locked."""
    node, x = GOOD[1], XNAMES[1]
    csm_sim.set_nodes(nodes.node_map([node]))
    inv = nodes.inventory(str(tmp_path / 'inventory.ini'), [node])
    no_lock = {'remote_build_node_lock': 'false'}
    setup = run_playbook('remote_build_node', csm_sim, inv, extra=no_lock)
    assert setup.rc == 0, setup.out
    assert registered(csm_sim) == [x] and locked(csm_sim, [x]) == []
    assert row_of(setup.out, node)['LOCKED'] == 'no'

    job = csm_sim.start_job(x, status='building_image')
    try:
        blocked = run_playbook('remove_remote_build_node', csm_sim, inv, extra=dict(
            no_lock, remote_build_node_drain_timeout='2', remote_build_node_drain_poll_interval='1'))
        assert blocked.rc != 0 and blocked.recap[node]['failed'] == 1, blocked.out
        assert registered(csm_sim) == [] and locked(csm_sim, [x]) == []
        fail = re.search(r'fatal: \[%s\]: FAILED! => .*"msg": "(.*)"' % node, blocked.out)
        assert fail and 'Still live: %s' % job['id'] in fail.group(1), blocked.out
        assert 'locked in HSM' not in fail.group(1), fail.group(1)
        assert row_of(blocked.out, node, remove=True) == dict(DRAIN='TIMEOUT', LOCKED='no'), blocked.out
    finally:
        csm_sim.move_job(job['id'], 'finish')
    assert run_playbook('remove_remote_build_node', csm_sim, inv, extra=no_lock).rc == 0


def row_of(out, node, remove=False):
    """The LOCKED (and, for the removal, DRAIN) column of the node's summary line."""
    line = [x for x in out.splitlines() if x.strip().startswith('"%s ' % node)]  # a line of the summary's msg
    assert len(line) == 1, out
    cols = re.split(r'\s{2,}', line[0].strip().strip('",'))
    return dict(DRAIN=cols[3], LOCKED=cols[4]) if remove else dict(LOCKED=cols[8])
