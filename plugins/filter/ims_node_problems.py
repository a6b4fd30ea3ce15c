# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IMS's node check (module_utils/ims_node.py) on what a node printed, for a playbook's assert."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: ims_node_problems
short_description: Why IMS would reject a remote build node, from what C(uname -i) and C(which podman) printed
version_added: 0.2.0
description:
  - Applies the checks IMS makes on a remote build node (Cray-HPE/ims C(src/server/models/remote_build_nodes.py),
    C(getStatus)), in its order, to what the node printed, for example RV(cray.csm.build_node_info#module:arch)
    and RV(cray.csm.build_node_info#module:podman).
  - Returns one entry per problem (IMS stops at the first), with the check, what was seen, the fix and one
    sentence saying all of it; an empty list when IMS can use the node.
author:
  - cray.csm contributors (!UNKNOWN)
positional: _input, podman
options:
  _input:
    description: What C(uname -i) printed (or the architecture read from it).
    type: str
    required: true
  podman:
    description: What C(which podman) printed.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Reject a node IMS cannot use
  ansible.builtin.assert:
    that: problems | length == 0
    fail_msg: "{{ problems | map(attribute='msg') | join(' ') }}"
  vars:
    problems: "{{ node.arch | cray.csm.ims_node_problems(node.podman) }}"
'''

RETURN = r'''
_value:
  description:
    - One entry per problem, each with C(check) (C(arch) or C(podman)), C(seen), C(fix) and C(msg) (one sentence
      naming the check, what was seen and the fix); empty when IMS can use the node.
  type: list
  elements: dict
'''

from ansible_collections.cray.csm.plugins.module_utils import ims_node


def ims_node_problems(uname_i, podman):
    return [dict(check=check, seen=seen, fix=fix, msg='IMS cannot use this node (the %s check): %s. Fix: %s.'
                 % (check, seen, fix)) for check, seen, fix in ims_node.problems(uname_i, podman)]


class FilterModule(object):
    def filters(self):
        return {'ims_node_problems': ims_node_problems}
