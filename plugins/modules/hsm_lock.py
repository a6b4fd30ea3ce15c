#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: hsm_lock
short_description: Lock or unlock components in HSM
version_added: 0.1.0
description:
  - Locks components in the Hardware State Manager (C(POST /locks/lock)) or unlocks them (C(POST /locks/unlock)).
    A locked node is left out of PCS power operations, FAS firmware updates and (CSM 1.7 and later) BOS sessions.
  - Reads the lock state of all components with one C(POST /locks/status), then locks or unlocks, in one call,
    only those that need it. HSM answers 400 to locking a locked component; the module never sends that call.
  - When another client changes a lock between the two calls (HSM answers 400 C(Component is Locked) or
    C(Component is Unlocked)), the module reads the state again and finishes the rest.
  - Components HSM does not know fail the task, listing them, before anything changes.
  - Boot a remote build node before locking it; unlock it before rebooting or removing it.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.hsm_lock_info
    description: Read the lock status without changing it.
  - module: cray.csm.ims_remote_node
    description: Register the locked nodes with IMS.
options:
  component_ids:
    description:
      - Component xnames, for example C(x3000c0s19b4n0).
    type: list
    elements: str
    required: true
  state:
    description:
      - V(locked) or V(unlocked).
    type: str
    choices: [locked, unlocked]
    default: locked
  processing_model:
    description:
      - V(rigid) changes all components or none; V(flexible) changes those it can and reports the rest, and then
        the task fails listing them.
    type: str
    choices: [rigid, flexible]
    default: rigid
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.changes
'''

EXAMPLES = r'''
- name: Protect the remote build node from reboots and power operations
  cray.csm.hsm_lock:
    component_ids: [x3000c0s19b4n0]

- name: Unlock it before rebooting it
  cray.csm.hsm_lock:
    component_ids: [x3000c0s19b4n0]
    state: unlocked
'''

RETURN = r'''
components:
  description: Per component, in the order given, its lock state before and after the task.
  returned: always
  type: list
  elements: dict
  contains:
    ID: {description: The component xname., type: str, sample: x3000c0s19b4n0}
    locked_before: {description: Whether it was locked before., type: bool}
    locked_after: {description: Whether it is locked after (predicted in check mode)., type: bool}
  sample: [{"ID": "x3000c0s19b4n0", "locked_before": false, "locked_after": true}]
changed_ids:
  description: The components whose lock state the task changed (would change, in check mode).
  returned: always
  type: list
  elements: str
'''

from ansible_collections.cray.csm.plugins.module_utils.client import HSM, CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.hsm import component_ids_error, lock_status, unique
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule

ALREADY = {True: 'Component is Locked', False: 'Component is Unlocked'}
FLEXIBLE_NOTHING_TO_DO = 'Component is Reserved'  # HSM's answer when flexible finds nothing to change


def change(module, ids, want):
    """Lock or unlock ids in one call; on a race, read the state again and retry the rest once."""
    action = HSM + ('/locks/lock' if want else '/locks/unlock')
    body = dict(ComponentIDs=ids, ProcessingModel=module.params['processing_model'])
    try:
        answer = module.client.post(action, body)
    except CsmApiError as e:
        if e.status != 400 or e.detail not in (ALREADY[want], FLEXIBLE_NOTHING_TO_DO):
            raise
        records = lock_status(module.client, ids)[0]
        ids = [i for i in ids if records.get(i, {}).get('Locked') != want]
        if not ids:
            return []
        body['ComponentIDs'] = ids
        answer = module.client.post(action, body)
    failed = [f for f in (answer or {}).get('Failure') or [] if f.get('Reason') != ('Locked' if want else 'Unlocked')]
    if failed:
        module.fail_json(msg='HSM could not %s: %s.' % ('lock' if want else 'unlock', ', '.join(
            '%s (%s)' % (f.get('ID'), f.get('Reason')) for f in failed)), hsm_answer=answer)
    done = (answer or {}).get('Success', {}).get('ComponentIDs')
    return ids if done is None else done


def main():
    module = CsmModule(
        argument_spec=dict(
            component_ids=dict(type='list', elements='str', required=True),
            state=dict(type='str', choices=['locked', 'unlocked'], default='locked'),
            processing_model=dict(type='str', choices=['rigid', 'flexible'], default='rigid'),
        ),
        supports_check_mode=True,
    )
    ids = unique(module.params['component_ids'])
    error = component_ids_error(ids)
    if error:
        module.fail_json(msg=error)
    want = module.params['state'] == 'locked'
    with module.api_errors():
        records, missing = lock_status(module.client, ids)
        if missing:
            module.fail_json(msg='HSM does not know these components: %s. Nothing was changed; check the '
                             'xnames (cray hsm state components list).' % ', '.join(missing), not_found=missing)
        before = dict((i, bool(records[i].get('Locked'))) for i in ids)
        need = [i for i in ids if before[i] != want]
        changed_ids = need
        if need and not module.check_mode:
            changed_ids = change(module, need, want)
    after = dict(before)
    after.update((i, want) for i in need)
    result = dict(changed=bool(changed_ids), changed_ids=changed_ids, components=[
        dict(ID=i, locked_before=before[i], locked_after=after[i]) for i in ids])
    if module._diff:
        result['diff'] = dict(before=dict((i, {'Locked': before[i]}) for i in need),
                              after=dict((i, {'Locked': after[i]}) for i in need))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
