#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: bos_sessiontemplate
short_description: Create, update or delete a BOS v2 session template
version_added: 0.1.0
description:
  - Makes the BOS session template O(name) hold exactly the boot sets O(boot_sets)
    (C(PUT /apis/bos/v2/sessiontemplates/{name}), which creates or replaces).
  - Reads the template first and writes only when it differs; the read-only fields C(name), C(tenant) and
    C(links) are ignored when comparing and never sent (BOS rejects them).
  - Boot sets are checked before any request (required fields, known fields, a node selector, the arch,
    C(node_list) xnames, a C(name) equal to its key), so that what BOS would reject fails before anything is
    written.
  - The boot sets are compared in the form BOS stores them (without C(name), C(arch) C(X86) when not given,
    no empty C(cfs), C(node_list) xnames canonical, in lower case without leading zeros), so a re-run is not a change
    and C(--diff) shows only real differences.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.bos_session
    description: Boot nodes with the template.
  - module: cray.csm.ims_image_info
    description: The image (C(link.path), C(link.etag)) a template boots.
options:
  name:
    description: Template name, 1 to 127 letters, digits, C(.), C(-) and C(_), starting and ending with a
      letter or digit.
    type: str
    required: true
  boot_sets:
    description:
      - Boot set name to boot set, as in the BOS API (C(V2BootSet)). Required with O(state=present).
      - Each needs C(path) (the IMS manifest, C(link.path) of the image) and C(type) (C(s3)), and at least
        one non-empty C(node_list), C(node_roles_groups) or C(node_groups).
      - Other fields are C(etag), C(kernel_parameters), C(arch), C(cfs), C(rootfs_provider),
        C(rootfs_provider_passthrough) and C(name).
      - C(arch) takes C(X86), C(ARM), C(Other) or C(Unknown), and also C(x86_64) (to C(X86)) and C(aarch64)
        (to C(ARM)), so an IMS image's arch can be passed as it is. Not given, it is C(X86), as BOS stores it.
      - C(node_list) takes node xnames in any case and zero padding; they are sent canonical.
      - C(name), when given, must equal the boot set's key (BOS rejects the template otherwise).
    type: dict
  cfs_configuration:
    description: The CFS configuration BOS gives the nodes it boots (the template's C(cfs.configuration)).
    type: str
  enable_cfs:
    description:
      - Whether BOS asks CFS to configure the booted nodes. Always sent; a stored template without it counts
        as C(true), as BOS reads it.
    type: bool
    default: true
  description:
    description: A description for people. Kept as it is when not given.
    type: str
  state:
    description: C(absent) deletes the template.
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
- name: The template that boots an IMS remote build node (Configure a Remote Build Node)
  cray.csm.bos_sessiontemplate:
    name: bos_ims_remote_node
    cfs_configuration: remote-ims-node
    boot_sets:
      compute:
        kernel_parameters: >-
          ip=dhcp quiet spire_join_token=${SPIRE_JOIN_TOKEN}
          root=live:s3://boot-images/{{ image.id }}/rootfs
          nmd_data=url=s3://boot-images/{{ image.id }}/rootfs,etag={{ image.link.etag }}
        node_roles_groups: [Compute]
        etag: "{{ image.link.etag }}"
        arch: "{{ image.arch }}"
        path: "{{ image.link.path }}"
        type: s3
'''

RETURN = r'''
sessiontemplate:
  description: The template after the task (null when absent); in check mode, the predicted one.
  returned: always
  type: dict
'''

import copy

from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule, drop_none, is_subset
from ansible_collections.cray.csm.plugins.module_utils.names import HSM_ARCH, HSM_ARCHES, bos_name_error
from ansible_collections.cray.csm.plugins.module_utils.paths import bos_sessiontemplate
from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xnames, node_xname_error

READ_ONLY = ('name', 'tenant', 'links')
ARCH = dict(HSM_ARCH, **dict((a, a) for a in HSM_ARCHES))  # what BOS takes, and IMS's names of them
BOOT_SET_FIELDS = ('name', 'path', 'type', 'etag', 'kernel_parameters', 'node_list', 'node_roles_groups',
                   'node_groups', 'arch', 'cfs', 'rootfs_provider', 'rootfs_provider_passthrough')
SELECTORS = ('node_list', 'node_roles_groups', 'node_groups')


def normalize_boot_sets(boot_sets):
    """(boot sets as BOS stores them, error messages).

    BOS rewrites a boot set when it stores it (bos src/bos/server/controllers/v2/boot_set/sanitize.py
    validate_sanitize_boot_set): the name goes, a missing arch becomes X86, an empty cfs is dropped
    and node_list xnames are canonical. The desired boot sets get the same treatment, so that a
    template BOS accepts compares equal to what it stored.
    """
    errors, out = [], {}
    if not boot_sets:
        return out, ['boot_sets needs at least one boot set.']
    for key, bs in boot_sets.items():
        where = 'boot_sets.%s' % key
        if bos_name_error('boot set name', key):
            errors.append('%s: %s' % (where, bos_name_error('boot set name', key)))
        if not isinstance(bs, dict):
            errors.append('%s: must be a mapping.' % where)
            continue
        out[key] = normalize_boot_set(where, key, drop_none(copy.deepcopy(bs)), errors)
    return out, errors


def normalize_boot_set(where, key, bs, errors):
    """The boot set as BOS stores it; what BOS would refuse goes to errors."""
    unknown = sorted(set(bs) - set(BOOT_SET_FIELDS))
    if unknown:
        errors.append('%s: unknown field(s) %s; BOS takes %s.' % (where, ', '.join(unknown), ', '.join(BOOT_SET_FIELDS)))
    missing = [f for f in ('path', 'type') if not bs.get(f)]
    if missing:
        errors.append('%s: %s required (the image manifest path and s3).' % (where, ' and '.join(missing)))
    if not any(bs.get(s) for s in SELECTORS):
        errors.append('%s: give a non-empty node_list, node_roles_groups or node_groups.' % where)
    bs['arch'] = bs.get('arch', 'X86')
    if bs['arch'] not in ARCH:
        errors.append('%s: arch %r is not one of X86, ARM, Other, Unknown (or x86_64, aarch64).' % (where, bs['arch']))
    else:
        bs['arch'] = ARCH[bs['arch']]
    if bs.get('name') not in (None, key):
        errors.append("%s: BOS would reject it: boot_sets key (%s) does not match 'name' field of "
                      "corresponding boot set (%s). Drop name or make it the key." % (where, key, bs['name']))
    bs.pop('name', None)  # BOS does not store it; it is the key
    if not (bs.get('cfs') or {}).get('configuration'):
        bs.pop('cfs', None)  # BOS drops an empty cfs
    if bs.get('node_list'):
        error = node_xname_error(bs['node_list'])
        if error:
            errors.append('%s.node_list: %s BOS boots nodes by xname (a NID is only warned about, and '
                          'matches no node).' % (where, error))
        bs['node_list'] = canonical_xnames(bs['node_list'])[0]
    return bs


def same_template(desired, current):
    """Exactly the boot sets BOS stored (ignoring a stored boot-set name), other given fields equal.

    A template stored without enable_cfs has it true for BOS (bos src/bos/operators/session_setup.py).
    """
    have = dict((k, dict((f, v) for f, v in bs.items() if f != 'name'))
                for k, bs in (current.get('boot_sets') or {}).items())
    current = dict(current, enable_cfs=current.get('enable_cfs', True))
    return have == desired['boot_sets'] and is_subset(dict((k, v) for k, v in desired.items()
                                                           if k != 'boot_sets'), current)


def main():
    module = CsmModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            boot_sets=dict(type='dict'),
            cfs_configuration=dict(type='str'),
            enable_cfs=dict(type='bool', default=True),
            description=dict(type='str'),
            state=dict(type='str', choices=['present', 'absent'], default='present')),
        required_if=[('state', 'present', ['boot_sets'])],
        supports_check_mode=True)
    p = module.params
    if bos_name_error('template name', p['name']):
        module.fail_json(msg=bos_name_error('template name', p['name']))
    desired = None
    if p['state'] == 'present':
        boot_sets, errors = normalize_boot_sets(p['boot_sets'])
        if errors:
            module.fail_json(msg='Invalid boot sets: %s' % ' '.join(errors))
        desired = drop_none(dict(boot_sets=boot_sets, enable_cfs=p['enable_cfs'], description=p['description'],
                                 cfs=dict(configuration=p['cfs_configuration']) if p['cfs_configuration'] else None))
    path = bos_sessiontemplate(p['name'])
    with module.api_errors():
        changed, before, after = module.ensure(path, desired, p['state'], read_only=READ_ONLY,
                                               compare=same_template)
    module.exit_with(changed=changed, before=before, after=after, key='sessiontemplate')


if __name__ == '__main__':
    main()
