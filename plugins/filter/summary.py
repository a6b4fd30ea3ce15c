# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The summary tables that the remote build node playbooks print at their end, one filter per playbook.

Each reads the per-node records (fact remote_build_node_result of role cray.csm.remote_build_node, one
per host of the play), never hostvars; a host of `hosts` without a record was not reached.

Each filter's documentation is in plugins/filter/<filter name>.yml.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

SSH_OK = 'SSH connection established.'


def _dig(value, *keys, **kw):
    """value[k1][k2]..., or kw['default'] where a key is missing (as Jinja's attr | default(...))."""
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return kw.get('default')
        value = value[key]
    return value


def _by_host(results):
    """The per-node records (fact remote_build_node_result of role cray.csm.remote_build_node) by host."""
    return dict((r['host'], r) for r in results or [] if isinstance(r, Mapping) and 'host' in r)


def _row_format(hosts, columns):
    """'%-Ns' for the NODE column (at least 4 wide, as wide as the longest host), then the given columns."""
    return '%-' + str(max([4] + [len(h) for h in hosts])) + 's  ' + columns


def _lines(lines):
    # The Jinja tables ended with .rstrip().split('\n'): an error text with a newline spans two lines.
    return '\n'.join('%s' % line for line in lines).rstrip().split('\n')


def _yes(value):
    return 'yes' if value else 'no'


def _rbn_row(row, h, r):
    reg = _dig(r, 'registration') or {}
    st = _dig(reg, 'status') or {}
    ssh = '-' if not st else ('ok' if _dig(st, 'sshStatus', default='') == SSH_OK else 'failed')
    free = _dig(r, 'space', 'free_gib')
    jobs = _dig(st, 'numCurrentJobs', default=-1)
    return row % (h, _dig(r, 'xname', default=h), _dig(st, 'nodeArch') or _dig(r, 'arch') or '?',
                  _yes('/usr/bin/podman' in (_dig(r, 'podman') or '')), ssh,
                  'mounted' if _dig(r, 'cache') and not _dig(r, 'error') else 'off',
                  '-' if free is None else '%.1fG' % free,
                  '-' if jobs == -1 else jobs,
                  _yes(_dig(r, 'lock')), _yes(_dig(reg, 'registered')), _yes(_dig(st, 'ableToRunJobs')))


def remote_build_node_summary(results, hosts, check_mode=False):
    # One line per node. SSH is the check with the IMS key (- when not reached); CAN RUN JOBS is IMS's
    # ableToRunJobs (the preflight result where IMS has no status endpoint, CSM 1.5).
    by_host = _by_host(results)
    row = _row_format(hosts, '%-14s  %-7s  %-6s  %-6s  %-7s  %-7s  %-4s  %-6s  %-10s  %s')
    lines = [row % ('NODE', 'XNAME', 'ARCH', 'PODMAN', 'SSH', 'CACHE', 'FREE', 'JOBS', 'LOCKED', 'REGISTERED',
                    'CAN RUN JOBS')]
    lines += [_rbn_row(row, h, by_host.get(h, {})) for h in hosts]
    lines += ['FAILED %s: %s' % (h, by_host[h]['error']) for h in hosts if _dig(by_host.get(h), 'error')]
    for h in hosts:
        if h in by_host and not _dig(by_host[h], 'error'):
            lines += ['WARNING %s: %s: %s. Fix: %s.' % (h, w.get('check'), w.get('seen'), w.get('fix'))
                      for w in _dig(by_host[h], 'space', 'findings') or [] if w.get('result') == 'warn']
    lines += ['FAILED %s: unreachable or failed outside the checks (see its error above)' % h
              for h in hosts if h not in by_host]
    lock_errors = [_dig(by_host[h], 'lock_error') for h in hosts if _dig(by_host.get(h), 'lock_error')]
    if lock_errors:
        lines.append('FAILED HSM lock: %s' % lock_errors[0])
    if check_mode:
        lines.append('Check mode: CACHE, LOCKED and REGISTERED say what a real run would do; nothing was changed.')
    return _lines(lines)


def _drain(r, force):
    """DRAIN: idle (no live job), drained (waited until the jobs ended), FORCED (live jobs left running),
    TIMEOUT (jobs still live: kept locked and mounted), would wait (check mode)."""
    if _dig(r, 'error'):
        return 'TIMEOUT'
    if _dig(r, 'jobs', 'live_jobs'):
        return 'FORCED' if force else 'would wait'
    if _dig(r, 'drain', 'waited_for'):
        return 'drained'
    return 'idle' if _dig(r, 'jobs') is not None else '?'


def _jobs_line(h, r):
    head = ''
    if _dig(r, 'drain', 'waited_for') and not _dig(r, 'error'):
        head = 'waited %s s for %s; ' % (r['drain']['waited'], ', '.join('%s' % j['id'] for j in r['drain']['waited_for']))
    return 'JOBS %s: %s%s' % (h, head, r['jobs']['message'])


def remove_remote_build_node_summary(results, hosts, cache=False, lock=False, force=False, check_mode=False):
    # LOCKED and CACHE: as the run leaves the node (the record's lock: with remote_build_node_lock=false, as
    # HSM holds it). A node not reached keeps its mount and, when the run manages the lock, its lock.
    by_host = _by_host(results)
    row = _row_format(hosts, '%-14s  %-10s  %-10s  %-6s  %s')
    lines = [row % ('NODE', 'XNAME', 'REGISTERED', 'DRAIN', 'LOCKED', 'CACHE')]
    for h in hosts:
        r = by_host.get(h)
        locked = _yes(_dig(r, 'lock')) if r else 'yes' if lock else '?'
        mounted = _dig(r, 'cache') if r else cache
        lines.append(row % (h, _dig(r, 'xname', default=h), '?' if r is None else _yes(_dig(r, 'registration', 'registered')),
                            _drain(r, force), locked, 'mounted' if mounted else 'unmounted' if cache else 'off'))
    lines += [_jobs_line(h, by_host[h]) for h in hosts if _dig(by_host.get(h), 'jobs', 'message')]
    for h in hosts:
        orphans = _dig(by_host.get(h), 'jobs', 'orphans') or []
        if orphans:
            lines.append('ORPHANS %s: IMS no longer runs %s: their footprint does not block the removal; clean it up '
                         '("Clean up orphaned jobs", Troubleshoot page)' % (h, ', '.join('%s' % j['id'] for j in orphans)))
    if force:
        lines.append('FORCED: remote_build_node_force=true, the drain was skipped; live jobs on a removed node are lost.')
    if not lock:
        lines.append('LOCKED: remote_build_node_lock=false, HSM locks are left as they are; LOCKED is what HSM holds.')
    lines += ['FAILED %s: unreachable or failed (see its error above)' % h for h in hosts if h not in by_host]
    if check_mode:
        lines.append('Check mode: DRAIN, LOCKED and CACHE say what a real run would do; nothing was changed.')
    return _lines(lines)


def _crn_row(row, h, r, build):
    x = _dig(r, 'xname', default=h)
    # fact remote_build_node_image_result of role cray.csm.remote_build_node_image
    result = _dig(build, 'remote_build_node_image_result', default={})
    arches = [_dig(n, 'arch', default='?') for n in _dig(result, 'nodes', default=[]) if n.get('xname') == x]
    arch = arches[0] if arches else '?'
    image = _dig(result, 'arches', arch, 'image') or {}
    boot = _dig(result, 'arches', arch, 'boot', default={})
    reg = _dig(r, 'registration') or {}
    # BOOT: "now" when this run booted the node, "before" when it was booted with the image already.
    return row % (h, x, arch, ('%s %s' % (image.get('name'), image.get('id')[:8])) if image else '-',
                  'now' if x in (_dig(boot, 'pending') or []) else 'before' if x in (_dig(boot, 'booted') or []) else '-',
                  _yes(_dig(r, 'lock')), _yes(_dig(reg, 'registered')), _yes(_dig(reg, 'status', 'ableToRunJobs')))


def configure_remote_build_nodes_summary(results, hosts, build=None, check_mode=False):
    by_host = _by_host(results)
    row = _row_format(hosts, '%-14s  %-7s  %-40s  %-6s  %-6s  %-10s  %s')
    lines = [row % ('NODE', 'XNAME', 'ARCH', 'IMAGE', 'BOOT', 'LOCKED', 'REGISTERED', 'CAN RUN JOBS')]
    lines += [_crn_row(row, h, by_host.get(h, {}), build or {}) for h in hosts]
    lines += ['FAILED %s: %s' % (h, by_host[h]['error']) for h in hosts if _dig(by_host.get(h), 'error')]
    if check_mode:
        lines.append('Check mode: a prediction; nothing was changed.')
    return _lines(lines)


def clean_remote_build_node_summary(results, hosts, check_mode=False):
    """results: per node host, xname and removed (what cray.csm.ims_job_footprint removed, by job id)."""
    by_host = _by_host(results)
    verb = 'would remove' if check_mode else 'removed'
    lines = []
    for h in hosts:
        r = by_host.get(h, {})
        removed = _dig(r, 'removed') or {}
        lines.append('%s (%s): %s' % (h, _dig(r, 'xname', default=h), '%s the footprints of %d dead job(s)' % (verb, len(removed))
                                      if removed else 'nothing to remove'))
        lines += ['  %s: %s' % (job, ', '.join(what)) for job, what in removed.items()]
        if h not in by_host:
            lines.append('  FAILED: unreachable or failed (see its error above); nothing was removed after it')
    return _lines(lines)


class FilterModule(object):
    def filters(self):
        return {
            'remote_build_node_summary': remote_build_node_summary,
            'remove_remote_build_node_summary': remove_remote_build_node_summary,
            'configure_remote_build_nodes_summary': configure_remote_build_nodes_summary,
            'clean_remote_build_node_summary': clean_remote_build_node_summary,
        }
