#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ims_remote_node_info
short_description: List IMS remote build nodes, optionally with their status
version_added: 0.1.0
description:
  - Lists the nodes registered with IMS (C(GET /v3/remote-build-nodes)), or reads one
    (C(GET /v3/remote-build-nodes/{xname})).
  - With O(status), adds the IMS status of each node, read with one request for all nodes
    (C(GET /v3/remote-build-nodes/status)) or for the one node. IMS runs its SSH checks to answer, so this
    can take a while when nodes do not answer.
  - IMS before 3.17 (CSM 1.5) has no status endpoint; then RV(status_available) is false and no status is added.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.ims_remote_node
    description: Register or remove a remote build node.
options:
  xname:
    description:
      - Read only this node. RV(remote_build_nodes) is empty when it is not registered.
    type: str
  status:
    description:
      - Add each node's IMS status under C(status).
    type: bool
    default: false
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.info_module
'''

EXAMPLES = r'''
- name: List all remote build nodes with their status
  cray.csm.ims_remote_node_info:
    status: true
  register: nodes

- name: Show the nodes IMS cannot use
  ansible.builtin.debug:
    msg: "{{ nodes.remote_build_nodes | rejectattr('status.ableToRunJobs') | map(attribute='xname') }}"

- name: Is one node registered?
  cray.csm.ims_remote_node_info:
    xname: x3000c0s19b4n0
  register: one
'''

RETURN = r'''
remote_build_nodes:
  description: The registered nodes (sorted by xname), each with its IMS status when O(status) is set.
  returned: always
  type: list
  elements: dict
  contains:
    xname: {description: The node., type: str, returned: always, sample: x3000c0s19b4n0}
    status:
      description: The IMS status fields (C(sshStatus), C(nodeArch), C(podmanStatus), C(numCurrentJobs),
        C(ableToRunJobs)); null when IMS did not report one.
      type: dict
      returned: when O(status) is set
status_available:
  description: Whether this IMS has the status endpoint; null when O(status) is not set or no node is registered.
  returned: always
  type: bool
'''

from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
from ansible_collections.cray.csm.plugins.module_utils.paths import ims_remote_node, ims_remote_node_status
from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xname, node_xname_error


def main():
    module = CsmModule(argument_spec=dict(xname=dict(type='str'), status=dict(type='bool', default=False)),
                       supports_check_mode=True)
    xname = module.params['xname']
    if xname is not None and node_xname_error([xname]):
        module.fail_json(msg=node_xname_error([xname]))
    if xname is not None:
        xname = canonical_xname(xname)  # as ims_remote_node registers it
    available = None
    with module.api_errors():
        if xname:
            node = module.client.get(ims_remote_node(xname), missing_ok=True, expect=dict)
            nodes = [node] if node else []
        else:
            nodes = sorted(module.client.get(ims_remote_node(), expect=list), key=lambda n: n.get('xname', ''))
        if module.params['status'] and nodes:
            try:
                if xname:
                    statuses = [module.client.get(ims_remote_node_status(xname), expect=dict)]
                else:
                    statuses = module.client.get(ims_remote_node_status(), expect=list)
                available = True
            except CsmApiError as e:
                if not e.not_found:
                    raise
                statuses, available = [], False
            by_name = dict((s.get('xname'), s) for s in statuses if isinstance(s, dict))
            for node in nodes:
                node['status'] = by_name.get(node.get('xname'))
    module.exit_json(changed=False, remote_build_nodes=nodes, status_available=available)


if __name__ == '__main__':
    main()
