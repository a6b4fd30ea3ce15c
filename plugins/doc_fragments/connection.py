# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

# The documented defaults are module_utils/session.py CONNECTION_DEFAULTS, written out (ansible-test's
# yamllint reads DOCUMENTATION as a literal): tests/unit/plugins/module_utils/test_connection_defaults.py
# fails when the two disagree.


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
    default: "https://api-gw-service-nmn.local"
  client_id:
    description:
      - Keycloak client used with O(client_secret) to fetch a token (client credentials grant).
      - Falls back to the environment variable E(CSM_CLIENT_ID).
    type: str
    default: "admin-client"
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
    default: true
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
    default: 30
  retries:
    description:
      - How many times to repeat a request after a connection error or an HTTP 429, 502, 503 or 504,
        with exponential backoff and jitter, honouring C(Retry-After).
      - A POST that is not safe to repeat is retried only when the server said it did not act on it
        (429, 503) or the connection was refused.
      - Falls back to the environment variable E(CSM_RETRIES).
    type: int
    default: 5
notes:
  - Every connection option falls back to an environment variable, E(CSM_) and the option's name in capitals
    (E(CSM_API_GATEWAY), E(CSM_CA_PATH), ...), read on the host that runs the module. A task argument or
    C(module_defaults) wins over the environment.
  - All CSM API modules are in the action group C(cray.csm.csm), so connection options can be set once
    with C(module_defaults) and C(group/cray.csm.csm).
'''

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
