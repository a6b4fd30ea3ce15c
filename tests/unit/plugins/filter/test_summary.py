# -*- coding: utf-8 -*-
"""The summary tables: every column value and every note line, as the e2e tests and users read them."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

import pytest

from ansible_collections.cray.csm.plugins.filter.summary import (
    FilterModule, clean_remote_build_node_summary, configure_remote_build_nodes_summary,
    remote_build_node_summary, remove_remote_build_node_summary)

SSH_OK = 'SSH connection established.'


class LazyHostvars(Mapping):
    """Like Ansible's HostVars: indexed per host; listing or copying all of it fails the test."""

    def __init__(self, hosts):
        self._hosts = hosts

    def __getitem__(self, host):
        return self._hosts[host]

    def __iter__(self):
        raise AssertionError('the filter must index hostvars per host, not read all of it')

    def __len__(self):
        raise AssertionError('the filter must index hostvars per host, not read all of it')


RBN = LazyHostvars({
    'n1': {'rbn_xname': 'x1', 'rbn_checked': True, 'rbn_podman': '/usr/bin/podman', 'rbn_arch': 'x86_64',
           'rbn_ims': {'node': {'xname': 'x1'},
                       'status': {'sshStatus': SSH_OK, 'nodeArch': 'aarch64', 'numCurrentJobs': 2, 'ableToRunJobs': True}},
           'rbn_free': {'free_gib': 12.345, 'findings': [
               {'result': 'warn', 'check': 'free space /tmp', 'seen': '40 GiB', 'fix': 'mount the cache'},
               {'result': 'ok', 'check': 'free space /var/tmp', 'seen': '90 GiB', 'fix': None}]}},
    'longer-node-2': {'rbn_xname': 'x2', 'rbn_error': 'Check: bad\nsecond line',
                      'rbn_ims': {'failed': True, 'node': {'xname': 'x2'}, 'preflight': {'sshStatus': 'refused'}},
                      'rbn_free': {'findings': [{'result': 'warn', 'check': 'x', 'seen': 'y', 'fix': 'z'}]}},
    'n3': {'rbn_checked': True, 'rbn_xname': 'x3', 'rbn_arch': 'x86_64',
           'rbn_ims': {'preflight': {'numCurrentJobs': -1, 'ableToRunJobs': False}}},
    'n4': {},
})
HOSTS = ['n1', 'longer-node-2', 'n3', 'n4']


def test_remote_build_node_every_column_and_note():
    lines = remote_build_node_summary(HOSTS, RBN, ['n1', 'n3'], locked={'failed': True, 'msg': 'HSM said no'},
                                      cache=True, check_mode=True)
    assert lines == [
        'NODE           XNAME           ARCH     PODMAN  SSH     CACHE    FREE     JOBS  LOCKED  REGISTERED  CAN RUN JOBS',
        'n1             x1              aarch64  yes     ok      mounted  12.3G    2     no      yes         yes',
        'longer-node-2  x2              ?        no      failed  off      -        -     no      no          no',
        'n3             x3              x86_64   no      failed  mounted  -        -     no      no          no',
        'n4             n4              ?        no      -       off      -        -     no      no          no',
        'FAILED longer-node-2: Check: bad',
        'second line',
        'WARNING n1: free space /tmp: 40 GiB. Fix: mount the cache.',
        'FAILED longer-node-2: unreachable or failed outside the checks (see its error above)',
        'FAILED n4: unreachable or failed outside the checks (see its error above)',
        'FAILED HSM lock: HSM said no',
        'Check mode: CACHE, LOCKED and REGISTERED say what a real run would do; nothing was changed.',
    ]


@pytest.mark.parametrize('locked, unlocked, expected', [
    ({'changed': True, 'changed_ids': ['x1', 'x3']}, {}, ['yes', 'yes']),
    ({'changed': True}, {'changed_ids': ['x3']}, ['yes', 'no']),  # unlocked again: its checks failed later
    ({'skipped': True}, {}, ['no', 'no']),
    ({'failed': True}, {}, ['no', 'no']),
])
def test_remote_build_node_locked_column(locked, unlocked, expected):
    lines = remote_build_node_summary(HOSTS, RBN, HOSTS, locked=locked, unlocked=unlocked)
    assert [lines[1].split()[8], lines[3].split()[8]] == expected
    assert 'FAILED HSM lock: failed' in lines if locked.get('failed') else not any('HSM lock' in x for x in lines)


def test_remote_build_node_without_notes_and_cache_off():
    hv = LazyHostvars({'n1': RBN['n1']})
    assert remote_build_node_summary(['n1'], hv, ['n1'], locked={}, cache=False) == [
        'NODE  XNAME           ARCH     PODMAN  SSH     CACHE    FREE     JOBS  LOCKED  REGISTERED  CAN RUN JOBS',
        'n1    x1              aarch64  yes     ok      off      12.3G    2     yes     yes         yes',
        'WARNING n1: free space /tmp: 40 GiB. Fix: mount the cache.',
    ]


REMOVE = LazyHostvars({
    'n1': {'rbn_xname': 'x1', 'rbn_jobs': {'live_jobs': [], 'message': 'no live job',
                                           'orphans': [{'id': 'o1'}, {'id': 'o2'}]},
           'rbn_drain': {'waited': 30, 'waited_for': [{'id': 'j1'}, {'id': 'j2'}]}},
    'longer-node-2': {'rbn_xname': 'x2', 'rbn_jobs': {'live_jobs': [{'id': 'j3'}], 'message': 'j3 still live'},
                      'rbn_blocked': 'TIMEOUT', 'rbn_drain': {'waited': 5, 'waited_for': [{'id': 'j3'}]}},
    'n3': {'rbn_xname': 'x3', 'rbn_jobs': {'live_jobs': [{'id': 'j4'}]}},
    'n4': {'rbn_jobs': {}},
    'n5': {},
})


def test_remove_every_column_and_note():
    lines = remove_remote_build_node_summary(HOSTS + ['n5'], REMOVE, ['n1', 'longer-node-2', 'n3', 'n4'],
                                             cache=True, unlock=True, force=True, check_mode=True)
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
    lines = remove_remote_build_node_summary(['n3'], REMOVE, ['n3'], cache=False, unlock=False)
    assert lines == ['NODE  XNAME           REGISTERED  DRAIN       LOCKED  CACHE',
                     'n3    x3              no          would wait  yes     off']


CONFIGURE = LazyHostvars({
    # fact remote_build_node_image_result of role remote_build_node_image
    'localhost': {'remote_build_node_image_result': {
        'arches': {'x86_64': {'image': {'arch': 'x86_64', 'name': 'img-x', 'id': '0123456789abcdef'},
                              'boot': {'pending': ['x1'], 'booted': ['x3']}},
                   'aarch64': {'image': None, 'boot': {'booted': ['x2']}}},
        'nodes': [{'xname': 'x1', 'arch': 'x86_64'}, {'xname': 'x2', 'arch': 'aarch64'},
                  {'xname': 'x3', 'arch': 'x86_64'}]}},
    'n1': {'rbn_xname': 'x1', 'rbn_checked': True, 'rbn_locked': {'changed': True},
           'rbn_ims': {'node': {'xname': 'x1'}, 'status': {'ableToRunJobs': True}}},
    'longer-node-2': {'rbn_xname': 'x2', 'rbn_checked': True, 'rbn_locked': {'skipped': True}, 'rbn_error': 'bad'},
    'n3': {'rbn_xname': 'x3', 'rbn_checked': True, 'rbn_locked': {'failed': True},
           'rbn_ims': {'failed': True, 'node': {'xname': 'x3'}}},
    'n4': {'rbn_checked': True},
})


def test_configure_every_column_and_note():
    assert configure_remote_build_nodes_summary(HOSTS, CONFIGURE, check_mode=True) == [
        'NODE           XNAME           ARCH     IMAGE                                     BOOT    LOCKED  REGISTERED  CAN RUN JOBS',
        'n1             x1              x86_64   img-x 01234567                            now     yes     yes         yes',
        'longer-node-2  x2              aarch64  -                                         before  no      no          no',
        'n3             x3              x86_64   img-x 01234567                            before  no      no          no',
        'n4             n4              ?        -                                         -       no      no          no',
        'FAILED longer-node-2: bad',
        'Check mode: a prediction; nothing was changed.',
    ]


def test_configure_without_image_facts():
    hv = LazyHostvars({'localhost': {}, 'n1': CONFIGURE['n1']})
    assert configure_remote_build_nodes_summary(['n1'], hv) == [
        'NODE  XNAME           ARCH     IMAGE                                     BOOT    LOCKED  REGISTERED  CAN RUN JOBS',
        'n1    x1              ?        -                                         -       yes     yes         yes',
    ]


@pytest.mark.parametrize('check_mode, verb', [(True, 'would remove'), (False, 'removed')])
def test_clean(check_mode, verb):
    hv = LazyHostvars({
        'n1': {'rbn_xname': 'x1', 'rbc_removed': {'removed': {'j1': ['container a', 'dir b'], 'j2': ['c']}}},
        'n2': {'rbn_xname': 'x2', 'rbc_removed': {'skipped': True}},
        'n3': {'rbn_xname': 'x3'},
    })
    assert clean_remote_build_node_summary(['n1', 'n2', 'n3'], hv, ['n1', 'n3'], check_mode=check_mode) == [
        'n1 (x1): %s the footprints of 2 dead job(s)' % verb,
        '  j1: container a, dir b',
        '  j2: c',
        'n2 (x2): nothing to remove',
        '  FAILED: unreachable or failed (see its error above); nothing was removed after it',
        'n3 (x3): nothing to remove',
    ]


def test_filters_registered():
    assert sorted(FilterModule().filters()) == [
        'clean_remote_build_node_summary', 'configure_remote_build_nodes_summary', 'remote_build_node_summary',
        'remove_remote_build_node_summary']
