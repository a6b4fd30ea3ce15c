"""End to end: remote_build_node_status.yml on deliberately broken container nodes, and the free-space
minimum of remote_build_node.yml. Real sshd, real podman in the nodes, the CSM simulator checking
the nodes over real SSH with its IMS key as IMS does.
"""
import json
import os

import pytest

from e2e_testbed import Nodes, api, make_footprint, node_sh, node_state

_RUN = 'csm-e2es%d' % (os.getpid() % 100000)
OK = _RUN + '-ok'             # healthy, with an orphaned footprint (a job IMS does not know)
NOKEY = _RUN + '-nokey'       # registered, but the IMS key is not authorized
NOPODMAN = _RUN + '-nopodman'  # registered, no podman
FULL = _RUN + '-full'         # registered, /tmp a small tmpfs that is full
CACHE = _RUN + '-cache'       # registered, the build cache expected but not mounted
X = {OK: 'x3000c0s19b4n0', NOKEY: 'x3000c0s19b3n0', NOPODMAN: 'x3000c0s19b1n0', FULL: 'x3000c0s17b3n0',
     CACHE: 'x3000c0s17b4n0'}
ORPHAN = '0badc0de-0000-4000-8000-000000000001'
PODMAN_IMAGE = 'localhost/csm-node-podman'
BASE_IMAGE = 'localhost/csm-node-base'


@pytest.fixture(scope='module')
def nodes(testbed):
    n = Nodes(testbed)
    try:
        n.up(OK, X[OK], image=PODMAN_IMAGE, privileged=True)
        n.up(NOKEY, X[NOKEY], image=PODMAN_IMAGE)
        n.up(NOPODMAN, X[NOPODMAN], image=BASE_IMAGE)
        n.up(FULL, X[FULL], image=PODMAN_IMAGE, privileged=True)
        n.up(CACHE, X[CACHE], image=PODMAN_IMAGE, privileged=True)
        # a 16 MiB tmpfs on /tmp, filled up
        node_sh(FULL, 'mount -t tmpfs -o size=16m tmpfs /tmp && (dd if=/dev/zero of=/tmp/fill bs=1M 2>/dev/null || true)')
        yield n
    finally:
        n.down()


def registered(sim):
    return sorted(n['xname'] for n in api(sim, 'GET', '/apis/ims/v3/remote-build-nodes'))


def locked(sim, xnames):
    out = api(sim, 'POST', '/apis/smd/hsm/v2/locks/status', {'ComponentIDs': xnames})
    return sorted(c['ID'] for c in out['Components'] if c['Locked'])


def authorize_ims_key(sim, container):
    key = sim.ims_public_key.strip()
    node_sh(container, "grep -qF '%s' /root/.ssh/authorized_keys || echo '%s' >> /root/.ssh/authorized_keys" % (key, key))


def findings(report, host):
    return dict((f['check'], f) for f in report['nodes'][host]['findings'])


def test_remote_build_node_refuses_a_node_below_the_free_space_minimum(csm_sim, nodes, run_playbook, tmp_path):
    csm_sim.set_nodes(nodes.node_map([OK, FULL]))
    inv = nodes.inventory(str(tmp_path / 'inventory.ini'), [OK, FULL])
    res = run_playbook('remote_build_node', csm_sim, inv, extra={'remote_build_node_min_free_gib': 0.5,
                                                                 'remote_build_node_warn_free_gib': 100000})
    print(res.out)
    assert res.rc != 0, res.out
    assert registered(csm_sim) == [X[OK]], 'the full node is left unregistered, the other registered'
    assert locked(csm_sim, [X[OK], X[FULL]]) == [X[OK]], 'and the full node is not locked'
    assert 'FAILED %s: Refuse a node with less free space' % FULL in res.out, res.out
    assert 'remote_build_node_cache=true' in res.out, 'the fix: the Ceph build cache'
    assert res.recap[FULL]['failed'] == 1 and res.recap[OK]['failed'] == 0, res.out
    header = [line for line in res.out.splitlines() if 'CAN RUN JOBS' in line][0]
    assert ' FREE ' in header and ' JOBS ' in header, header
    row = [line for line in res.out.splitlines() if line.strip().strip('"-, ').startswith(OK)][0]
    assert row.rstrip('",').split()[-1] == 'yes' and 'G ' in row, row
    # below the warning threshold (here: everything): a warning line naming the cache, no failure
    assert 'WARNING %s: free space /tmp' % OK in res.out, res.out
    api(csm_sim, 'DELETE', '/apis/ims/v3/remote-build-nodes/' + X[OK], want=204)
    api(csm_sim, 'POST', '/apis/smd/hsm/v2/locks/unlock', {'ComponentIDs': [X[OK]]})


def test_status_names_each_fault_and_its_fix_and_changes_nothing(csm_sim, nodes, run_playbook, tmp_path):
    csm_sim.set_nodes(nodes.node_map())
    for name in nodes.hosts:
        api(csm_sim, 'POST', '/apis/ims/v3/remote-build-nodes', {'xname': X[name]}, want=201)
        if name != NOKEY:
            authorize_ims_key(csm_sim, name)
    api(csm_sim, 'POST', '/apis/smd/hsm/v2/locks/lock', {'ComponentIDs': [X[OK]]})
    make_footprint(OK, ORPHAN)
    live = csm_sim.start_job(X[OK])['id']  # a job running on OK, with its real container
    waiting = csm_sim.start_job('', arch='aarch64')['id']  # runs in Kubernetes: no aarch64 node
    inv = nodes.inventory(str(tmp_path / 'inventory.ini'), list(nodes.hosts),
                          host_vars={CACHE: 'remote_build_node_cache=true'})
    before = dict((n, node_state(n)) for n in nodes.hosts)
    ims_before, locks_before = registered(csm_sim), locked(csm_sim, list(X.values()))
    report_file = str(tmp_path / 'status.json')

    for args in (['--check'], []):
        res = run_playbook('remote_build_node_status', csm_sim, inv, args=args,
                           extra={'remote_build_node_status_file': report_file})
        print(res.out)
        assert res.rc != 0, res.out
        assert res.changed == 0, res.out
        assert dict((n, node_state(n)) for n in nodes.hosts) == before, 'the nodes are unchanged'
        assert registered(csm_sim) == ims_before and locked(csm_sim, list(X.values())) == locks_before
        with open(report_file) as f:
            report = json.load(f)
        assert sorted(report['cannot_run_jobs']) == sorted([NOKEY, NOPODMAN, FULL, CACHE]), report['cannot_run_jobs']
        assert sorted(r['failed'] for r in res.recap.values()) == [0, 1, 1, 1, 1], res.out

        ok = findings(report, OK)
        assert ok['orphaned footprints']['result'] == 'warn' and ORPHAN in ok['orphaned footprints']['seen']
        assert 'clean_remote_build_node' in ok['orphaned footprints']['fix']
        assert ok['IMS: current jobs']['seen'].startswith('2 '), 'IMS counts the orphan directory as a job too'
        assert live in ok['running jobs']['seen'] and report['nodes'][OK]['live_jobs'] == [live]
        assert report['nodes'][OK]['orphans'] == [ORPHAN]
        assert ok['job architecture']['result'] == 'warn' and waiting in ok['job architecture']['seen']
        assert ok['HSM lock']['result'] == 'ok' and findings(report, NOKEY)['HSM lock']['result'] == 'warn'

        nokey = findings(report, NOKEY)
        assert nokey['IMS key authorized for root']['result'] == 'fail'
        assert nokey['IMS: SSH with the IMS key']['result'] == 'fail'
        assert 'ims_ssh_key' in nokey['IMS key authorized for root']['fix']

        nopodman = findings(report, NOPODMAN)
        assert nopodman['podman at /usr/bin/podman']['result'] == 'fail'
        assert nopodman['IMS: podman']['result'] == 'fail'
        assert 'remote_build_node_podman=auto' in nopodman['podman at /usr/bin/podman']['fix']

        full = findings(report, FULL)
        assert full['free space /tmp']['result'] == 'fail' and '0.00 GiB free on /tmp' in full['free space /tmp']['seen']
        assert 'remote_build_node_cache=true' in full['free space /tmp']['fix']

        cache = findings(report, CACHE)
        assert cache['build cache']['result'] == 'fail'
        assert 'mapped and mounted again after every reboot' in cache['build cache']['fix']

        for name, check in ((NOKEY, 'IMS key authorized for root'), (NOPODMAN, 'podman at /usr/bin/podman'),
                            (FULL, 'free space /tmp'), (CACHE, 'build cache')):
            assert 'FAIL  %s' % check in res.out, (name, check)
        assert 'fix: ' + cache['build cache']['fix'] in res.out
        assert '%s cannot run IMS jobs' % X[FULL] in res.out


def test_status_of_healthy_nodes_exits_0(csm_sim, nodes, run_playbook, tmp_path):
    """The cache node with its cache mounted (a tmpfs standing in for the RBD, bound as
    ceph_buildcache binds it), and the node with only an orphan: both can run jobs."""
    node_sh(CACHE, 'set -e; mkdir -p /mnt/cache; mountpoint -q /mnt/cache || mount -t tmpfs -o size=1g cache /mnt/cache;'
                   ' for d in /tmp /var/lib/containers /var/tmp; do mkdir -p /mnt/cache$d;'
                   ' [ "$(findmnt -rn -o SOURCE --mountpoint $d | tail -1)" = cache ] || mount --bind /mnt/cache$d $d; done')
    csm_sim.set_nodes(nodes.node_map([OK, CACHE]))
    for name in (OK, CACHE):
        if X[name] not in registered(csm_sim):
            api(csm_sim, 'POST', '/apis/ims/v3/remote-build-nodes', {'xname': X[name]}, want=201)
        authorize_ims_key(csm_sim, name)
    inv = nodes.inventory(str(tmp_path / 'inventory.ini'), [OK, CACHE], host_vars={CACHE: 'remote_build_node_cache=true'})
    report_file = str(tmp_path / 'status.json')
    res = run_playbook('remote_build_node_status', csm_sim, inv, extra={
        'remote_build_node_status_file': report_file, 'remote_build_node_min_free_gib': 0.5})
    print(res.out)
    assert res.rc == 0, res.out
    with open(report_file) as f:
        report = json.load(f)
    assert report['cannot_run_jobs'] == []
    cache = findings(report, CACHE)
    assert cache['build cache']['result'] == 'ok'
    assert all(cache['free space ' + p]['seen'].find('on the build cache') > 0 for p in ('/tmp', '/var/lib/containers', '/var/tmp'))
