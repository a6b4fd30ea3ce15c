# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Classify what is known of remote build nodes into findings, each failing one with its fix."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: build_node_status
short_description: Findings per IMS remote build node, each failing one with its fix, and a table
version_added: 0.2.0
description:
  - Takes what playbooks/remote_build_node_status.yml gathered per node and runs every check of the CSM page
    "Troubleshoot Remote Build Node" and of IMS's own node check (Cray-HPE/ims
    C(src/server/models/remote_build_nodes.py)) on it.
  - A check whose input is missing (null or absent) is not run, so playbooks/remote_build_node.yml uses it for
    the free-space check alone.
  - A node can run jobs when no finding has result C(fail).
author:
  - cray.csm contributors (!UNKNOWN)
positional: _input
options:
  _input:
    description:
      - One entry per node, a mapping with C(host) (inventory name), C(xname), and any of
        C(node) (the result of M(cray.csm.build_node_info); null when the node could not be read),
        C(registered) (bool, the node is in IMS's list), C(ims_status) (IMS's status record of the node),
        C(locked) (bool, the HSM lock), C(cache_expected) (bool, overrides O(cache_expected) for this node),
        C(node_error) (why the node could not be read).
    type: list
    elements: dict
    required: true
  live_jobs:
    description:
      - The live IMS jobs, RV(cray.csm.ims_job_info#module:live_jobs) of M(cray.csm.ims_job_info) without filters;
        without it the job checks are not run.
      - A footprint of a job that is not among them is an orphan.
    type: list
    elements: dict
  hosts:
    description: Every host of the play; a host that has no entry in the input is reported unreachable.
    type: list
    elements: str
  cache_expected:
    description: Whether the build cache should be mounted (C(remote_build_node_cache)).
    type: bool
    default: false
  min_free_gib:
    description: Less free space than this under a job path fails the node.
    type: float
    default: 0
  warn_free_gib:
    description: Less free space than this under a job path is a warning.
    type: float
    default: 0
  image_root_gib:
    description:
      - The size of an image root unpacked, in GiB. Since ims-utils 2.20 a customize job unpacks the image under
        C(/tmp/ims_<job id>/image/image-root) and squashes it again beside it (C(transfer.sqsh)), so each
        concurrent job needs about the root plus half of it (the new squashfs) in C(/tmp).
      - With it, the findings and the table say how many jobs fit in the free space of C(/tmp) (C(jobs_fit)), and
        a node where not one fits fails; 0 does not check it.
    type: float
    default: 0
'''

EXAMPLES = r'''
- name: Findings of every node
  ansible.builtin.set_fact:
    report: >-
      {{ [{'host': inventory_hostname, 'xname': xname, 'node': node_info}]
         | cray.csm.build_node_status(min_free_gib=20, warn_free_gib=100) }}
'''

RETURN = r'''
_value:
  description: The findings.
  type: dict
  contains:
    nodes:
      description: Per host, C(xname), C(can_run_jobs), C(free_gib) (the least free space of the job paths),
        C(jobs_fit) (how many jobs the free space of C(/tmp) holds with O(image_root_gib), else null),
        C(live_jobs), C(orphans) (job ids), and C(findings), a list of C(check), C(result) (C(ok), C(info),
        C(warn) or C(fail)), C(seen) and C(fix) (null when nothing is to be done).
      type: dict
    cannot_run_jobs:
      description: The hosts that cannot run jobs.
      type: list
      elements: str
    table:
      description: Text lines; one line per node, then each node's findings with the fix of each one not ok.
      type: list
      elements: str
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xname

SSH_OK = 'SSH connection established.'
PODMAN_OK = 'Podman present at /usr/bin/podman'
ARCHES = ('x86_64', 'aarch64')

FIX_REGISTER = 'run playbook cray.csm.remote_build_node for this node (it registers it with IMS)'
FIX_KEY = ('run playbook cray.csm.remote_build_node (role cray.csm.ims_ssh_key puts the public_key of ConfigMap '
           "services/cray-ims-remote-keys in root's ~/.ssh/authorized_keys); IMS also needs the xname to resolve")
FIX_PODMAN = ('run playbook cray.csm.remote_build_node with remote_build_node_podman=auto (role cray.csm.podman_install) '
              'so that "which podman" prints /usr/bin/podman')
FIX_ARCH = ('IMS reads "uname -i", which must print x86_64 or aarch64 (SLES does; Debian prints unknown): '
            'boot the node with a SLES-based remote build node image (playbook cray.csm.build_remote_node_image)')
FIX_CACHE = ('the RBD must be mapped and mounted again after every reboot: run playbook cray.csm.remote_build_node '
             'with remote_build_node_cache=true (role cray.csm.ceph_buildcache maps and mounts it again; its data is kept)')
# A node set up before (registered in IMS) with no cache now: a reboot lost what was made at run time.
FIX_REBOOTED = ('a reboot loses the RBD mapping and the mounts (a diskless node boots from its image): put the CFS layer '
                'playbooks/ims_computes.yml, booted-node part with the cache on, in the node\'s CFS desired configuration '
                '(playbook cray.csm.remote_build_node with remote_build_node_cfs_configuration; docs/node_personalization.md) '
                'so that every boot makes the cache again before IMS can use the node; now: ' + FIX_CACHE)
FIX_SPACE = ('mount the Ceph build cache over /tmp, /var/lib/containers and /var/tmp (playbook cray.csm.remote_build_node '
             'with remote_build_node_cache=true), or free space: playbook cray.csm.clean_remote_build_node removes what '
             'dead IMS jobs left')
FIX_LOCK = ('run playbook cray.csm.remote_build_node with remote_build_node_lock=true: a locked node is kept out of BOS '
            'and PCS operations, which would reboot it under a build')
FIX_ORPHANS = 'run playbook cray.csm.clean_remote_build_node (it removes only what jobs IMS no longer runs left)'
FIX_ENDED = ('IMS errors the job at its next poll (remote_error) or after 12 missed heartbeats 5 s apart (dead); '
             'then run playbook cray.csm.clean_remote_build_node for what it left')
# The job states of build_node_info that end a job IMS still lists, and what IMS does about each (IMS 3.32+,
# ims-sshd entrypoint.sh wait_for_remote_complete).
JOB_STATE_WHY = (('failed', 'the job\'s container was stopped or interrupted and left remote_error'),
                 ('dead', 'IMS still lists the job but its container is gone or stopped with no signal file; '
                          'IMS errors it within about a minute'))
BUSY_STATES = ('running', 'finishing')  # module_utils/build_node.py: a cleanup never touches these
SQUASHFS_RATIO = 0.5  # a squashfs of an image root is at most about half its size (gzip/xz)
FIX_VOLUMES = ('keep containers that need their volumes off IMS remote build nodes, or copy the data elsewhere: IMS '
               '(ims-sshd clean_remote_node) prunes every unused podman volume of the node when a job ends')
FIX_OTHERS = ('IMS counts every /tmp/ims_* entry as a current job (numCurrentJobs), so these skew its choice of node; '
              'they hold no IMS job id: remove them by hand if they belong to no job')


def _finding(check, result, seen, fix=None):
    return dict(check=check, result=result, seen=seen, fix=None if result in ('ok', 'info') else fix)


def _job_text(job):
    return '%s (%s, %s, %s)' % (job.get('id'), job.get('job_type') or '?', job.get('status') or '?', job.get('arch') or 'x86_64')


def _ims_checks(status):
    """IMS's own node check, in its order: ssh, arch, podman, then the job count (getStatus)."""
    out = []
    ssh = status.get('sshStatus') or 'Unknown'
    out.append(_finding('IMS: SSH with the IMS key', 'ok' if ssh == SSH_OK else 'fail', ssh, FIX_KEY))
    if ssh != SSH_OK:
        return out
    arch = status.get('nodeArch') or 'Unknown'
    out.append(_finding('IMS: architecture', 'ok' if arch in ARCHES else 'fail', arch, FIX_ARCH))
    if arch not in ARCHES:
        return out
    podman = status.get('podmanStatus') or 'Unknown'
    out.append(_finding('IMS: podman', 'ok' if podman == PODMAN_OK else 'fail', podman, FIX_PODMAN))
    jobs = status.get('numCurrentJobs', -1)
    out.append(_finding('IMS: current jobs', 'info', 'unknown' if jobs in (None, -1) else
                        '%s (the /tmp/ims_* entries IMS counts)' % jobs))
    if not status.get('ableToRunJobs') and podman == PODMAN_OK:
        out.append(_finding('IMS: able to run jobs', 'fail', 'IMS says ableToRunJobs: false', FIX_REGISTER))
    return out


def job_tmp_gib(image_root_gib):
    """GiB of /tmp one customize job needs: the unpacked root and the squashfs made of it (at most about half the
    root's size; ims-utils remote_customize_entrypoint.sh: unsquashfs to image-root, then mksquashfs transfer.sqsh)."""
    return image_root_gib * (1 + SQUASHFS_RATIO)


def _room_check(node, image_root_gib):
    """How many concurrent jobs the free space of /tmp holds, as a finding, and that number (None: not checked)."""
    tmp = [e for e in node.get('space') or [] if e.get('path') == '/tmp']
    if not image_root_gib or not tmp:
        return [], None
    free, per_job = float(tmp[0].get('free_gib') or 0), job_tmp_gib(image_root_gib)
    fit = int(free // per_job)
    seen = ('%d job%s at once: %.1f GiB free in /tmp, %.1f GiB per job (image root %g GiB unpacked + its new squashfs)'
            % (fit, '' if fit == 1 else 's', free, per_job, image_root_gib))
    return [_finding('room for jobs in /tmp', 'ok' if fit else 'fail', seen, FIX_SPACE)], fit


def _space_checks(node, min_free, warn_free):
    out = []
    for entry in node.get('space') or []:
        free = float(entry.get('free_gib') or 0)
        where = '%.2f GiB free on %s (%s)%s' % (
            free, entry.get('mount_point') or '?', entry.get('source') or '?',
            ', on the build cache' if entry.get('on_cache') else ', not on the build cache')
        if not entry.get('exists', True):
            where += '; %s does not exist yet, measured at %s' % (entry.get('path'), entry.get('measured_at'))
        result = 'fail' if free < min_free else 'warn' if free < warn_free else 'ok'
        limits = ' (minimum %g GiB, warning below %g GiB)' % (min_free, warn_free) if result != 'ok' else ''
        out.append(_finding('free space %s' % entry.get('path'), result, where + limits, FIX_SPACE))
    return out


def _cache_checks(node, expected, entry):
    cache = node.get('cache') or {}
    point = cache.get('mount_point') or '/mnt/cache'
    if not expected:
        return [_finding('build cache', 'info', '%s mounted (%s)' % (point, cache.get('source')) if cache.get('mounted')
                         else 'not expected (remote_build_node_cache=false): jobs use the node\'s own disks')]
    if not cache.get('mounted') and entry.get('registered'):
        usable = (entry.get('ims_status') or {}).get('ableToRunJobs')
        return [_finding('build cache', 'fail', 'rebooted, cache not ready: registered in IMS, but nothing is mounted at %s%s'
                         % (point, ' and IMS would put jobs on the node\'s own disks (RAM on a diskless node)' if usable else ''),
                         FIX_REBOOTED)]
    if not cache.get('mounted'):
        return [_finding('build cache', 'fail', 'expected, but nothing is mounted at %s' % point, FIX_CACHE)]
    off = [e.get('path') for e in node.get('space') or [] if not e.get('on_cache')]
    if off:
        return [_finding('build cache', 'fail', '%s mounted (%s), but %s not bound from it'
                         % (point, cache.get('source'), ', '.join(off)), FIX_CACHE)]
    return [_finding('build cache', 'ok', '%s mounted (%s), all job paths on it' % (point, cache.get('source')))]


def _job_checks(entry, node, live_jobs):
    """Running jobs with what the node shows of each, orphaned footprints, and the architecture of live jobs not
    placed on any node. What is live is ims_job_info's to say: a footprint of a job not in live_jobs is an orphan,
    unless the node shows it running or finishing (build_node.BUSY_STATES): that one is never cleaned."""
    out, xname = [], canonical_xname(entry.get('xname') or '')
    live_ids = set(j.get('id') for j in live_jobs)
    states = dict((fp.get('job_id'), fp.get('state')) for fp in (node or {}).get('footprints') or [])
    found = list(states)
    # A live job whose footprint is here runs here, whatever its remote_build_node says (as ims_job_info counts it).
    here = [j for j in live_jobs if canonical_xname(j.get('remote_build_node') or '') == xname or j.get('id') in found]
    out.append(_finding('running jobs', 'info', ', '.join(
        _job_text(j) + (' %s on the node' % states[j.get('id')] if states.get(j.get('id')) else '')
        for j in here) or 'none'))
    for state, why in JOB_STATE_WHY:
        ended = [j.get('id') for j in here if states.get(j.get('id')) == state]
        if ended:
            out.append(_finding('%s jobs' % state, 'warn', '%s: %s' % (', '.join(ended), why), FIX_ENDED))
    busy = [i for i in found if i not in live_ids and states.get(i) in BUSY_STATES]
    if busy:
        out.append(_finding('jobs IMS does not list', 'warn', '%s %s on the node though IMS lists no such live job; '
                            'the cleanup leaves them' % (', '.join(busy), 'run' if len(busy) > 1 else 'runs'),
                            'check which IMS put them there (another system\'s IMS?); stop them by hand if no one '
                            'needs them'))
    arch = node.get('arch') if node else (entry.get('ims_status') or {}).get('nodeArch')
    if arch in ARCHES:
        other = [j for j in live_jobs if not j.get('remote_build_node') and (j.get('arch') or 'x86_64') != arch]
        if other:
            out.append(_finding('job architecture', 'warn', 'live jobs on no remote build node need another '
                                'architecture than this node\'s %s: %s' % (arch, ', '.join(_job_text(j) for j in other)),
                                'these jobs need a remote build node of their architecture (cray ims jobs describe '
                                'JOB_ID shows it): register one with playbook cray.csm.remote_build_node'))
        else:
            out.append(_finding('job architecture', 'ok', 'no live job on no node needs another architecture than %s' % arch))
    orphans = [i for i in found if i not in live_ids and states.get(i) not in BUSY_STATES]
    if node and 'footprints' in node:
        out.append(_finding('orphaned footprints', 'warn' if orphans else 'ok',
                            ', '.join(orphans) + ' (jobs IMS no longer runs)' if orphans else 'none', FIX_ORPHANS))
    return out, [j.get('id') for j in here], orphans


def _ims_side(entry):
    """Findings from what IMS says of the node: registered, and its own status check."""
    findings = []
    if entry.get('registered') is not None:
        findings.append(_finding('registered in IMS', 'ok' if entry['registered'] else 'fail',
                                 'registered' if entry['registered'] else 'not in IMS\'s list of remote build nodes',
                                 FIX_REGISTER))
    if entry.get('registered') and entry.get('ims_status'):
        findings += _ims_checks(entry['ims_status'])
    elif entry.get('registered'):
        findings.append(_finding('IMS: status', 'info', 'IMS gave no status (CSM 1.5 has no status endpoint)'))
    return findings


def _node_side(entry, node, cache_expected, min_free, warn_free, image_root_gib=0):
    """Findings from what the node itself showed: key, podman, architecture, space, room for jobs, cache."""
    findings = []
    if node.get('ims_key_authorized') is not None:
        findings.append(_finding('IMS key authorized for root', 'ok' if node['ims_key_authorized'] else 'fail',
                                 'in /root/.ssh/authorized_keys' if node['ims_key_authorized'] else
                                 'not in /root/.ssh/authorized_keys', FIX_KEY))
    if 'podman' in node:
        ok = '/usr/bin/podman' in (node.get('podman') or '')
        findings.append(_finding('podman at /usr/bin/podman', 'ok' if ok else 'fail',
                                 '"which podman" printed %r' % (node.get('podman') or ''), FIX_PODMAN))
    if 'arch' in node:
        findings.append(_finding('architecture (uname -i)', 'ok' if node['arch'] in ARCHES else 'fail',
                                 node['arch'] or '(nothing)', FIX_ARCH))
    findings += _space_checks(node, min_free, warn_free)
    findings += _room_check(node, image_root_gib)[0]
    if 'cache' in node:
        findings += _cache_checks(node, bool(entry.get('cache_expected', cache_expected)), entry)
    if 'podman_volumes' in node:
        foreign = [v.get('name') for v in node['podman_volumes'] or [] if not v.get('ims_job')]
        findings.append(_finding('podman volumes', 'warn' if foreign else 'ok',
                                 'not IMS jobs\': %s; IMS runs "podman volume prune -f" at the end of every job, '
                                 'which deletes each of them that no container uses then' % ', '.join(foreign)
                                 if foreign else 'none but IMS jobs\'', FIX_VOLUMES))
    return findings


def _node_report(entry, jobs, cache_expected, min_free, warn_free, image_root_gib=0):
    node = entry.get('node')
    findings = []
    if 'node' in entry and node is None:
        findings.append(_finding('node reachable', 'fail', 'Ansible could not read the node: %s'
                                 % (entry.get('node_error') or 'unreachable'),
                                 'check that the node is booted and that Ansible reaches it over SSH (inventory '
                                 'ansible_host, ansible_user, key)'))
    findings += _ims_side(entry)
    if node:
        findings += _node_side(entry, node, cache_expected, min_free, warn_free, image_root_gib)
    if entry.get('locked') is not None:
        findings.append(_finding('HSM lock', 'ok' if entry['locked'] else 'warn',
                                 'locked' if entry['locked'] else 'not locked', FIX_LOCK))
    live, orphans = [], []
    if jobs is not None:
        more, live, orphans = _job_checks(entry, node, jobs)
        findings += more
    free = [float(e.get('free_gib') or 0) for e in (node or {}).get('space') or []]
    return dict(xname=entry.get('xname'), findings=findings, live_jobs=live, orphans=orphans,
                free_gib=min(free) if free else None, jobs_fit=_room_check(node or {}, image_root_gib)[1],
                can_run_jobs=not any(f['result'] == 'fail' for f in findings))


def _table(order, nodes):
    width = max([4] + [len(h) for h in order])
    row = '%-' + str(width) + 's  %-14s  %-8s  %-8s  %-9s  %-4s  %-7s  %s'
    lines = [row % ('NODE', 'XNAME', 'FREE', 'JOBS FIT', 'LIVE JOBS', 'ORPH', 'PROBLEM', 'CAN RUN JOBS')]
    for h in order:
        n = nodes[h]
        bad = [f for f in n['findings'] if f['result'] in ('fail', 'warn')]
        lines.append(row % (h, n['xname'] or h, '-' if n['free_gib'] is None else '%.1fG' % n['free_gib'],
                            '-' if n.get('jobs_fit') is None else n['jobs_fit'],
                            len(n['live_jobs']), len(n['orphans']), len(bad), 'yes' if n['can_run_jobs'] else 'NO'))
    for h in order:
        n = nodes[h]
        lines.append('')
        lines.append('%s (%s): %s' % (h, n['xname'] or h, 'can run jobs' if n['can_run_jobs'] else 'CANNOT RUN JOBS'))
        for f in n['findings']:
            result = f['result'].upper() if f['result'] in ('fail', 'warn') else f['result']
            lines.append('  %-4s  %-32s  %s' % (result, f['check'], f['seen']))
            if f['fix']:
                lines.append('        %-32s  fix: %s' % ('', f['fix']))
    return lines


def build_node_status(entries, live_jobs=None, hosts=None, cache_expected=False, min_free_gib=0, warn_free_gib=0,
                      image_root_gib=0):
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get('host') for e in entries):
        raise AnsibleFilterError('build_node_status: expected a list of mappings, each with a host; got %r' % (entries,))
    if live_jobs is not None and not isinstance(live_jobs, list):
        raise AnsibleFilterError('build_node_status: live_jobs must be a list of IMS jobs, got %r' % (live_jobs,))
    try:
        min_free, warn_free, root = float(min_free_gib), float(warn_free_gib), float(image_root_gib)
    except (TypeError, ValueError):
        raise AnsibleFilterError('build_node_status: min_free_gib, warn_free_gib and image_root_gib must be numbers, '
                                 'got %r, %r and %r' % (min_free_gib, warn_free_gib, image_root_gib)) from None
    by_host = dict((e['host'], e) for e in entries)
    order = [e['host'] for e in entries] + [h for h in hosts or [] if h not in by_host]
    nodes = {}
    for h in order:
        entry = by_host.get(h) or dict(host=h, xname=None, node=None)
        nodes[h] = _node_report(entry, live_jobs, cache_expected, min_free, warn_free, root)
    return dict(nodes=nodes, cannot_run_jobs=[h for h in order if not nodes[h]['can_run_jobs']],
                table=_table(order, nodes))


class FilterModule(object):
    def filters(self):
        return {'build_node_status': build_node_status}
