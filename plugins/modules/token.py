#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: token
short_description: Fetch one CSM API token for a whole play
version_added: 0.1.0
description:
  - Asks Keycloak for an access token with the client credentials grant
    (C(POST /keycloak/realms/shasta/protocol/openid-connect/token)).
  - Register the result and feed RV(token) to the other modules through C(module_defaults), so that a play
    with many API tasks asks Keycloak once instead of once per task.
  - The whole result is hidden from every output, at any verbosity, as with C(no_log), because it holds the
    token; the registered variable still holds it.
  - Unlike the other modules of group C(cray.csm.csm), it takes no C(token) option. C(module_defaults) for
    C(group/cray.csm.csm) give their C(token) to this module too, so run it before them, or set C(token)
    there to C(omit) until it has run, as playbook C(cray.csm.remote_build_node) does.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.ims_remote_node
    description: Takes the token through O(cray.csm.ims_remote_node#module:token), as every module of group C(cray.csm.csm) does.
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.attributes
  - cray.csm.attributes.info_module
'''

EXAMPLES = r'''
- name: Read the admin client secret from Kubernetes
  kubernetes.core.k8s_info:
    kind: Secret
    namespace: default
    name: admin-client-auth
  register: admin_client_auth
  no_log: true

- name: Fetch one token for the play
  cray.csm.token:
    client_secret: "{{ admin_client_auth.resources[0].data['client-secret'] | b64decode }}"
  register: csm_auth

- name: Every API task then reuses it
  module_defaults:
    group/cray.csm.csm:
      token: "{{ csm_auth.token }}"
  block:
    - name: Register a node
      cray.csm.ims_remote_node:
        xname: x3000c0s19b4n0
'''

RETURN = r'''
token:
  description: The access token. Hidden from output; use it through the registered variable.
  returned: success
  type: str
'''

from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule


def main():
    module = CsmModule(argument_spec={}, uses_token=False, supports_check_mode=True)
    with module.api_errors():
        token = module.client.fetch_token()
    module.exit_json(changed=False, token=token)


if __name__ == '__main__':
    main()
