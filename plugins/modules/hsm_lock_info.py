#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: hsm_lock_info
short_description: Read HSM lock status of components
version_added: 0.1.0
description:
  - With O(component_ids), reads the lock status of those components with one C(POST /locks/status). Every
    xname is first written the way HSM stores it (lower case, no leading zeros); the records name the canonical
    ids, RV(rewritten_ids) says which were rewritten, and RV(not_found) lists the ids HSM does not know, even
    when it knows none of them.
  - Otherwise lists the lock status of all components matching the filters (C(GET /locks/status)).
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.hsm_lock
    description: Lock or unlock the components.
options:
  component_ids:
    description:
      - Component xnames to read. Cannot be combined with the filters.
    type: list
    elements: str
  type:
    description: Only components of this HMS type, for example C(Node).
    type: str
  state:
    description: Only components in this HMS state, for example C(Ready).
    type: str
  role:
    description: Only components with this HMS role, for example C(Compute).
    type: str
  locked:
    description: Only locked (V(true)) or unlocked (V(false)) components.
    type: bool
  reserved:
    description: Only reserved (V(true)) or unreserved (V(false)) components.
    type: bool
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.info_module
'''

EXAMPLES = r'''
- name: Is the remote build node locked?
  cray.csm.hsm_lock_info:
    component_ids: [x3000c0s19b4n0]
  register: lock

- name: All locked compute nodes
  cray.csm.hsm_lock_info:
    type: Node
    role: Compute
    locked: true
  register: locked_nodes
'''

RETURN = r'''
components:
  description: Lock status records as HSM returns them (with O(component_ids), in the order given). C(Reserved) is
    true while PCS, FAS or BOS (C(ExpirationTime) says until when) or an admin (no C(ExpirationTime)) holds a
    reservation; HSM then refuses to lock or unlock the component, as it does with C(ReservationDisabled).
  returned: always
  type: list
  elements: dict
  sample: [{"ID": "x3000c0s19b4n0", "Locked": true, "Reserved": false, "ReservationDisabled": false},
           {"ID": "x3000c0s19b3n0", "Locked": false, "Reserved": true, "CreationTime": "2026-12-01T09:41:29Z",
            "ExpirationTime": "2026-12-01T09:46:29Z", "ReservationDisabled": false}]
not_found:
  description: The O(component_ids) (canonical) that HSM does not know, in the order given.
  returned: always
  type: list
  elements: str
rewritten_ids:
  description: The given O(component_ids) that HSM stores under another name, each with its canonical id.
  returned: always
  type: dict
  sample: {"X3000C0S19B04N0": "x3000c0s19b4n0"}
'''

from ansible_collections.cray.csm.plugins.module_utils.hsm import lock_status
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
from ansible_collections.cray.csm.plugins.module_utils.paths import hsm_locks
from ansible_collections.cray.csm.plugins.module_utils.xname import xname_list

FILTERS = ('type', 'state', 'role', 'locked', 'reserved')


def main():
    module = CsmModule(
        argument_spec=dict(
            component_ids=dict(type='list', elements='str'),
            type=dict(type='str'), state=dict(type='str'), role=dict(type='str'),
            locked=dict(type='bool'), reserved=dict(type='bool'),
        ),
        mutually_exclusive=[('component_ids', f) for f in FILTERS],
        supports_check_mode=True,
    )
    p = module.params
    rewritten = {}
    with module.api_errors():
        if p['component_ids'] is not None:
            error, ids, rewritten = xname_list(p['component_ids'], 'component_ids', nodes=False)
            if error:
                module.fail_json(msg=error)
            records, missing = lock_status(module.client, ids)
            components = [records[i] for i in ids if i in records]
        else:
            # HSM reads booleans in the query as true/false
            query = dict((k, str(p[k]).lower() if isinstance(p[k], bool) else p[k]) for k in FILTERS)
            answer = module.client.get(hsm_locks('status'), query=query) or {}
            components, missing = answer.get('Components') or [], []
    module.exit_json(changed=False, components=components, not_found=missing, rewritten_ids=rewritten)


if __name__ == '__main__':
    main()
