# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HSM (SMD) lock helpers shared by hsm_lock and hsm_lock_info."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.cray.csm.plugins.module_utils.client import HSM

# Any HMS component xname (x<cabinet> then letter+number groups), as HSM's syntax check accepts.
COMPONENT_XNAME = re.compile(r'^x\d+([a-z]+\d+)*$')


def component_ids_error(ids):
    """A message naming bad or missing component ids, or None."""
    if not ids:
        return 'component_ids is empty: give at least one component xname, for example x3000c0s19b4n0.'
    bad = [i for i in ids if not COMPONENT_XNAME.match(i)]
    if bad:
        return ('Not a component xname: %s. Expected an xname such as x3000c0s19b4n0 (node) or x3000c0s19b4 '
                '(BMC).' % ', '.join(repr(b) for b in bad))
    return None


def unique(values):
    """values without repeats, in the order given."""
    seen = set()
    return [v for v in values if not (v in seen or seen.add(v))]


def lock_status(client, ids):
    """One POST /locks/status for all ids: ({id: record}, [ids HSM does not know])."""
    answer = client.post(HSM + '/locks/status', {'ComponentIDs': list(ids)}, safe=True) or {}
    records = dict((c['ID'], c) for c in answer.get('Components') or [])
    return records, list(answer.get('NotFound') or [])


# HSM component fields as the rest of CSM reads them (issue 13: the inventory plugin and the boot plan).
# HSM's Arch as an image architecture (IMS and BOS images, uname -i): X86 -> x86_64, ARM -> aarch64.
IMAGE_ARCH = {'X86': 'x86_64', 'ARM': 'aarch64'}
# States in which a node has power and may be running: BOS reboot rather than boot.
ON_STATES = ('On', 'Ready', 'Standby')
