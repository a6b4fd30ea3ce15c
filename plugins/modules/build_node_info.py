#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: build_node_info
short_description: Read on a remote build node what IMS needs there and what its jobs left there
version_added: 0.2.0
description:
  - Runs on the node itself (not on the controller) and only reads.
  - Reports the architecture as IMS reads it (C(uname -i)), the podman IMS would use (C(which podman)), and
    whether the IMS public key is in root's C(~/.ssh/authorized_keys).
  - Reports the free space of the filesystem under each of O(paths), which mount holds it and whether it is on
    the build cache mounted at O(cache_mount_point) (playbooks/remote_build_node.yml with
    C(remote_build_node_cache=true), role C(cray.csm.ceph_buildcache) binds all three there).
  - With O(footprints), lists the footprints of IMS jobs on the node, as the CSM page "Troubleshoot Remote Build
    Node" finds them; the directory C(/tmp/ims_<job id>), the podman container C(ims-<job id>) and the
    image C(localhost/ims-remote-<job id>:1.0.0). Only names that hold an IMS job id (a UUID) count.
  - Whether a job is still live is IMS's to say (M(cray.csm.ims_job_info)); M(cray.csm.ims_job_footprint) removes
    the footprints of jobs that are not.
author:
  - cray.csm contributors (!UNKNOWN)
options:
  paths:
    description:
      - Paths whose free space to read. A path that does not exist yet is measured at its nearest existing parent.
    type: list
    elements: path
    default: [/tmp, /var/lib/containers, /var/tmp]
  cache_mount_point:
    description: Where the build cache is mounted (C(ceph_buildcache_mount_point)).
    type: path
    default: /mnt/cache
  ims_public_key:
    description:
      - The IMS public key (ConfigMap C(services/cray-ims-remote-keys), key C(public_key)). When given,
        RV(ims_key_authorized) says whether root's C(authorized_keys) holds it.
    type: str
  footprints:
    description: List the IMS job footprints (runs C(podman ps -a) and C(podman images) where podman is installed).
    type: bool
    default: true
extends_documentation_fragment:
  - cray.csm.attributes.info_module
notes:
  - Needs Python 3.6 or later on the node.
seealso:
  - module: cray.csm.ims_job_footprint
  - module: cray.csm.ims_remote_node_info
'''

EXAMPLES = r'''
- name: Read the node as IMS sees it
  cray.csm.build_node_info:
    ims_public_key: "{{ ims_public_key }}"
  register: node

- name: Show the free space of /tmp
  ansible.builtin.debug:
    msg: "{{ (node.space | selectattr('path', 'eq', '/tmp') | first).free_gib }} GiB free in /tmp"
'''

RETURN = r'''
arch:
  description: The architecture IMS reads from C(uname -i) (C(x86_64) or C(aarch64)), or what C(uname -i) printed.
  returned: always
  type: str
  sample: x86_64
podman:
  description: What C(which podman) printed (empty when it found none); IMS needs C(/usr/bin/podman).
  returned: always
  type: str
  sample: /usr/bin/podman
ims_key_authorized:
  description: Whether root's C(authorized_keys) holds O(ims_public_key); null without O(ims_public_key).
  returned: always
  type: bool
space:
  description: One entry per path of O(paths), in that order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: "The path."
      type: str
    exists:
      description: "Whether the path exists (else it was measured at RV(space[].measured_at))."
      type: bool
    measured_at:
      description: "The path measured."
      type: str
    free_bytes:
      description: "Bytes free for an unprivileged writer (statvfs f_bavail)."
      type: int
    free_gib:
      description: "The same in GiB, rounded to 2 decimals."
      type: float
    size_bytes:
      description: "Size of the filesystem."
      type: int
    mount_point:
      description: "Mount point of the mount that holds the path."
      type: str
    source:
      description: "Source of that mount."
      type: str
    fstype:
      description: "Filesystem type of that mount."
      type: str
    on_cache:
      description: "Whether that mount is the build cache's filesystem."
      type: bool
cache:
  description: The build cache mount.
  returned: always
  type: dict
  contains:
    mount_point:
      description: "O(cache_mount_point)."
      type: str
    mounted:
      description: "Whether something is mounted there."
      type: bool
    source:
      description: "What is mounted there (the RBD device, or the loop device over rbd-fuse)."
      type: str
    fstype:
      description: "Its filesystem type."
      type: str
footprints:
  description: IMS job footprints on the node, one per job id, sorted; empty without O(footprints).
  returned: always
  type: list
  elements: dict
  contains:
    job_id:
      description: "The IMS job id."
      type: str
    directory:
      description: "C(/tmp/ims_<job id>), or null."
      type: str
    container:
      description: "The container C(ims-<job id>), or null."
      type: str
    container_state:
      description: "Its podman state (C(running), C(exited), C(created)...), or null."
      type: str
    images:
      description: "Its images (C(localhost/ims-remote-<job id>:1.0.0))."
      type: list
      elements: str
    signal:
      description: "The signal file the job left in C(/tmp/ims_<job id>/image) (IMS 3.32 and later): C(remote_exiting)
        (it made its result and is ending), C(remote_error) (its container was stopped or interrupted), or null."
      type: str
    state:
      description: "What the node shows of the job: C(running) (container up, no signal file), C(finishing)
        (C(remote_exiting)), C(failed) (C(remote_error)), or C(dead) (no signal file and no running container:
        killed, or the node rebooted; IMS misses 12 heartbeats 5 s apart and errors the job)."
      type: str
      choices: [running, finishing, failed, dead]
podman_volumes:
  description:
    - Every podman volume on the node, with O(footprints). IMS runs C(podman volume prune -f) at the end of every job
      that ends normally (Cray-HPE/ims-sshd C(entrypoint.sh) C(clean_remote_node)), which deletes every volume no
      container uses, not only IMS's.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: "The volume's name."
      type: str
    ims_job:
      description: "The IMS job id whose container C(ims-<job id>) uses it, or null: a volume of something else."
      type: str
other_job_entries:
  description: Other C(/tmp/ims_*) entries; IMS counts them as current jobs too (C(numCurrentJobs)), but they
    hold no job id, so nothing here removes them.
  returned: always
  type: list
  elements: str
'''

import os
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cray.csm.plugins.module_utils import build_node


def ims_arch(uname_i):
    """IMS's reading of `uname -i` (Cray-HPE/ims src/server/models/remote_build_nodes.py getStatus)."""
    if 'aarch64' in uname_i:
        return 'aarch64'
    if 'x86' in uname_i:
        return 'x86_64'
    return uname_i.strip()


def key_authorized(public_key, path):
    parts = (public_key or '').split()
    if len(parts) < 2:
        return False
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except (IOError, OSError):
        return False
    return any(parts[1] in line.split() for line in lines if line.strip() and not line.lstrip().startswith('#'))


def root_authorized_keys():
    return os.path.join(pwd.getpwnam('root').pw_dir, '.ssh', 'authorized_keys')


def run(module, name, *args):
    """(rc, stdout) of a command found on PATH; (127, '') when the node has no such command."""
    path = module.get_bin_path(name)
    if path is None:
        return 127, ''
    rc, out, _err = module.run_command([path] + list(args))
    return rc, out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            paths=dict(type='list', elements='path', default=list(build_node.SPACE_PATHS)),
            cache_mount_point=dict(type='path', default='/mnt/cache'),
            ims_public_key=dict(type='str'),
            footprints=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    for path in p['paths'] + [p['cache_mount_point']]:
        if not os.path.isabs(path):
            module.fail_json(msg='paths and cache_mount_point must be absolute paths, got %r.' % path)
    rc, out = run(module, 'uname', '-i')
    arch = ims_arch(out if rc == 0 else '')
    rc, out = run(module, 'which', 'podman')
    podman_path = out.strip() if rc == 0 else ''
    authorized = None
    if p['ims_public_key'] is not None:
        authorized = key_authorized(p['ims_public_key'], root_authorized_keys())
    with open('/proc/self/mountinfo') as f:
        mounts = build_node.parse_mountinfo(f.read())
    measured = build_node.space(p['paths'], p['cache_mount_point'], mounts)
    found, others, volumes = [], [], []
    if p['footprints']:
        podman = build_node.Podman(module, podman_path if podman_path.startswith('/') else None)
        found, others = build_node.read_footprints(podman)
        volumes = podman.volumes([f['container'] for f in found if f['container']])
    module.exit_json(changed=False, arch=arch, podman=podman_path, ims_key_authorized=authorized,
                     space=measured['paths'], cache=measured['cache'], footprints=found, other_job_entries=others,
                     podman_volumes=volumes)


if __name__ == '__main__':
    main()
