#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: sls_network_info
short_description: Read an SLS network and its IP reservations by name
version_added: 0.1.0
description:
  - Reads C(GET /apis/sls/v1/networks/{name}), for example C(NMNLB), and indexes the IP reservations of all
    its subnets by name, so that the unbound DNS address is C(reservations.unbound.IPAddress).
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.hsm_component_info
    description: The HSM state of a node.
options:
  name:
    description: SLS network name, for example C(NMNLB), C(NMN), C(HMN).
    type: str
    required: true
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.info_module
'''

EXAMPLES = r'''
- name: The unbound DNS server of the NMN (Configure a Remote Build Node, storage section)
  cray.csm.sls_network_info:
    name: NMNLB
  register: nmnlb

- name: Use it
  ansible.builtin.debug:
    msg: "NETCONFIG_DNS_STATIC_SERVERS={{ nmnlb.reservations.unbound.IPAddress }}"
'''

RETURN = r'''
network:
  description: The SLS network (C(Name), C(FullName), C(IPRanges), C(Type), C(ExtraProperties) with C(Subnets)).
  returned: always
  type: dict
reservations:
  description:
    - Every IP reservation of every subnet, by C(Name), each with an added C(Subnet) (the subnet's name).
    - A name reserved in two subnets keeps the first.
  returned: always
  type: dict
  sample: {unbound: {Name: unbound, IPAddress: 10.92.100.225, Aliases: [unbound], Comment: unbound,
                     Subnet: nmn_metallb_address_pool}}
'''

from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
from ansible_collections.cray.csm.plugins.module_utils.paths import sls_network


def reservations_by_name(network):
    found = {}
    for subnet in (network.get('ExtraProperties') or {}).get('Subnets') or []:
        for r in subnet.get('IPReservations') or []:
            if r.get('Name') and r['Name'] not in found:
                found[r['Name']] = dict(r, Subnet=subnet.get('Name'))
    return found


def main():
    module = CsmModule(argument_spec=dict(name=dict(type='str', required=True)), supports_check_mode=True)
    name = module.params['name']
    with module.api_errors():
        try:
            network = module.client.get(sls_network(name))
        except CsmApiError as e:
            if not e.not_found:
                raise
            names = [n.get('Name') for n in module.client.get(sls_network()) or []]
            module.fail_json(msg='SLS has no network %s; it has: %s.' % (name, ', '.join(sorted(names))),
                             failure=e.to_dict())
    module.exit_json(changed=False, network=network, reservations=reservations_by_name(network))


if __name__ == '__main__':
    main()
