#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cfs_configuration
short_description: Create, update or delete a CFS v3 configuration
version_added: 0.1.0
description:
  - Makes the CFS configuration O(name) have exactly the layers O(layers)
    (C(PUT /apis/cfs/v3/configurations/{name}), which creates or replaces).
  - Reads the configuration first and writes only when its layers or description differ; the read-only
    fields C(name) and C(last_updated) are ignored when comparing and never sent (CFS rejects them).
    Fields the module does not manage (C(additional_inventory), C(tenant_name)) are kept as they are.
  - Bad layers (both C(commit) and C(branch), neither C(clone_url) nor C(source), a commit that is not
    40 hex digits) fail before any request.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.cfs_session
    description: Run the configuration, for example to customize an image.
options:
  name:
    description: Configuration name, 1 to 60 characters.
    type: str
    required: true
  layers:
    description:
      - The configuration's layers, in order. Required with O(state=present).
      - A layer given with O(layers[].branch) matches a stored layer that has the same branch (CFS adds the
        commit it resolved). With O(drop_branches), CFS stores no branch, so such a layer is written again on
        every run.
    type: list
    elements: dict
    suboptions:
      clone_url:
        description: Git clone URL of the configuration repository. Exactly one of O(layers[].clone_url) and
          O(layers[].source).
        type: str
      source:
        description: Name of a CFS source.
        type: str
      commit:
        description: Commit, 40 lowercase hex digits. At most one of O(layers[].commit) and O(layers[].branch).
        type: str
      branch:
        description: Branch; CFS resolves it to a commit when the configuration is written.
        type: str
      playbook:
        description: The playbook to run.
        type: str
        required: true
      name:
        description: Layer name, 1 to 45 characters.
        type: str
      special_parameters:
        description: For example C(ims_require_dkms=true) as a mapping.
        type: dict
  description:
    description: A description for people; CFS does not use it. Kept as it is when not given.
    type: str
  drop_branches:
    description: Ask CFS not to store the branch of branch layers, only the commit it resolved.
    type: bool
    default: false
  state:
    description:
      - C(absent) deletes the configuration. CFS refuses while a CFS component (a node) has it as desired
        configuration, for example after a BOS boot with a template naming it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.changes
'''

EXAMPLES = r'''
- name: The configuration that makes an IMS remote build node image
  cray.csm.cfs_configuration:
    name: remote-ims-node
    layers:
      - clone_url: https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git
        commit: 545dd8f97645ee6882a8cef2f7dfdf25a63c1d8e
        playbook: ims_computes.yml

- name: Delete it
  cray.csm.cfs_configuration:
    name: remote-ims-node
    state: absent
'''

RETURN = r'''
configuration:
  description: The configuration after the task (null when absent); in check mode, the predicted one.
  returned: always
  type: dict
  sample:
    name: remote-ims-node
    last_updated: '2024-04-23T16:44:55Z'
    layers:
      - clone_url: https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git
        commit: 545dd8f97645ee6882a8cef2f7dfdf25a63c1d8e
        playbook: ims_computes.yml
'''

import re

from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule, drop_none
from ansible_collections.cray.csm.plugins.module_utils.names import cfs_configuration_name_error
from ansible_collections.cray.csm.plugins.module_utils.paths import cfs_configuration

READ_ONLY = ('name', 'last_updated')
COMMIT = re.compile(r'^[a-f0-9]{40}$')
LAYER_SPEC = dict(clone_url=dict(type='str'), source=dict(type='str'), commit=dict(type='str'),
                  branch=dict(type='str'), playbook=dict(type='str', required=True),
                  name=dict(type='str'), special_parameters=dict(type='dict'))


def layer_errors(layers):
    """Messages for layers CFS would reject, checked before any request."""
    errors = []
    for i, layer in enumerate(layers):
        where = 'layers[%d]' % i
        if layer.get('clone_url') and layer.get('source'):
            errors.append('%s: give clone_url or source, not both.' % where)
        if not layer.get('clone_url') and not layer.get('source'):
            errors.append('%s: give clone_url (a git URL) or source (a CFS source name).' % where)
        if layer.get('commit') and layer.get('branch'):
            errors.append('%s: give commit or branch, not both.' % where)
        if layer.get('commit') and not COMMIT.match(layer['commit']):
            errors.append('%s: commit %r is not a full commit id (40 lowercase hex digits).'
                          % (where, layer['commit']))
        if layer.get('name') is not None and not 1 <= len(layer['name']) <= 45:
            errors.append('%s: name must be 1 to 45 characters.' % where)
    return errors


def same_layers(desired, current):
    """Layer lists equal, ignoring the commit CFS adds to a stored branch layer."""
    if len(desired) != len(current):
        return False
    for want, have in zip(desired, current):
        have = dict(have)
        if 'branch' in want and 'commit' not in want and have.get('branch') == want['branch']:
            have.pop('commit', None)
        if want != have:
            return False
    return True


def same_configuration(desired, current):
    return (same_layers(desired['layers'], current.get('layers') or [])
            and all(current.get(k) == v for k, v in desired.items() if k != 'layers'))


def main():
    module = CsmModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            layers=dict(type='list', elements='dict', options=LAYER_SPEC),
            description=dict(type='str'),
            drop_branches=dict(type='bool', default=False),
            state=dict(type='str', choices=['present', 'absent'], default='present')),
        required_if=[('state', 'present', ['layers'])],
        supports_check_mode=True)
    p = module.params
    if cfs_configuration_name_error(p['name']):
        module.fail_json(msg=cfs_configuration_name_error(p['name']))
    desired = None
    if p['state'] == 'present':
        layers = [drop_none(layer) for layer in p['layers']]
        errors = layer_errors(layers)
        if errors:
            module.fail_json(msg='Invalid CFS layers: %s' % ' '.join(errors))
        desired = drop_none(dict(layers=layers, description=p['description']))
    path = cfs_configuration(p['name'])
    query = {'drop_branches': 'true'} if p['drop_branches'] else None
    with module.api_errors():
        try:
            changed, before, after = module.ensure(path, desired, p['state'], read_only=READ_ONLY,
                                                   compare=same_configuration, query=query)
        except CsmApiError as e:
            if p['state'] == 'absent' and e.status == 400:
                module.fail_json(
                    msg='CFS refused to delete configuration %s: %s It is the desired configuration of '
                        'at least one CFS component (a node booted with a BOS template naming it). Give '
                        'those components another configuration (see cray cfs v3 components list '
                        '--config-name %s) or boot them with another template, then delete it again.'
                        % (p['name'], e.detail or e.title, p['name']), failure=e.to_dict())
            raise
    module.exit_with(changed=changed, before=before, after=after, key='configuration')


if __name__ == '__main__':
    main()
