#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: hsm_component_info
short_description: Read a node's HSM state (power state, role, arch)
version_added: 0.1.0
description:
  - Reads C(GET /apis/smd/hsm/v2/State/Components/{xname}), the component's C(State) (C(On), C(Ready),
    C(Off) and others), C(Role), C(Arch) and C(Enabled). For the lock state use M(cray.csm.hsm_lock_info); the
    component record has no C(Locked) field unless the component is locked.
  - RV(powered_on) tells whether the node is booted, which decides between a BOS C(reboot) and C(boot).
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.hsm_lock_info
    description: Lock status of the same components.
  - module: cray.csm.bos_session
    description: Boot or reboot a node according to its power state.
options:
  xname:
    description: Node xname, for example C(x3000c0s19b4n0); written the way HSM stores it (lower case, no
      leading zeros) before the request.
    type: str
    required: true
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.info_module
'''

EXAMPLES = r'''
- name: Is the node on?
  cray.csm.hsm_component_info:
    xname: x3000c0s19b4n0
  register: node

- name: Boot it if it is off, reboot it if it is on
  ansible.builtin.debug:
    msg: "{{ 'reboot' if node.powered_on else 'boot' }}"
'''

RETURN = r'''
component:
  description: The HSM component (C(Component.1.0.0)); null when HSM does not know the xname.
  returned: always
  type: dict
  sample: {ID: x3000c0s19b4n0, Type: Node, State: Ready, Flag: OK, Enabled: true, Role: Compute, Arch: X86}
powered_on:
  description: True when C(State) is C(On), C(Ready) or C(Standby) (the node has power and may be running).
  returned: always
  type: bool
arch:
  description: The component's C(Arch) as an image architecture (C(X86) to C(x86_64), C(ARM) to C(aarch64));
    null when HSM says C(Other) or C(Unknown).
  returned: always
  type: str
rewritten_ids:
  description: The given O(xname), with its canonical id, when HSM stores it under another name.
  returned: always
  type: dict
  sample: {"X3000C0S19B04N0": "x3000c0s19b4n0"}
'''

from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
from ansible_collections.cray.csm.plugins.module_utils.hsm import ON_STATES
from ansible_collections.cray.csm.plugins.module_utils.names import IMAGE_ARCH
from ansible_collections.cray.csm.plugins.module_utils.paths import hsm_component
from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xnames, node_xname_error


def main():
    module = CsmModule(argument_spec=dict(xname=dict(type='str', required=True)), supports_check_mode=True)
    error = node_xname_error([module.params['xname']])
    if error:
        module.fail_json(msg=error)
    (xname,), rewritten = canonical_xnames([module.params['xname']])
    with module.api_errors():
        component = module.client.get(hsm_component(xname), missing_ok=True)
    component = component or None
    module.exit_json(changed=False, component=component, rewritten_ids=rewritten,
                     powered_on=bool(component and component.get('State') in ON_STATES),
                     arch=IMAGE_ARCH.get((component or {}).get('Arch')))


if __name__ == '__main__':
    main()
