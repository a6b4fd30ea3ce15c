# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What IMS checks on a remote build node, the one place for it: the rules, the status strings, the fixes.

IMS checks a node in V3RemoteBuildNodeRecord.getStatus() (Cray-HPE/ims src/server/models/remote_build_nodes.py):
SSH as root with the IMS key, then `uname -i` (the architecture), then `which podman`, then the /tmp/ims_*
count. The preflight (preflight.py), the node reader (modules/build_node_info.py), the role's check
(filter cray.csm.ims_node_problems), the status findings (filter build_node_status) and the summaries
(filter summary) all use these. Runs on nodes too: Python 3.6, standard library only.

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

ARCHES = ('x86_64', 'aarch64')
PODMAN_PATH = '/usr/bin/podman'

# IMS's status strings (getStatus), as /remote-build-nodes/status reports them.
UNKNOWN = 'Unknown'
SSH_OK = 'SSH connection established.'
PODMAN_OK = 'Podman present at %s' % PODMAN_PATH
PODMAN_MISSING = 'Podman not installed on node.'

# One wording of each fix, named by the check that failed.
FIX = dict(
    ssh=('authorize the IMS public key (ConfigMap services/cray-ims-remote-keys, key public_key) in root\'s '
         '~/.ssh/authorized_keys on the node (playbook cray.csm.remote_build_node does it, role cray.csm.ims_ssh_key), '
         'and make sure the node\'s name resolves and port 22 is open'),
    arch=('IMS reads the architecture from "uname -i", which must print x86_64 or aarch64 (SLES does; Debian and '
          'some others print "unknown"): boot the node with a SLES-based remote build node image (playbook '
          'cray.csm.build_remote_node_image)'),
    podman=('install podman so that "which podman" prints %s (the which command is needed too): playbook '
            'cray.csm.remote_build_node with remote_build_node_podman=auto does it (role cray.csm.podman_install)'
            % PODMAN_PATH),
)


def arch(uname_i):
    """IMS's reading of `uname -i`: 'aarch64', 'x86_64', or None when IMS cannot use the node."""
    text = uname_i or ''
    if 'aarch64' in text:
        return 'aarch64'
    if 'x86' in text:
        return 'x86_64'
    return None


def podman_ok(which_podman):
    """IMS's podman rule: `which podman` printed /usr/bin/podman."""
    return PODMAN_PATH in (which_podman or '')


def problems(uname_i, which_podman):
    """What IMS would reject, in its order (arch, then podman): [(check, seen, fix)], empty when it can use the node."""
    if arch(uname_i) is None:
        return [('arch', '"uname -i" printed %r' % (uname_i or '').strip(), FIX['arch'])]
    if not podman_ok(which_podman):
        return [('podman', '"which podman" printed %r' % (which_podman or '').strip(), FIX['podman'])]
    return []
