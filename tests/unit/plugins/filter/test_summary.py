# -*- coding: utf-8 -*-
"""The summary tables: every column value and every note line, as the e2e tests and users read them."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.filter.summary import (
    FilterModule, clean_remote_build_node_summary, configure_remote_build_nodes_summary,
    remote_build_node_summary, remove_remote_build_node_summary)

SSH_OK = 'SSH connection established.'


def rec(host, **fields):
    """A node's record, fact remote_build_node_result of role cray.csm.remote_build_node."""
    return dict(host=host, **fields)


RBN = [
    rec('n1', xname='x1', podman='/usr/bin/podman', arch='x86_64', cache=True, lock=True, lock_error=None, error=None,
        registration={'registered': True,
                      'status': {'sshStatus': SSH_OK, 'nodeArch': 'aarch64', 'numCurrentJobs': 2, 'ableToRunJobs': True}},
        space={'free_gib': 12.345, 'findings': [
            {'result': 'warn', 'check': 'free space /tmp', 'seen': '40 GiB', 'fix': 'mount the cache'},
            {'result': 'ok', 'check': 'free space /var/tmp', 'seen': '90 GiB', 'fix': None}]}),
    rec('longer-node-2', xname='x2', error='Check: bad\nsecond line', cache=True, lock=False,
        registration={'registered': False, 'status': {'sshStatus': 'refused'}},
        space={'findings': [{'result': 'warn', 'check': 'x', 'seen': 'y', 'fix': 'z'}]}),
    rec('n3', xname='x3', arch='x86_64', cache=False, lock=False, lock_error='HSM said no', error=None,
        registration={'registered': False, 'status': {'numCurrentJobs': -1, 'ableToRunJobs': False}}),
]
HOSTS = ['n1', 'longer-node-2', 'n3', 'n4']


def test_remote_build_node_every_column_and_note():
    lines = remote_build_node_summary(RBN, hosts=HOSTS, check_mode=True)
    assert lines == [
        'NODE           XNAME           ARCH     PODMAN  SSH     CACHE    FREE     JOBS  LOCKED  REGISTERED  CAN RUN JOBS',
        'n1             x1              aarch64  yes     ok      mounted  12.3G    2     yes     yes         yes',
        'longer-node-2  x2              ?        no      failed  off      -        -     no      no          no',
        'n3             x3              x86_64   no      failed  off      -        -     no      no          no',
        'n4             n4              ?        no      -       off      -        -     no      no          no',
        'FAILED longer-node-2: Check: bad',
        'second line',
        'WARNING n1: free space /tmp: 40 GiB. Fix: mount the cache.',
        'FAILED n4: unreachable or failed outside the checks (see its error above)',
        'FAILED HSM lock: HSM said no',
        'Check mode: CACHE, LOCKED and REGISTERED say what a real run would do; nothing was changed.',
    ]


@pytest.mark.parametrize('lock, expected', [(True, 'yes'), (False, 'no')])
def test_remote_build_node_locked_column_is_the_record(lock, expected):
    lines = remote_build_node_summary([dict(RBN[0], lock=lock)], hosts=['n1'])
    assert lines[1].split()[8] == expected
    assert not any('HSM lock' in x for x in lines)


def test_remote_build_node_without_notes_and_cache_off():
    assert remote_build_node_summary([dict(RBN[0], cache=False)], hosts=['n1']) == [
        'NODE  XNAME           ARCH     PODMAN  SSH     CACHE    FREE     JOBS  LOCKED  REGISTERED  CAN RUN JOBS',
        'n1    x1              aarch64  yes     ok      off      12.3G    2     yes     yes         yes',
        'WARNING n1: free space /tmp: 40 GiB. Fix: mount the cache.',
    ]


def test_remote_build_node_reads_only_the_records():
    # a record of a host not in `hosts` is not shown; a host without one was not reached
    lines = remote_build_node_summary([rec('other', xname='x9', error='bad')], hosts=['n1'])
    assert lines[1].split()[:2] == ['n1', 'n1'] and not any('other' in x for x in lines)


REMOVE = [
    rec('n1', xname='x1', registration={'registered': False}, lock=False, cache=False, error=None,
        jobs={'live_jobs': [], 'message': 'no live job', 'orphans': [{'id': 'o1'}, {'id': 'o2'}]},
        drain={'waited': 30, 'waited_for': [{'id': 'j1'}, {'id': 'j2'}]}),
    rec('longer-node-2', xname='x2', registration={'registered': False}, lock=True, cache=True, error='TIMEOUT',
        jobs={'live_jobs': [{'id': 'j3'}], 'message': 'j3 still live'}, drain={'waited': 5, 'waited_for': [{'id': 'j3'}]}),
    rec('n3', xname='x3', registration={'registered': False}, lock=False, cache=False, error=None,
        jobs={'live_jobs': [{'id': 'j4'}]}),
    rec('n4', registration={'registered': False}, lock=False, cache=False, error=None, jobs={}),
]


def test_remove_every_column_and_note():
    lines = remove_remote_build_node_summary(REMOVE, hosts=HOSTS + ['n5'], cache=True, lock=True, force=True,
                                             check_mode=True)
    assert lines == [
        'NODE           XNAME           REGISTERED  DRAIN       LOCKED  CACHE',
        'n1             x1              no          drained     no      unmounted',
        'longer-node-2  x2              no          TIMEOUT     yes     mounted',
        'n3             x3              no          FORCED      no      unmounted',
        'n4             n4              no          idle        no      unmounted',
        'n5             n5              ?           ?           yes     mounted',
        'JOBS n1: waited 30 s for j1, j2; no live job',
        'JOBS longer-node-2: j3 still live',
        'ORPHANS n1: IMS no longer runs o1, o2: their footprint does not block the removal; clean it up '
        '("Clean up orphaned jobs", Troubleshoot page)',
        'FORCED: remote_build_node_force=true, the drain was skipped; live jobs on a removed node are lost.',
        'FAILED n5: unreachable or failed (see its error above)',
        'Check mode: DRAIN, LOCKED and CACHE say what a real run would do; nothing was changed.',
    ]


def test_remove_would_wait_kept_lock_and_no_cache():
    lines = remove_remote_build_node_summary([dict(REMOVE[2], lock=True)], hosts=['n3'], cache=False, lock=True)
    assert lines == ['NODE  XNAME           REGISTERED  DRAIN       LOCKED  CACHE',
                     'n3    x3              no          would wait  yes     off']


def test_remove_without_lock_shows_the_record_not_a_kept_lock():
    # issue 23: remote_build_node_lock=false releases no lock: a node the drain blocks shows the lock its record
    # holds (what HSM holds), not "kept locked"; a node not reached is unknown; the note says why
    blocked = dict(REMOVE[1], lock=False)
    lines = remove_remote_build_node_summary([blocked, dict(REMOVE[0], lock=True)], hosts=['longer-node-2', 'n1', 'n5'],
                                             cache=True, lock=False)
    assert [line.split()[4] for line in lines[1:4]] == ['no', 'yes', '?'], lines
    assert 'LOCKED: remote_build_node_lock=false, HSM locks are left as they are; LOCKED is what HSM holds.' in lines


# hostvars['localhost'] after build_remote_node_image: fact remote_build_node_image_result of its role
CONFIGURE_BUILD = {'remote_build_node_image_result': {
    'arches': {'x86_64': {'image': {'arch': 'x86_64', 'name': 'img-x', 'id': '0123456789abcdef'},
                          'boot': {'pending': ['x1'], 'booted': ['x3']}},
               'aarch64': {'image': None, 'boot': {'booted': ['x2']}}},
    'nodes': [{'xname': 'x1', 'arch': 'x86_64'}, {'xname': 'x2', 'arch': 'aarch64'}, {'xname': 'x3', 'arch': 'x86_64'}]}}
CONFIGURE = [
    rec('n1', xname='x1', lock=True, error=None, registration={'registered': True, 'status': {'ableToRunJobs': True}}),
    rec('longer-node-2', xname='x2', lock=False, error='bad', registration=None),
    rec('n3', xname='x3', lock=False, error='IMS check: no', registration={'registered': False, 'status': {}}),
]


def test_configure_every_column_and_note():
    assert configure_remote_build_nodes_summary(CONFIGURE, hosts=HOSTS, build=CONFIGURE_BUILD, check_mode=True) == [
        'NODE           XNAME           ARCH     IMAGE                                     BOOT    LOCKED  REGISTERED  CAN RUN JOBS',
        'n1             x1              x86_64   img-x 01234567                            now     yes     yes         yes',
        'longer-node-2  x2              aarch64  -                                         before  no      no          no',
        'n3             x3              x86_64   img-x 01234567                            before  no      no          no',
        'n4             n4              ?        -                                         -       no      no          no',
        'FAILED longer-node-2: bad',
        'FAILED n3: IMS check: no',
        'Check mode: a prediction; nothing was changed.',
    ]


def test_configure_without_image_facts():
    assert configure_remote_build_nodes_summary(CONFIGURE[:1], hosts=['n1'], build={}) == [
        'NODE  XNAME           ARCH     IMAGE                                     BOOT    LOCKED  REGISTERED  CAN RUN JOBS',
        'n1    x1              ?        -                                         -       yes     yes         yes',
    ]


@pytest.mark.parametrize('check_mode, verb', [(True, 'would remove'), (False, 'removed')])
def test_clean(check_mode, verb):
    results = [rec('n1', xname='x1', removed={'j1': ['container a', 'dir b'], 'j2': ['c']}),
               rec('n3', xname='x3', removed={})]
    assert clean_remote_build_node_summary(results, hosts=['n1', 'n2', 'n3'], check_mode=check_mode) == [
        'n1 (x1): %s the footprints of 2 dead job(s)' % verb,
        '  j1: container a, dir b',
        '  j2: c',
        'n2 (n2): nothing to remove',
        '  FAILED: unreachable or failed (see its error above); nothing was removed after it',
        'n3 (x3): nothing to remove',
    ]


def test_filters_registered():
    assert sorted(FilterModule().filters()) == [
        'clean_remote_build_node_summary', 'configure_remote_build_nodes_summary', 'remote_build_node_summary',
        'remove_remote_build_node_summary']
