# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What IMS needs and leaves on a remote build node, read on the node itself (Python 3.6+).

Footprint of an IMS job with id ID (docs-csm Troubleshoot_Remote_Build_Node.md "Clean up orphaned
jobs"; Cray-HPE/ims-sshd entrypoint.sh clean_remote_node): directory /tmp/ims_ID, podman container
ims-ID, image localhost/ims-remote-ID:1.0.0 and the container's anonymous volumes. IMS job ids are
uuid4 strings (Cray-HPE/ims src/server/models/jobs.py), so only names holding one count: nothing
else on the node is ever taken for a job's.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil

JOB_ID = r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
JOB_ID_RE = re.compile(r'^%s$' % JOB_ID)
JOB_DIR_RE = re.compile(r'^ims_(%s)$' % JOB_ID)
CONTAINER_RE = re.compile(r'^ims-(%s)$' % JOB_ID)
IMAGE_RE = re.compile(r'^(?:localhost/)?ims-remote-(%s)(?::[^/:]+)?$' % JOB_ID)
JOB_DIR_PARENT = '/tmp'
# The paths a job fills (FACTS: podman load stages under /var/tmp, images live in
# /var/lib/containers, the squashfs in /tmp/ims_ID); the CSM procedure binds all three onto the cache.
SPACE_PATHS = ['/tmp', '/var/lib/containers', '/var/tmp']
GIB = 1024 ** 3


def _unescape(field):
    """Octal escapes of /proc/self/mountinfo (\\040 for a space)."""
    return re.sub(r'\\([0-7]{3})', lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text):
    """Mounts in order, each dict(mount_point, root, dev, fstype, source); later ones are on top."""
    mounts = []
    for line in text.splitlines():
        left, sep, right = line.partition(' - ')
        fields = left.split()
        if not sep or len(fields) < 5:
            continue
        rest = right.split()
        mounts.append(dict(dev=fields[2], root=_unescape(fields[3]), mount_point=_unescape(fields[4]),
                           fstype=rest[0] if rest else '', source=_unescape(rest[1]) if len(rest) > 1 else ''))
    return mounts


def _under(path, mount_point):
    return mount_point == '/' or path == mount_point or path.startswith(mount_point.rstrip('/') + '/')


def covering_mount(mounts, path):
    """The top-most mount that holds path: the longest mount point above it, the last one mounted there."""
    best = None
    for m in mounts:
        if _under(path, m['mount_point']) and (best is None or len(m['mount_point']) >= len(best['mount_point'])):
            best = m
    return best


def top_mount_at(mounts, mount_point):
    found = [m for m in mounts if m['mount_point'] == mount_point]
    return found[-1] if found else None


def existing(path):
    """The path, or its nearest existing parent (/var/lib/containers is absent before podman's first use)."""
    while not os.path.exists(path) and path not in ('', '/'):
        path = os.path.dirname(path)
    return path or '/'


def space(paths, cache_mount_point, mounts, statvfs=os.statvfs):
    """Free space of each path's filesystem and whether the path is on the build cache."""
    cache = top_mount_at(mounts, cache_mount_point) if cache_mount_point else None
    result = []
    for path in paths:
        measured = existing(path)
        st = statvfs(measured)
        free = st.f_bavail * st.f_frsize
        mount = covering_mount(mounts, os.path.realpath(measured)) or {}
        result.append(dict(
            path=path, exists=measured == path, measured_at=measured,
            free_bytes=free, size_bytes=st.f_blocks * st.f_frsize, free_gib=round(float(free) / GIB, 2),
            mount_point=mount.get('mount_point'), source=mount.get('source'), fstype=mount.get('fstype'),
            on_cache=bool(cache) and mount.get('dev') == cache['dev']))
    return dict(paths=result, cache=dict(
        mount_point=cache_mount_point, mounted=bool(cache),
        source=cache['source'] if cache else None, fstype=cache['fstype'] if cache else None))


def job_dirs(parent=JOB_DIR_PARENT):
    """Job ids of /tmp/ims_ID directories, and other /tmp/ims_* entries (IMS counts every one as a job)."""
    ids, others = [], []
    try:
        names = sorted(os.listdir(parent))
    except OSError:
        return ids, others
    for name in names:
        m = JOB_DIR_RE.match(name)
        if m and os.path.isdir(os.path.join(parent, name)) and not os.path.islink(os.path.join(parent, name)):
            ids.append(m.group(1))
        elif name.startswith('ims_'):
            others.append(os.path.join(parent, name))
    return ids, others


def parse_containers(text):
    """IMS job containers from `podman ps -a --format json`: id -> dict(name, state, image)."""
    found = {}
    for c in json.loads(text or '[]') or []:
        names = c.get('Names') or []
        for name in [names] if isinstance(names, str) else names:
            m = CONTAINER_RE.match(name)
            if m:
                found[m.group(1)] = dict(name=name, state=c.get('State'), image=c.get('Image'))
    return found


def parse_images(text):
    """IMS job images from `podman images --format json`: id -> sorted names (repository:tag)."""
    found = {}
    for img in json.loads(text or '[]') or []:
        for name in img.get('Names') or []:
            m = IMAGE_RE.match(name)
            if m:
                found.setdefault(m.group(1), []).append(name)
    return dict((k, sorted(v)) for k, v in found.items())


# The files a job leaves in /tmp/ims_ID/image (IMS 3.32+; the container's /mnt/image): ims-utils
# remote_customize_entrypoint.sh touches remote_exiting once the new squashfs is made and traps SIGTERM/SIGINT to
# touch remote_error; the job pod (ims-sshd entrypoint.sh wait_for_remote_complete) polls both, and
# `podman exec ims-ID echo heartbeat` every 5 s, and errors the job after 12 misses.
SIGNAL_FILES = ('remote_exiting', 'remote_error')
# What the node shows of a job: running (container up, no signal file), finishing (remote_exiting: the pod
# copies the result and cleans up), failed (remote_error: the container was stopped or interrupted), dead (no
# signal file and no running container: killed, or the node rebooted; IMS errors it within about a minute).
BUSY_STATES = ('running', 'finishing')  # never touched by a cleanup


def signal_file(directory):
    """The signal file the job left in its directory (remote_exiting first: it ends a job normally), or None."""
    for name in SIGNAL_FILES:
        if directory and os.path.exists(os.path.join(directory, 'image', name)):
            return name
    return None


def job_state(signal, container_state):
    if signal == 'remote_exiting':
        return 'finishing'
    if signal == 'remote_error':
        return 'failed'
    return 'running' if container_state == 'running' else 'dead'


def footprints(dir_ids, containers, images, parent=JOB_DIR_PARENT):
    """One record per job id found on the node, sorted by id, with its signal file and state."""
    ids = sorted(set(dir_ids) | set(containers) | set(images))
    out = []
    for i in ids:
        directory = os.path.join(parent, 'ims_' + i) if i in dir_ids else None
        state = containers[i]['state'] if i in containers else None
        signal = signal_file(directory)
        out.append(dict(job_id=i, directory=directory, container=containers[i]['name'] if i in containers else None,
                        container_state=state, images=images.get(i, []), signal=signal,
                        state=job_state(signal, state)))
    return out


class Podman(object):
    """podman through AnsibleModule.run_command; absent podman means no containers and no images."""

    def __init__(self, module, path=None):
        self.module = module
        self.path = path or module.get_bin_path('podman')

    def _run(self, *args):
        rc, out, err = self.module.run_command([self.path] + list(args))
        if rc != 0:
            self.module.fail_json(msg='podman %s failed (rc %d): %s' % (' '.join(args), rc, (err or out).strip()))
        return out

    def containers(self):
        return parse_containers(self._run('ps', '-a', '--format', 'json')) if self.path else {}

    def images(self):
        return parse_images(self._run('images', '--format', 'json')) if self.path else {}

    def volumes(self, job_containers):
        """Every podman volume, each dict(name, ims_job): the job id whose container uses it, or None."""
        if not self.path:
            return []
        names = [v.get('Name') for v in json.loads(self._run('volume', 'ls', '--format', 'json') or '[]') or []]
        owner = {}
        if names and job_containers:
            for c in json.loads(self._run('container', 'inspect', *sorted(job_containers)) or '[]') or []:
                m = CONTAINER_RE.match((c.get('Name') or '').lstrip('/'))
                for mount in c.get('Mounts') or []:
                    if m and mount.get('Type') == 'volume':
                        owner[mount.get('Name')] = m.group(1)
        return [dict(name=n, ims_job=owner.get(n)) for n in sorted(names)]

    def remove_container(self, name):
        # --volumes removes the container's anonymous volumes only, where ims-sshd runs
        # `podman volume prune -f`, which would also take other containers' unused volumes.
        self._run('rm', '--force', '--volumes', name)

    def remove_image(self, name):
        self._run('rmi', name)


def read_footprints(podman, parent=None):
    parent = parent or JOB_DIR_PARENT
    dir_ids, others = job_dirs(parent)
    return footprints(dir_ids, podman.containers(), podman.images(), parent), others


def remove_footprint(podman, record, check_mode):
    """Remove one job's footprint in IMS's order (ims-sshd clean_exit: stop, then clean_remote_node).
    Returns the list of what was (or, in check mode, would be) removed."""
    removed = []
    if record['container']:
        if not check_mode:
            podman.remove_container(record['container'])
        removed.append('container ' + record['container'])
    for image in record['images']:
        if not check_mode:
            podman.remove_image(image)
        removed.append('image ' + image)
    if record['directory']:
        if not check_mode:
            shutil.rmtree(record['directory'])
        removed.append('directory ' + record['directory'])
    return removed
