# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json
import os

from ansible_collections.cray.csm.plugins.module_utils import build_node

JOB = 'b3eb4c73-f8da-47cc-9e1e-9874d6ba07ef'
LIVE = '020cb1fc-fbc4-4256-9a28-43b4527fc573'

# A node whose /tmp, /var/lib/containers and /var/tmp are bound from the cache on /dev/rbd0 (ceph_buildcache).
MOUNTINFO = '\n'.join([
    '22 1 0:21 / / rw - overlay overlay rw',
    '30 22 253:0 / /mnt/cache rw - ext4 /dev/rbd0 rw',
    '31 22 0:40 / /tmp rw - tmpfs tmpfs rw',
    '32 31 253:0 /tmp /tmp rw - ext4 /dev/rbd0 rw',
    '33 22 253:0 /var/lib/containers /var/lib/containers rw - ext4 /dev/rbd0 rw',
    '34 22 0:50 / /mnt/with\\040space rw - tmpfs tmpfs rw',
])

Stat = collections.namedtuple('Stat', 'f_bavail f_frsize f_blocks')


def test_mountinfo_and_covering_mount():
    mounts = build_node.parse_mountinfo(MOUNTINFO)
    assert mounts[-1]['mount_point'] == '/mnt/with space'
    # /tmp has two mounts: the bind from the cache is on top
    assert build_node.covering_mount(mounts, '/tmp/ims_x')['dev'] == '253:0'
    assert build_node.covering_mount(mounts, '/var/tmp')['mount_point'] == '/'
    assert build_node.covering_mount(mounts, '/tmpfoo')['mount_point'] == '/'


def test_space_says_which_paths_are_on_the_cache(tmp_path, monkeypatch):
    mounts = build_node.parse_mountinfo(MOUNTINFO)
    monkeypatch.setattr(build_node.os.path, 'exists', lambda p: p != '/var/lib/containers')
    monkeypatch.setattr(build_node.os.path, 'realpath', lambda p: p)
    sizes = {'/tmp': 10, '/var/lib': 3, '/var/tmp': 3}
    out = build_node.space(build_node.SPACE_PATHS, '/mnt/cache', mounts,
                           statvfs=lambda p: Stat(sizes[p] * 1024 ** 2, 1024, 100 * 1024 ** 2))
    by = dict((e['path'], e) for e in out['paths'])
    assert by['/tmp']['on_cache'] and by['/tmp']['free_gib'] == 10.0
    # absent yet: measured at its parent, which is on the root overlay, not the cache
    assert by['/var/lib/containers']['measured_at'] == '/var/lib' and not by['/var/lib/containers']['exists']
    assert not by['/var/lib/containers']['on_cache'] and not by['/var/tmp']['on_cache']
    assert out['cache'] == dict(mount_point='/mnt/cache', mounted=True, source='/dev/rbd0', fstype='ext4')
    none = build_node.space(['/tmp'], '/mnt/nocache', mounts, statvfs=lambda p: Stat(1, 1, 1))
    assert not none['cache']['mounted'] and not none['paths'][0]['on_cache']


def test_only_names_with_a_job_id_count(tmp_path):
    for name in ['ims_' + JOB, 'ims_' + LIVE.upper(), 'ims_notajob', 'ims-' + JOB, 'other']:
        (tmp_path / name).mkdir()
    (tmp_path / ('ims_' + LIVE)).write_text(u'a file, not a job directory')
    ids, others = build_node.job_dirs(str(tmp_path))
    assert ids == [JOB]
    assert sorted(os.path.basename(o) for o in others) == sorted(['ims_' + LIVE.upper(), 'ims_notajob', 'ims_' + LIVE])
    containers = build_node.parse_containers(json.dumps([
        {'Names': ['ims-' + JOB], 'State': 'exited', 'Image': 'localhost/ims-remote-%s:1.0.0' % JOB},
        {'Names': ['ims-' + JOB + '-x'], 'State': 'running'}, {'Names': ['myims-' + LIVE], 'State': 'running'},
        {'Names': ['web'], 'State': 'running'}]))
    assert list(containers) == [JOB] and containers[JOB]['state'] == 'exited'
    images = build_node.parse_images(json.dumps([
        {'Names': ['localhost/ims-remote-%s:1.0.0' % JOB]}, {'Names': None},
        {'Names': ['localhost/ims-remote-%s:1.0.0' % LIVE, 'docker.io/library/ims-remote-%s' % JOB]},
        {'Names': ['localhost/ims-remote-x:1.0.0']}]))
    assert images == {JOB: ['localhost/ims-remote-%s:1.0.0' % JOB], LIVE: ['localhost/ims-remote-%s:1.0.0' % LIVE]}
    fps = build_node.footprints(ids, containers, images, str(tmp_path))
    assert [f['job_id'] for f in fps] == [LIVE, JOB]
    assert fps[0]['directory'] is None and fps[0]['container'] is None
    assert fps[1]['directory'] == str(tmp_path / ('ims_' + JOB)) and fps[1]['container'] == 'ims-' + JOB


class FakePodman(object):
    def __init__(self):
        self.calls = []

    def remove_container(self, name):
        self.calls.append(('rm', name))

    def remove_image(self, name):
        self.calls.append(('rmi', name))


def test_remove_footprint_in_ims_order_and_check_mode(tmp_path):
    d = tmp_path / ('ims_' + JOB)
    d.mkdir()
    (d / 'image.squashfs').write_text(u'x')
    record = dict(job_id=JOB, directory=str(d), container='ims-' + JOB, container_state='running',
                  images=['localhost/ims-remote-%s:1.0.0' % JOB])
    podman = FakePodman()
    would = build_node.remove_footprint(podman, record, check_mode=True)
    assert podman.calls == [] and d.exists()
    done = build_node.remove_footprint(podman, record, check_mode=False)
    assert done == would == ['container ims-' + JOB, 'image localhost/ims-remote-%s:1.0.0' % JOB, 'directory ' + str(d)]
    assert podman.calls == [('rm', 'ims-' + JOB), ('rmi', 'localhost/ims-remote-%s:1.0.0' % JOB)]
    assert not d.exists()
