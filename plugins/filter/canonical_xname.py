# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The canonical form of a node xname, for playbooks and roles (the modules use module_utils/xname.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: canonical_xname
short_description: A node xname in the form HSM stores it
version_added: 0.2.0
description:
  - Trims white space, strips leading zeros from each number and lower-cases a node xname, as HSM does with
    every xname it is given (hms-xname C(NormalizeHMSCompID)), for example C(X3000C0S19B04N0) to
    C(x3000c0s19b4n0).
  - IMS stores a remote build node as given and SSHes to that name, and BOS matches limits exactly, so a
    playbook canonicalises an inventory name before it uses it as an xname.
  - A value that is not a node xname fails, naming it and the expected form.
author:
  - cray.csm contributors (!UNKNOWN)
positional: _input
options:
  _input:
    description: The node xname.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: The node's xname, from the host var or the inventory name
  ansible.builtin.set_fact:
    node_xname: "{{ xname | default(inventory_hostname) | cray.csm.canonical_xname }}"
'''

RETURN = r'''
_value:
  description: The canonical node xname.
  type: str
  sample: x3000c0s19b4n0
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xname as canonical, node_xname_error


def canonical_xname(value):
    error = node_xname_error([value])
    if error:
        raise AnsibleFilterError(error)
    return canonical(value)


class FilterModule(object):
    def filters(self):
        return {'canonical_xname': canonical_xname}
