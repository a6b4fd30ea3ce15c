# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cray.csm.plugins.filter.build_node_status import FilterModule, build_node_status

DEAD = 'b3eb4c73-f8da-47cc-9e1e-9874d6ba07ef'
LIVE = '020cb1fc-fbc4-4256-9a28-43b4527fc573'
UNKNOWN = '262af634-8cb7-4f8d-ab36-210ab6cc4409'
X = 'x3000c0s19b4n0'
IMS_OK = {'xname': X, 'sshStatus': 'SSH connection established.', 'nodeArch': 'x86_64',
          'podmanStatus': 'Podman present at /usr/bin/podman', 'numCurrentJobs': 1, 'ableToRunJobs': True}


def space(free, on_cache=False, path='/tmp'):
    return dict(path=path, exists=True, measured_at=path, free_gib=free, mount_point='/', source='overlay',
                on_cache=on_cache)


def node(**kw):
    out = dict(arch='x86_64', podman='/usr/bin/podman', ims_key_authorized=True,
               space=[space(100, path=p) for p in ('/tmp', '/var/lib/containers', '/var/tmp')],
               cache=dict(mount_point='/mnt/cache', mounted=False), footprints=[], other_job_entries=[])
    out.update(kw)
    return out


def entry(**kw):
    out = dict(host='n1', xname=X, node=node(), registered=True, ims_status=dict(IMS_OK), locked=True)
    out.update(kw)
    return out


def jobs():
    """The live jobs (ims_job_info's live_jobs): DEAD and UNKNOWN are not among them."""
    return [dict(id=LIVE, status='building_image', job_type='customize', arch='x86_64', remote_build_node=X.upper())]


def results(report, host='n1'):
    return dict((f['check'], f['result']) for f in report['nodes'][host]['findings'])


def failing(report, host='n1'):
    return dict((f['check'], f) for f in report['nodes'][host]['findings'] if f['result'] == 'fail')


def test_healthy_node_can_run_jobs():
    r = build_node_status([entry()], live_jobs=jobs(), min_free_gib=10, warn_free_gib=50)
    assert r['cannot_run_jobs'] == [] and r['nodes']['n1']['can_run_jobs']
    assert set(results(r).values()) <= {'ok', 'info'}, results(r)
    assert r['nodes']['n1']['live_jobs'] == [LIVE] and r['nodes']['n1']['orphans'] == []  # xnames canonicalised
    assert r['table'][1].split()[-1] == 'yes'
    assert all(f['fix'] is None for f in r['nodes']['n1']['findings'])


@pytest.mark.parametrize('change, check, fix_word', [
    (dict(registered=False), 'registered in IMS', 'cray.csm.remote_build_node'),
    (dict(ims_status=dict(IMS_OK, sshStatus='Unable to connect to node. Error: Authentication failed.')),
     'IMS: SSH with the IMS key', 'ims_ssh_key'),
    (dict(ims_status=dict(IMS_OK, podmanStatus='Podman not installed on node.', ableToRunJobs=False)),
     'IMS: podman', 'podman_install'),
    (dict(node=node(ims_key_authorized=False)), 'IMS key authorized for root', 'authorized_keys'),
    (dict(node=node(podman='')), 'podman at /usr/bin/podman', 'remote_build_node_podman'),
    (dict(node=node(arch='unknown')), 'architecture (uname -i)', 'SLES'),
    (dict(node=node(space=[space(0.01)])), 'free space /tmp', 'remote_build_node_cache=true'),
    (dict(node=None), 'node reachable', 'ansible_host'),
])
def test_each_fault_fails_the_node_with_its_fix(change, check, fix_word):
    r = build_node_status([entry(**change)], live_jobs=jobs(), min_free_gib=1, warn_free_gib=5)
    assert r['cannot_run_jobs'] == ['n1']
    assert check in failing(r), results(r)
    assert fix_word in failing(r)[check]['fix']
    assert 'fix: ' + failing(r)[check]['fix'] in '\n'.join(r['table'])


def test_ims_stops_at_the_first_failed_check_as_ims_does():
    r = build_node_status([entry(ims_status=dict(IMS_OK, sshStatus='Unable to connect', nodeArch='Unknown'))])
    assert 'IMS: architecture' not in results(r) and 'IMS: podman' not in results(r)


def test_space_between_the_thresholds_warns():
    r = build_node_status([entry(node=node(space=[space(20)]))], min_free_gib=10, warn_free_gib=50)
    assert results(r)['free space /tmp'] == 'warn' and r['nodes']['n1']['can_run_jobs']
    assert r['nodes']['n1']['free_gib'] == 20


def test_cache_expected_but_not_mounted_or_not_bound():
    r = build_node_status([entry()], cache_expected=True)
    assert 'mapped and mounted again after every reboot' in failing(r)['build cache']['fix']
    half = node(cache=dict(mount_point='/mnt/cache', mounted=True, source='/dev/rbd0'),
                space=[space(9, True, '/tmp'), space(9, False, '/var/tmp')])
    r = build_node_status([entry(node=half)], cache_expected=True)
    assert '/var/tmp not bound' in failing(r)['build cache']['seen']
    full = node(cache=dict(mount_point='/mnt/cache', mounted=True, source='/dev/rbd0'), space=[space(9, True)])
    assert results(build_node_status([entry(node=full)], cache_expected=True))['build cache'] == 'ok'
    assert results(build_node_status([entry()], cache_expected=False))['build cache'] == 'info'


def test_rebooted_cache_not_ready():
    """Registered in IMS (set up before) with no cache mounted: a reboot lost it; the fix makes every boot remake it."""
    found = failing(build_node_status([entry()], cache_expected=True))['build cache']
    assert found['seen'].startswith('rebooted, cache not ready: registered in IMS, but nothing is mounted at /mnt/cache')
    assert 'IMS would put jobs on the node' in found['seen']  # IMS_OK: ableToRunJobs true
    assert 'remote_build_node_cfs_configuration' in found['fix'] and 'node_personalization.md' in found['fix']
    assert 'remote_build_node_cache=true' in found['fix']  # and what to do now
    refused = dict(IMS_OK, ableToRunJobs=False)
    found = failing(build_node_status([entry(ims_status=refused)], cache_expected=True))['build cache']
    assert found['seen'].startswith('rebooted, cache not ready') and 'IMS would put' not in found['seen']
    # Never set up (not registered): only "not mounted", no reboot to speak of.
    found = failing(build_node_status([entry(registered=False)], cache_expected=True))['build cache']
    assert found['seen'] == 'expected, but nothing is mounted at /mnt/cache'
    assert 'remote_build_node_cfs_configuration' not in found['fix']


def test_orphans_are_footprints_of_final_or_unknown_jobs_only():
    fps = [dict(job_id=i) for i in (LIVE, DEAD, UNKNOWN)]
    r = build_node_status([entry(node=node(footprints=fps))], live_jobs=jobs())
    assert sorted(r['nodes']['n1']['orphans']) == sorted([DEAD, UNKNOWN])
    # a live job whose footprint is here runs here, whatever its remote_build_node says
    elsewhere = [dict(jobs()[0], remote_build_node='x3000c0s19b3n0')]
    r2 = build_node_status([entry(node=node(footprints=fps))], live_jobs=elsewhere)
    assert r2['nodes']['n1']['live_jobs'] == [LIVE] and LIVE not in r2['nodes']['n1']['orphans']
    assert results(r)['orphaned footprints'] == 'warn' and r['nodes']['n1']['can_run_jobs']
    # without the job list nothing is called an orphan
    assert build_node_status([entry(node=node(footprints=fps))])['nodes']['n1']['orphans'] == []


def test_lock_and_job_architecture_warn():
    waiting = jobs() + [dict(id=UNKNOWN, status='creating', arch='aarch64', remote_build_node='')]
    assert results(build_node_status([entry()], live_jobs=jobs()))['job architecture'] == 'ok'
    r = build_node_status([entry(locked=False)], live_jobs=waiting)
    assert results(r)['HSM lock'] == 'warn' and results(r)['job architecture'] == 'warn'
    assert r['nodes']['n1']['can_run_jobs']


def test_missing_inputs_skip_their_checks_and_unlisted_hosts_are_unreachable():
    r = build_node_status([dict(host='n1', xname=X, node={'space': [space(3)]})], hosts=['n1', 'n2'], min_free_gib=5)
    assert set(results(r)) == {'free space /tmp'}
    assert r['cannot_run_jobs'] == ['n1', 'n2'] and 'node reachable' in failing(r, 'n2')


@pytest.mark.parametrize('args', [('nope',), ([{'xname': X}],), ([entry()], 'jobs'), ([entry()], None, None, False, 'x')])
def test_bad_input_is_refused(args):
    with pytest.raises(AnsibleFilterError):
        build_node_status(*args)


def test_registered():
    assert FilterModule().filters()['build_node_status'] is build_node_status


def test_job_states_on_the_node():
    """IMS 3.32+: a live job the node shows failed (remote_error) or dead (container gone) is a warning with what IMS
    does next; a footprint the node shows running or finishing is never an orphan, even if IMS lists no such job."""
    failed, dead, busy = DEAD, UNKNOWN, 'c0ffee00-0000-4000-8000-000000000001'
    live = [dict(jobs()[0], id=i) for i in (LIVE, failed, dead)]
    fps = [dict(job_id=LIVE, state='running'), dict(job_id=failed, state='failed'), dict(job_id=dead, state='dead'),
           dict(job_id=busy, state='finishing')]
    r = build_node_status([entry(node=node(footprints=fps))], live_jobs=live)
    n = r['nodes']['n1']
    seen = dict((f['check'], f) for f in n['findings'])
    assert '%s (customize, building_image, x86_64) running on the node' % LIVE in seen['running jobs']['seen']
    assert seen['failed jobs']['result'] == 'warn' and failed in seen['failed jobs']['seen']
    assert 'remote_error' in seen['failed jobs']['seen']
    assert seen['dead jobs']['result'] == 'warn' and dead in seen['dead jobs']['seen']
    assert 'within about a minute' in seen['dead jobs']['seen'] and 'clean_remote_build_node' in seen['dead jobs']['fix']
    assert busy in seen['jobs IMS does not list']['seen'] and n['orphans'] == [] and n['can_run_jobs']
    # once IMS ends them, the failed and dead ones are orphans; the finishing one is still not
    r = build_node_status([entry(node=node(footprints=fps))], live_jobs=[live[0]])
    assert sorted(r['nodes']['n1']['orphans']) == sorted([failed, dead])


def test_foreign_podman_volumes_warn_naming_them():
    vols = [dict(name='f00d', ims_job=LIVE), dict(name='webdata', ims_job=None), dict(name='pgdata', ims_job=None)]
    seen = dict((f['check'], f) for f in build_node_status([entry(node=node(podman_volumes=vols))])['nodes']['n1']['findings'])
    assert seen['podman volumes']['result'] == 'warn'
    assert 'webdata, pgdata' in seen['podman volumes']['seen'] and 'f00d' not in seen['podman volumes']['seen']
    assert 'podman volume prune -f' in seen['podman volumes']['seen']
    ok = build_node_status([entry(node=node(podman_volumes=vols[:1]))])
    assert results(ok)['podman volumes'] == 'ok'
