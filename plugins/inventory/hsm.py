# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: hsm
short_description: Nodes from CSM's Hardware State Manager (HSM) as an inventory
version_added: 0.1.0
description:
  - Reads the nodes of HSM (C(GET /apis/smd/hsm/v2/State/Components?type=Node)) and its groups
    (C(GET /apis/smd/hsm/v2/groups)), two requests per run, through the collection's one CSM client, with
    the same connection options and environment variables as the modules.
  - Each node becomes a host named by its xname (CSM's DNS resolves it), with the host variables C(xname),
    C(arch) (C(x86_64) or C(aarch64) from HSM's C(X86) or C(ARM), null otherwise), C(role), C(subrole),
    C(nid), C(state), C(enabled) and C(hsm_groups) (the labels of its HSM groups).
  - Groups, besides those of O(keyed_groups) and O(groups), are C(x86_64) and C(aarch64) with the nodes of
    each architecture, and one group per HSM group label (its members that passed the filters), prefixed
    with O(hsm_group_prefix). So an admin keeps the remote build nodes in an HSM group and targets it.
  - HSM allows C(-), C(.) and the colon in a label and Ansible's group names do not, so such characters become
    C(_) in the group name; the HSM group C(gpu-pool.a) is the inventory group C(gpu_pool_a) (the host variable
    C(hsm_groups) keeps HSM's labels).
  - A group named in O(hsm_groups) whose members all fail the other filters is still made, empty, with a
    warning that names it, so a play aimed at it runs on no host instead of failing to match.
  - The configuration file's name must end in C(hsm.yml) or C(hsm.yaml).
author:
  - cray.csm contributors (!UNKNOWN)
options:
  plugin:
    description: Marks the file as this plugin's configuration.
    type: str
    required: true
    choices: [cray.csm.hsm]
  api_gateway:
    env:
      - name: CSM_API_GATEWAY
  token:
    env:
      - name: CSM_TOKEN
  client_secret:
    env:
      - name: CSM_CLIENT_SECRET
  role:
    description: Keep only nodes with one of these HSM roles (for example C(Compute)); case does not matter.
    type: list
    elements: str
    default: []
  subrole:
    description: Keep only nodes with one of these HSM subroles (for example C(UAN), C(Worker)).
    type: list
    elements: str
    default: []
  arch:
    description:
      - Keep only nodes of these architectures, given as C(x86_64) / C(aarch64) or as HSM's C(X86) / C(ARM).
    type: list
    elements: str
    default: []
  state:
    description: Keep only nodes in one of these HSM states (for example C(Ready), C(On), C(Off)).
    type: list
    elements: str
    default: []
  enabled:
    description: Keep only nodes whose HSM C(Enabled) is this; not set keeps both.
    type: bool
  hsm_groups:
    description:
      - Keep only members of at least one of these HSM groups (labels; HSM stores them in lower case).
      - A label HSM does not know fails the inventory, naming the labels it has.
    type: list
    elements: str
    default: []
  xnames:
    description:
      - Keep only these nodes. Each is canonicalised as HSM stores it (no leading zeros, lower case) first.
      - An xname that is not a node HSM knows (unknown, or a BMC, switch or other component) fails the inventory,
        naming it, as an unknown O(hsm_groups) label does.
    type: list
    elements: str
    default: []
  hsm_group_prefix:
    description: Prefix of the inventory group made for each HSM group label.
    type: str
    default: ''
  retries:
    description:
      - How many times to repeat a request after a connection error or an HTTP 429, 502, 503 or 504.
      - One by default, not the modules' five, so that an inventory whose gateway is down fails within about a
        second instead of after 20 to 30 seconds of back-off at the start of every run.
      - Falls back to the environment variable E(CSM_RETRIES).
    type: int
    default: 1
    env:
      - name: CSM_RETRIES
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
notes:
  - The cache (O(cache)) holds the two HSM answers only, never a token or secret. Refresh it with
    C(ansible-inventory --flush-cache) or C(ansible-playbook --flush-cache).
  - An error (gateway down, credentials refused, unknown group) fails the inventory source with a message
    that names it. Ansible then only warns and goes on with what other sources give, unless
    C(ANSIBLE_INVENTORY_UNPARSED_FAILED=true) (or C(inventory.unparsed_is_failed)) is set.
'''

EXAMPLES = r'''
# remote_build_nodes.hsm.yml: the nodes of HSM group ims_builders, both architectures
plugin: cray.csm.hsm
api_gateway: https://api-gw-service-nmn.local
ca_path: /etc/cray/ca/certificate_authority.crt
hsm_groups: [ims_builders]
# client_secret from the environment: export CSM_CLIENT_SECRET=... (Secret default/admin-client-auth)
keyed_groups:
  - key: state | lower
    prefix: state
groups:
  remote_build_nodes: true
compose:
  ansible_user: "'root'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/cray-csm-inventory
cache_timeout: 600

# ansible-inventory -i remote_build_nodes.hsm.yml --graph
# ansible-playbook -i remote_build_nodes.hsm.yml cray.csm.configure_remote_build_nodes
'''

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.cray.csm.plugins.module_utils.client import CsmClient, CsmError
from ansible_collections.cray.csm.plugins.module_utils.paths import hsm_component, hsm_group
from ansible_collections.cray.csm.plugins.module_utils.names import IMAGE_ARCH
from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xnames

CONNECTION_OPTIONS = ('api_gateway', 'token', 'client_id', 'client_secret', 'validate_certs', 'ca_path',
                      'timeout', 'retries')


def lowered(values):
    return set(str(v).lower() for v in values or [])


def wanted_arches(values):
    """The image architectures asked for, from x86_64/aarch64 or HSM's X86/ARM."""
    by_hsm = dict((k.lower(), v) for k, v in IMAGE_ARCH.items())
    return set(by_hsm.get(v, v) for v in lowered(values))


def select(components, groups, opts):
    """The hosts to add: [(xname, hostvars)], in xname order; opts are the plugin's filter options."""
    members = {}
    for g in groups:
        for x in (g.get('members') or {}).get('ids') or []:
            members.setdefault(x, []).append(g['label'])
    want_groups = lowered(opts['hsm_groups'])
    want_xnames = set(canonical_xnames(opts['xnames'])[0])
    roles, subroles, states = lowered(opts['role']), lowered(opts['subrole']), lowered(opts['state'])
    arches = wanted_arches(opts['arch'])
    out = []
    for c in sorted(components, key=lambda c: c['ID']):
        x = c['ID']
        host = dict(xname=x, arch=IMAGE_ARCH.get(c.get('Arch')), role=c.get('Role'), subrole=c.get('SubRole'),
                    nid=c.get('NID'), state=c.get('State'), enabled=c.get('Enabled'),
                    hsm_groups=sorted(members.get(x, [])))
        if ((want_xnames and x not in want_xnames)
                or (roles and str(host['role']).lower() not in roles)
                or (subroles and str(host['subrole']).lower() not in subroles)
                or (states and str(host['state']).lower() not in states)
                or (arches and host['arch'] not in arches)
                or (opts['enabled'] is not None and bool(host['enabled']) != opts['enabled'])
                or (want_groups and not want_groups & set(host['hsm_groups']))):
            continue
        out.append((x, host))
    return out


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = 'cray.csm.hsm'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(('hsm.yml', 'hsm.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        key = self.get_cache_key(path)
        use_cache = self.get_option('cache') and cache
        answers = None
        if use_cache:
            try:
                answers = self._cache[key]
            except KeyError:
                answers = None
        if answers is None:
            answers = self._read_hsm()
            if self.get_option('cache'):
                self._cache[key] = answers
        self._populate(answers)

    def _read_hsm(self):
        client = CsmClient.from_params(dict((o, self.get_option(o)) for o in CONNECTION_OPTIONS))
        try:
            components = (client.get(hsm_component(), query={'type': 'Node'}) or {}).get('Components')
            groups = client.get(hsm_group()) or []
        except CsmError as e:
            raise AnsibleParserError('cray.csm.hsm could not read HSM at %s: %s' % (client.api_gateway, e)) from None
        return {'components': components or [], 'groups': groups}

    def _populate(self, answers):
        groups = answers['groups']
        labels = set(g['label'] for g in groups)
        unknown = sorted(lowered(self.get_option('hsm_groups')) - labels)
        if unknown:
            raise AnsibleParserError('cray.csm.hsm: HSM has no group %s; it has: %s.' % (
                ', '.join(unknown), ', '.join(sorted(labels)) or 'none'))
        nodes = set(c['ID'] for c in answers['components'])
        unknown = [x for x in canonical_xnames(self.get_option('xnames'))[0] if x not in nodes]
        if unknown:
            raise AnsibleParserError('cray.csm.hsm: HSM has no node %s (xnames); check them with cray hsm state '
                                     'components list --type Node.' % ', '.join(unknown))
        filters = ('role', 'subrole', 'arch', 'state', 'enabled', 'hsm_groups', 'xnames')
        opts = dict((o, self.get_option(o)) for o in filters)
        strict = self.get_option('strict')
        prefix = self.get_option('hsm_group_prefix')
        for xname, hostvars in select(answers['components'], groups, opts):
            self.inventory.add_host(xname)
            for k, v in hostvars.items():
                self.inventory.set_variable(xname, k, v)
            if hostvars['arch']:
                self.inventory.add_group(hostvars['arch'])
                self.inventory.add_child(hostvars['arch'], xname)
            for label in hostvars['hsm_groups']:
                group = self.inventory.add_group(self._sanitize_group_name(prefix + label))
                self.inventory.add_child(group, xname)
            hostvars = self.inventory.get_host(xname).get_vars()
            self._set_composite_vars(self.get_option('compose'), hostvars, xname, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, xname, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, xname, strict=strict)
        for label in sorted(lowered(self.get_option('hsm_groups'))):
            group = self._sanitize_group_name(prefix + label)
            if group not in self.inventory.groups or not self.inventory.groups[group].get_hosts():
                self.inventory.add_group(group)
                self.display.warning('cray.csm.hsm: no member of HSM group %s passes the other filters; its group '
                                     '%s is empty.' % (label, group))
