# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.cray.csm.plugins.module_utils.session import CONNECTION_DEFAULTS

# The defaults as YAML scalars (JSON is YAML), from the table the client and the argument spec use.
_DEFAULTS = dict((name, json.dumps(value)) for name, value in CONNECTION_DEFAULTS.items())


class ModuleDocFragment(object):
    # The connection options every CSM API module shares (plugins/module_utils/module.py CONNECTION_SPEC).
    # Every module but cray.csm.token, which fetches the token (CsmModule(uses_token=False)), adds TOKEN.
    DOCUMENTATION = r'''
options:
  api_gateway:
    description:
      - Base URL of the CSM API gateway.
      - Falls back to the environment variable E(CSM_API_GATEWAY).
    type: str
    default: %(api_gateway)s
  client_id:
    description:
      - Keycloak client used with O(client_secret) to fetch a token (client credentials grant).
      - Falls back to the environment variable E(CSM_CLIENT_ID).
    type: str
    default: %(client_id)s
  client_secret:
    description:
      - Secret of O(client_id), used to fetch a token when none is given, and a new one when the API rejects it.
      - On CSM it is key C(client-secret) of the Kubernetes Secret C(admin-client-auth) in namespace C(default).
      - Falls back to the environment variable E(CSM_CLIENT_SECRET).
    type: str
  validate_certs:
    description:
      - Verify the gateway's TLS certificate. Set O(ca_path) rather than turning this off.
      - Falls back to the environment variable E(CSM_VALIDATE_CERTS) (C(true) or C(false)).
    type: bool
    default: %(validate_certs)s
  ca_path:
    description:
      - PEM file of the CA that signed the gateway's certificate.
      - On CSM management nodes it is C(/etc/cray/ca/certificate_authority.crt).
      - Falls back to the environment variable E(CSM_CA_PATH).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP answer.
      - Falls back to the environment variable E(CSM_TIMEOUT).
    type: int
    default: %(timeout)s
  retries:
    description:
      - How many times to repeat a request after a connection error or an HTTP 429, 502, 503 or 504,
        with exponential backoff and jitter, honouring C(Retry-After).
      - A POST that is not safe to repeat is retried only when the server said it did not act on it
        (429, 503) or the connection was refused.
      - Falls back to the environment variable E(CSM_RETRIES).
    type: int
    default: %(retries)s
notes:
  - Every connection option falls back to an environment variable, E(CSM_) and the option's name in capitals
    (E(CSM_API_GATEWAY), E(CSM_CA_PATH), ...), read on the host that runs the module. A task argument or
    C(module_defaults) wins over the environment.
  - All CSM API modules are in the action group C(cray.csm.csm), so connection options can be set once
    with C(module_defaults) and C(group/cray.csm.csm).
''' % _DEFAULTS

    TOKEN = r'''
options:
  token:
    description:
      - A CSM (Keycloak) bearer token, used as is.
      - Fetch one per play with M(cray.csm.token) and pass it through O(token) in C(module_defaults)
        so that a play with many API tasks does not ask Keycloak once per task.
      - Falls back to the environment variable E(CSM_TOKEN).
      - When the API rejects it (HTTP 401) and O(client_secret) is set, a new token is fetched once.
    type: str
'''
