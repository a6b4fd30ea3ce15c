#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cfs_component
short_description: Set the desired configuration of a CFS v3 component (a node)
version_added: 0.2.0
description:
  - Sets the fields O(desired_config) and O(enabled) of the CFS component O(id)
    (C(PATCH /apis/cfs/v3/components/{id})), the node CFS configures at every boot (node personalization).
  - Reads the component first and sends only the fields that differ; nothing when none does. CFS resets the
    component's C(error_count) to 0 whenever a PATCH names C(desired_config), even the same one, so an
    unchanged configuration is never sent again.
  - CFS accepts a configuration name that does not exist (the component then waits for it). The module
    reads the configuration first and fails, changing nothing, when it does not exist.
  - With a new desired configuration the component is C(pending) and CFS configures the node soon after
    (when it is enabled); its other fields (C(state), C(tags), C(retry_policy)) stay as they are.
  - CFS makes the components itself, one per node HSM knows; the module never creates or deletes one.
  - A BOS session that boots or reboots the node with a template whose C(cfs.configuration) is set writes
    that configuration here again.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.cfs_configuration
    description: Create the configuration first.
  - module: cray.csm.bos_sessiontemplate
    description: A template's C(cfs.configuration) becomes the desired configuration of the nodes it boots.
options:
  id:
    description:
      - The component id, the node's xname, for example C(x3000c0s19b4n0).
      - A node xname in another spelling (C(X3000C0S19B04N0)) is sent canonical, as HSM and CFS store it.
    type: str
    required: true
    aliases: [xname]
  desired_config:
    description:
      - Name of the CFS configuration CFS is to apply to the node, 1 to 60 characters; it must exist.
      - An empty string clears it (CFS then configures the node no more).
      - Not given, the desired configuration is left as it is.
    type: str
  enabled:
    description:
      - Whether CFS configures the node; not given, left as it is.
    type: bool
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.changes
'''

EXAMPLES = r'''
- name: Make CFS apply the builder configuration to the node at every boot
  cray.csm.cfs_component:
    id: x3000c0s19b4n0
    desired_config: remote-ims-node
  delegate_to: localhost

- name: Give the node back its site configuration
  cray.csm.cfs_component:
    id: x3000c0s19b4n0
    desired_config: compute-23.7
'''

RETURN = r'''
component:
  description:
    - The component as CFS shows it after the task (C(GET /v3/components/{id})); in check mode, the predicted one.
  returned: always
  type: dict
  sample:
    id: x3000c0s19b4n0
    desired_config: remote-ims-node
    enabled: true
    error_count: 0
    configuration_status: pending
    tags: {}
configuration:
  description: The configuration named by O(desired_config), as read; null when O(desired_config) is not given or empty.
  returned: always
  type: dict
  sample:
    name: remote-ims-node
    last_updated: '2024-04-23T16:44:55Z'
    layers:
      - clone_url: https://api-gw-service-nmn.local/vcs/cray/cray-csm.git
        commit: 545dd8f97645ee6882a8cef2f7dfdf25a63c1d8e
        playbook: playbooks/ims_computes.yml
'''

from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule, drop_none
from ansible_collections.cray.csm.plugins.module_utils.names import cfs_configuration_name_error
from ansible_collections.cray.csm.plugins.module_utils.paths import cfs_component, cfs_configuration
from ansible_collections.cray.csm.plugins.module_utils.xname import NODE_XNAME, canonical_xname


def component_id(value):
    """A node xname in its canonical form (as HSM and CFS store it); any other id as given."""
    canonical = canonical_xname(value)
    return canonical if NODE_XNAME.match(canonical) else value


def read(module, component, name):
    """The component and its new desired configuration as CFS has them; fails, changing nothing, when either is missing."""
    found = module.client.get(cfs_component(component), missing_ok=True, expect=dict)
    if found is None:
        module.fail_json(msg='CFS has no component %s. CFS adds one for every node HSM knows: check the xname '
                             '(cray cfs v3 components list --ids %s).' % (component, component))
    configuration = module.client.get(cfs_configuration(name), missing_ok=True, expect=dict) if name else None
    if name and configuration is None:
        module.fail_json(msg='CFS configuration %s does not exist, so CFS could not apply it to %s: create it first '
                             '(cray.csm.cfs_configuration, or cray.csm.build_remote_node_image), or name another one '
                             '(cray cfs v3 configurations list).' % (name, component), component=found)
    return found, configuration


def main():
    module = CsmModule(argument_spec=dict(id=dict(type='str', required=True, aliases=['xname']),
                                          desired_config=dict(type='str'), enabled=dict(type='bool')),
                       supports_check_mode=True)
    p = module.params
    if p['desired_config'] and cfs_configuration_name_error(p['desired_config']):
        module.fail_json(msg=cfs_configuration_name_error(p['desired_config']))
    component = component_id(p['id'])
    path = cfs_component(component)
    with module.api_errors():
        before, configuration = read(module, component, p['desired_config'])
        patch = dict((k, v) for k, v in drop_none(dict(desired_config=p['desired_config'], enabled=p['enabled'])).items()
                     if before.get(k) != v)
        after = before
        if patch and module.check_mode:
            # CFS resets error_count with a new desired_config (controllers/components.py _set_auto_fields)
            after = dict(before, error_count=0, **patch) if 'desired_config' in patch else dict(before, **patch)
        elif patch:
            module.client.patch(path, patch, expect=dict)
            module.wrote()
            after = module.client.get(path, expect=dict)  # as GET shows it: with configuration_status, no state
    module.exit_with(changed=bool(patch), before=before, after=after, key='component', configuration=configuration)


if __name__ == '__main__':
    main()
