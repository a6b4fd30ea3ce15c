#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: remote_node_boot_plan
short_description: Plan the builder image boots of remote build nodes, one BOS session per architecture
version_added: 0.1.0
description:
  - Reads the nodes O(xnames) from HSM in one request (C(GET /apis/smd/hsm/v2/State/Components?id=...)) and
    returns their architecture (C(X86) to C(x86_64), C(ARM) to C(aarch64)) and power state. Fails, changing
    nothing, when HSM does not know a node or its architecture is neither.
  - With O(images), also reads the BOS sessions (C(GET /apis/bos/v2/sessions), and C(/status) of the sessions
    that booted one of the nodes) and says, per architecture, which nodes are already booted with that
    architecture's image and which still need a boot, with the session that boots them.
  - A node counts as booted with an image when a completed BOS session of that architecture's template,
    whose name holds the image id, named the node in its C(limit), ended without error and did not list the
    node among its failures. The sessions C(cray.csm.build_remote_node_image) starts are named that way, so
    a re-run plans no boot; a node added to the group later gets one boot, and the others none.
  - The planned session is named C(<template>-<xname>-<image id>) for one node (as for one node before), else
    C(<template>-<image id>-<10 hex digits of the sorted xnames' SHA-1>), so a run interrupted during the boot
    finds its session again. After a session of that name failed, the next is named with C(-2), C(-3) and so
    on. Its operation is C(reboot) when one of its nodes is on (a BOS reboot also powers on a node that is
    off), else C(boot).
  - With O(cfs_configuration), also reads that CFS configuration (C(GET /apis/cfs/v3/configurations/{name})), so
    that the caller can tell whether it is its own before it writes it.
author:
  - cray.csm contributors (!UNKNOWN)
options:
  xnames:
    description: Node xnames, canonicalised as HSM stores them (no leading zeros, lower case).
    type: list
    elements: str
    required: true
  images:
    description:
      - The images to boot, one per architecture, as IMS image records (C(id) and C(arch) are read), for example
        the RV(cray.csm.ims_image_info#module:image) of each new image.
      - Architectures of the nodes without an image are left out of RV(boots).
    type: list
    elements: dict
    default: []
  templates:
    description: Per architecture (C(x86_64), C(aarch64)), the BOS session template that boots its image.
    type: dict
    default: {}
  cfs_configuration:
    description: The name of a CFS configuration to read, returned as RV(cfs_configuration).
    type: str
    version_added: 0.2.0
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.info_module
seealso:
  - module: cray.csm.bos_session
  - module: cray.csm.hsm_component_info
'''

EXAMPLES = r'''
- name: Architectures of the nodes
  cray.csm.remote_node_boot_plan:
    xnames: [x3000c0s19b4n0, x3000c0s17b2n0]
  register: plan

- name: Which nodes to boot with which image
  cray.csm.remote_node_boot_plan:
    xnames: [x3000c0s19b4n0, x3000c0s17b2n0]
    images:
      - {id: 0b8a0c3e-6b5d-4e7a-9d6e-111111111111, arch: x86_64}
      - {id: 7d2f1a9c-3e4b-4c5d-8e6f-222222222222, arch: aarch64}
    templates:
      x86_64: bos_ims_remote_node_x86_64
      aarch64: bos_ims_remote_node_aarch64
  register: plan

- name: One BOS session per architecture that has a node to boot
  cray.csm.bos_session:
    name: "{{ item.value.session_name }}"
    template_name: "{{ item.value.template }}"
    operation: "{{ item.value.operation }}"
    limit: "{{ item.value.pending | join(',') }}"
  loop: "{{ plan.boots | dict2items | selectattr('value.pending') }}"
'''

RETURN = r'''
nodes:
  description: The nodes in the order given, from HSM.
  returned: always
  type: list
  elements: dict
  sample: [{xname: x3000c0s19b4n0, arch: x86_64, state: Ready, powered_on: true}]
arches:
  description: The architectures of the nodes, sorted.
  returned: always
  type: list
  elements: str
  sample: [aarch64, x86_64]
cfs_configuration:
  description: The CFS configuration O(cfs_configuration) as stored, null when it does not exist or was not asked for.
  returned: always
  type: dict
  version_added: 0.2.0
  sample: {name: remote-ims-node, description: IMS remote build node builder image (cray.csm.build_remote_node_image),
           layers: [{clone_url: https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git,
                     commit: 545dd8f97645ee6882a8cef2f7dfdf25a63c1d8e, playbook: ims_computes.yml}]}
boots:
  description: Per architecture of O(images) that has nodes, the boot plan; empty without O(images).
  returned: always
  type: dict
  sample:
    x86_64:
      image_id: 0b8a0c3e-6b5d-4e7a-9d6e-111111111111
      template: bos_ims_remote_node_x86_64
      nodes: [x3000c0s19b4n0]
      booted: []
      pending: [x3000c0s19b4n0]
      operation: reboot
      session_name: bos_ims_remote_node_x86_64-x3000c0s19b4n0-0b8a0c3e-6b5d-4e7a-9d6e-111111111111
      booted_by: {}
  contains:
    pending:
      description: The nodes to boot, sorted; empty when all are booted with the image.
      type: list
    booted:
      description: The nodes already booted with the image, sorted.
      type: list
    booted_by:
      description: For each booted node, the name of the BOS session that booted it.
      type: dict
    operation:
      description: C(reboot) when a pending node is on, else C(boot).
      type: str
    session_name:
      description: The name of the BOS session for the pending nodes; null when none is pending.
      type: str
'''

import hashlib

from urllib.parse import urlencode

from ansible_collections.cray.csm.plugins.module_utils.paths import (bos_session, bos_session_status, cfs_configuration,
                                                                     hsm_component)
from ansible_collections.cray.csm.plugins.module_utils.hsm import ON_STATES
from ansible_collections.cray.csm.plugins.module_utils.names import IMAGE_ARCH
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xnames, node_xname_error


def read_nodes(client, xnames):
    """[{xname, arch, state, powered_on}] in the order given, and the xnames HSM does not know."""
    query = urlencode([('type', 'Node')] + [('id', x) for x in xnames])
    answer = client.get('%s?%s' % (hsm_component(), query)) or {}
    found = dict((c['ID'], c) for c in answer.get('Components') or [])
    nodes = [dict(xname=x, arch=IMAGE_ARCH.get(found[x].get('Arch')), hsm_arch=found[x].get('Arch'),
                  state=found[x].get('State'), powered_on=found[x].get('State') in ON_STATES)
             for x in xnames if x in found]
    return nodes, [x for x in xnames if x not in found]


def session_name(template, image_id, pending):
    if len(pending) == 1:
        return '%s-%s-%s' % (template, pending[0], image_id)
    digest = hashlib.sha1(','.join(pending).encode('utf-8')).hexdigest()[:10]
    return '%s-%s-%s' % (template, image_id, digest)


def free_name(sessions, name):
    """name, or name-2, name-3 ... past the completed sessions of that name: those failed to boot the nodes
    (else they would not be pending). A session of that name still running is followed, not doubled."""
    done = set(s.get('name') for s in sessions if (s.get('status') or {}).get('status') == 'complete')
    candidate, n = name, 1
    while candidate in done:
        n += 1
        candidate = '%s-%d' % (name, n)
    return candidate


def failed_nodes(status):
    """The xnames a BOS extended status lists as failed."""
    out = set()
    for entry in ((status or {}).get('error_summary') or {}).values():
        out.update(x.strip() for x in (entry.get('list') or '').split(',') if x.strip())
    return out


def booted_with(client, sessions, template, image_id, xnames):
    """{xname: session name} for the xnames a completed, successful session booted with the image."""
    booted = {}
    for s in sorted(sessions, key=lambda s: (s.get('status') or {}).get('start_time') or ''):
        st = s.get('status') or {}
        if (s.get('template_name') != template or image_id not in (s.get('name') or '')
                or st.get('status') != 'complete' or st.get('error') or s.get('operation') == 'shutdown'):
            continue
        limit = set(x.strip() for x in (s.get('limit') or '').split(','))
        hit = [x for x in xnames if x in limit and x not in booted]
        if not hit:
            continue
        failed = failed_nodes(client.get(bos_session_status(s['name']), missing_ok=True))
        for x in hit:
            if x not in failed:
                booted[x] = s['name']
    return booted


def plan(client, nodes, images):
    """images: {arch: {id, template}}."""
    boots = {}
    sessions = None
    for arch in sorted(images):
        mine = sorted(n['xname'] for n in nodes if n['arch'] == arch)
        if not mine:
            continue
        if sessions is None:
            sessions = client.get(bos_session()) or []
        image_id, template = images[arch]['id'], images[arch]['template']
        booted = booted_with(client, sessions, template, image_id, mine)
        pending = [x for x in mine if x not in booted]
        on = any(n['powered_on'] for n in nodes if n['xname'] in pending)
        boots[arch] = dict(image_id=image_id, template=template, nodes=mine, booted=sorted(booted),
                           booted_by=booted, pending=pending, operation='reboot' if on else 'boot',
                           session_name=free_name(sessions, session_name(template, image_id, pending)) if pending
                           else None)
    return boots


def boot_images(images, templates):
    """({arch: {id, template}}, error message or None) from the images and templates options."""
    out = {}
    for image in images:
        arch = image.get('arch')
        if not image.get('id') or arch not in IMAGE_ARCH.values():
            return None, 'Each image needs id and arch (x86_64 or aarch64); got %s.' % image
        if arch in out:
            return None, 'Two images for %s: give one image per architecture.' % arch
        if not templates.get(arch):
            return None, 'templates has no BOS session template for %s (image %s).' % (arch, image['id'])
        out[arch] = dict(id=image['id'], template=templates[arch])
    return out, None


def main():
    module = CsmModule(argument_spec=dict(xnames=dict(type='list', elements='str', required=True),
                                          images=dict(type='list', elements='dict', default=[]),
                                          templates=dict(type='dict', default={}),
                                          cfs_configuration=dict(type='str')),
                       supports_check_mode=True)
    xnames = []
    for x in canonical_xnames(module.params['xnames'])[0]:
        if x not in xnames:
            xnames.append(x)
    images, error = boot_images(module.params['images'], module.params['templates'])
    error = node_xname_error(module.params['xnames']) or error
    if not xnames:
        error = 'xnames is empty: give at least one node xname, for example x3000c0s19b4n0.'
    if error:
        module.fail_json(msg=error)
    with module.api_errors():
        nodes, unknown = read_nodes(module.client, xnames)
        if unknown:
            module.fail_json(msg='HSM does not know %s.' % ', '.join(unknown), unknown=unknown)
        no_arch = ['%s (HSM Arch %s)' % (n['xname'], n['hsm_arch']) for n in nodes if not n['arch']]
        if no_arch:
            module.fail_json(msg='Not an x86_64 or aarch64 node: %s. IMS builds for x86_64 and aarch64 only.'
                                 % ', '.join(no_arch))
        boots = plan(module.client, nodes, images)
        name = module.params['cfs_configuration']
        configuration = module.client.get(cfs_configuration(name), missing_ok=True) if name else None
    module.exit_json(changed=False, nodes=nodes, arches=sorted(set(n['arch'] for n in nodes)), boots=boots,
                     cfs_configuration=configuration)


if __name__ == '__main__':
    main()
