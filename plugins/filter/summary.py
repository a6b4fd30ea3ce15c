# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The summary tables that the remote build node playbooks print at their end, one filter per playbook.

Each filter's documentation is in plugins/filter/<filter name>.yml.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from collections.abc import Mapping

SSH_OK = 'SSH connection established.'
_MISSING = object()


def _has(value, *keys):
    """Jinja's 'value.k1.k2 is defined'."""
    return _dig(value, *keys, default=_MISSING) is not _MISSING


def _dig(value, *keys, **kw):
    """value[k1][k2]..., or kw['default'] where a key is missing (as Jinja's attr | default(...))."""
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return kw.get('default')
        value = value[key]
    return value


def _failed(result):
    """Ansible's 'is failed' on a registered result."""
    return bool(_dig(result, 'failed', default=False))


def _skipped(result):
    """Ansible's 'is skipped' on a registered result."""
    return bool(_dig(result, 'skipped', default=False))


def _row_format(hosts, columns):
    """'%-Ns' for the NODE column (at least 4 wide, as wide as the longest host), then the given columns."""
    return '%-' + str(max([4] + [len(h) for h in hosts])) + 's  ' + columns


def _lines(lines):
    # The Jinja tables ended with .rstrip().split('\n'): an error text with a newline spans two lines.
    return '\n'.join('%s' % line for line in lines).rstrip().split('\n')


def _ims_status(ims):
    """IMS's status of the node, or the preflight result where IMS has no status endpoint (CSM 1.5)."""
    return _dig(ims, 'status') or _dig(ims, 'preflight') or {}


def _registered(ims):
    return 'yes' if not _failed(ims) and _dig(ims, 'node') else 'no'


def _rbn_row(row, h, v, locked, unlocked, cache):
    ims = _dig(v, 'rbn_ims', default={})
    st = _ims_status(ims)
    checked = _dig(v, 'rbn_checked', default=False)
    ssh = '-' if not st else ('ok' if _dig(st, 'sshStatus', default='') == SSH_OK else 'failed')
    is_locked = (checked and not _skipped(locked) and not _failed(locked)
                 and _dig(v, 'rbn_xname') not in (_dig(unlocked, 'changed_ids') or []))
    free = _dig(v, 'rbn_free', 'free_gib')
    jobs = _dig(st, 'numCurrentJobs', default=-1)
    return row % (h, _dig(v, 'rbn_xname', default=h), _dig(st, 'nodeArch', default=_dig(v, 'rbn_arch', default='?')),
                  'yes' if '/usr/bin/podman' in (_dig(v, 'rbn_podman') or '') else 'no', ssh,
                  'mounted' if cache and checked else 'off',
                  '-' if free is None else '%.1fG' % free,
                  '-' if jobs == -1 else jobs,
                  'yes' if is_locked else 'no', _registered(ims),
                  'yes' if _dig(st, 'ableToRunJobs', default=False) else 'no')


def remote_build_node_summary(hosts, hostvars, play_hosts, locked=None, unlocked=None, cache=False, check_mode=False):
    # One line per node. SSH is the check with the IMS key (- when not reached); CAN RUN JOBS is IMS's
    # ableToRunJobs (the preflight result where IMS has no status endpoint, CSM 1.5).
    locked, unlocked = locked or {}, unlocked or {}
    row = _row_format(hosts, '%-14s  %-7s  %-6s  %-6s  %-7s  %-7s  %-4s  %-6s  %-10s  %s')
    lines = [row % ('NODE', 'XNAME', 'ARCH', 'PODMAN', 'SSH', 'CACHE', 'FREE', 'JOBS', 'LOCKED', 'REGISTERED',
                    'CAN RUN JOBS')]
    lines += [_rbn_row(row, h, hostvars[h], locked, unlocked, cache) for h in hosts]
    lines += ['FAILED %s: %s' % (h, hostvars[h]['rbn_error']) for h in hosts if 'rbn_error' in hostvars[h]]
    for h in hosts:
        if 'rbn_error' not in hostvars[h]:
            lines += ['WARNING %s: %s: %s. Fix: %s.' % (h, w.get('check'), w.get('seen'), w.get('fix'))
                      for w in _dig(hostvars[h], 'rbn_free', 'findings', default=[]) if w.get('result') == 'warn']
    lines += ['FAILED %s: unreachable or failed outside the checks (see its error above)' % h
              for h in hosts if h not in play_hosts]
    if _failed(locked):
        lines.append('FAILED HSM lock: %s' % _dig(locked, 'msg', default='failed'))
    if check_mode:
        lines.append('Check mode: CACHE, LOCKED and REGISTERED say what a real run would do; nothing was changed.')
    return _lines(lines)


def _drain(v, live, force):
    """DRAIN: idle (no live job), drained (waited until the jobs ended), FORCED (live jobs left running),
    TIMEOUT (jobs still live: kept locked and mounted), would wait (check mode)."""
    if 'rbn_blocked' in v:
        return 'TIMEOUT'
    if live:
        return 'FORCED' if force else 'would wait'
    if _has(v, 'rbn_drain', 'waited_for'):
        return 'drained'
    return 'idle' if 'rbn_jobs' in v else '?'


def _jobs_line(h, v):
    head = ''
    if _has(v, 'rbn_drain', 'waited_for') and 'rbn_blocked' not in v:
        head = 'waited %s s for %s; ' % (v['rbn_drain']['waited'], ', '.join('%s' % j['id'] for j in v['rbn_drain']['waited_for']))
    return 'JOBS %s: %s%s' % (h, head, v['rbn_jobs']['message'])


def remove_remote_build_node_summary(hosts, hostvars, play_hosts, cache=False, unlock=False, force=False,
                                     check_mode=False):
    row = _row_format(hosts, '%-14s  %-10s  %-10s  %-6s  %s')
    lines = [row % ('NODE', 'XNAME', 'REGISTERED', 'DRAIN', 'LOCKED', 'CACHE')]
    for h in hosts:
        v = hostvars[h]
        kept = 'rbn_blocked' in v or h not in play_hosts
        lines.append(row % (h, _dig(v, 'rbn_xname', default=h), 'no' if 'rbn_jobs' in v else '?',
                            _drain(v, _dig(v, 'rbn_jobs', 'live_jobs', default=[]), force),
                            'yes' if kept or not unlock else 'no',
                            'mounted' if cache and kept else 'unmounted' if cache else 'off'))
    lines += [_jobs_line(h, hostvars[h]) for h in hosts if _has(hostvars[h], 'rbn_jobs', 'message')]
    for h in hosts:
        orphans = _dig(hostvars[h], 'rbn_jobs', 'orphans', default=[])
        if orphans:
            lines.append('ORPHANS %s: IMS no longer runs %s: their footprint does not block the removal; clean it up '
                         '("Clean up orphaned jobs", Troubleshoot page)' % (h, ', '.join('%s' % j['id'] for j in orphans)))
    if force:
        lines.append('FORCED: remote_build_node_force=true, the drain was skipped; live jobs on a removed node are lost.')
    lines += ['FAILED %s: unreachable or failed (see its error above)' % h for h in hosts if h not in play_hosts]
    if check_mode:
        lines.append('Check mode: DRAIN, LOCKED and CACHE say what a real run would do; nothing was changed.')
    return _lines(lines)


def _crn_row(row, h, v, build):
    x = _dig(v, 'rbn_xname', default=h)
    # fact remote_build_node_image_result of role cray.csm.remote_build_node_image
    result = _dig(build, 'remote_build_node_image_result', default={})
    arches = [_dig(n, 'arch', default='?') for n in _dig(result, 'nodes', default=[]) if n.get('xname') == x]
    arch = arches[0] if arches else '?'
    image = _dig(result, 'arches', arch, 'image') or {}
    boot = _dig(result, 'arches', arch, 'boot', default={})
    locked = _dig(v, 'rbn_locked', default=_MISSING)
    ims = _dig(v, 'rbn_ims', default={})
    # BOOT: "now" when this run booted the node, "before" when it was booted with the image already.
    return row % (h, x, arch, ('%s %s' % (image.get('name'), image.get('id')[:8])) if image else '-',
                  'now' if x in (_dig(boot, 'pending') or []) else 'before' if x in (_dig(boot, 'booted') or []) else '-',
                  'yes' if _dig(v, 'rbn_checked', default=False) and locked is not _MISSING and not _failed(locked)
                  and not _skipped(locked) else 'no',
                  _registered(ims), 'yes' if _dig(_ims_status(ims), 'ableToRunJobs', default=False) else 'no')


def configure_remote_build_nodes_summary(hosts, hostvars, check_mode=False):
    row = _row_format(hosts, '%-14s  %-7s  %-40s  %-6s  %-6s  %-10s  %s')
    lines = [row % ('NODE', 'XNAME', 'ARCH', 'IMAGE', 'BOOT', 'LOCKED', 'REGISTERED', 'CAN RUN JOBS')]
    build = hostvars['localhost']
    lines += [_crn_row(row, h, hostvars[h], build) for h in hosts]
    lines += ['FAILED %s: %s' % (h, hostvars[h]['rbn_error']) for h in hosts if 'rbn_error' in hostvars[h]]
    if check_mode:
        lines.append('Check mode: a prediction; nothing was changed.')
    return _lines(lines)


def clean_remote_build_node_summary(hosts, hostvars, play_hosts, check_mode=False):
    verb = 'would remove' if check_mode else 'removed'
    lines = []
    for h in hosts:
        v = hostvars[h]
        removed = (_dig(v, 'rbc_removed', 'removed') or {}) if 'rbc_removed' in v else {}
        lines.append('%s (%s): %s' % (h, v['rbn_xname'], '%s the footprints of %d dead job(s)' % (verb, len(removed))
                                      if removed else 'nothing to remove'))
        lines += ['  %s: %s' % (job, ', '.join(what)) for job, what in removed.items()]
        if h not in play_hosts:
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
