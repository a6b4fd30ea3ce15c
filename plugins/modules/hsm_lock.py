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
  - Every xname is first written the way HSM stores it (lower case, no leading zeros, for example
    C(X3000C0S19B04N0) becomes C(x3000c0s19b4n0)); the results name the canonical ids and RV(rewritten_ids) says
    which were rewritten. Repeated ids count once.
  - Components HSM does not know fail the task, listing them, before anything changes (HSM itself would change
    the known ones and silently skip the others).
  - HSM refuses to lock or unlock a component that is reserved (PCS, FAS and BOS reserve a node for a few minutes
    while they act on it, an admin with no expiry) or whose reservations are disabled. The module reads that in
    the status answer and fails before any change, naming each such component, who may hold it and until when.
    With O(processing_model=flexible) it first changes the others.
  - When another client changes a lock between the two calls (HSM answers 400 C(Component is Locked) or
    C(Component is Unlocked)), the module reads the state again and finishes the rest. When another client
    reserves a component or disables its reservations meanwhile (HSM's bare 400 C(Component is Reserved) or
    C(Component reservations are disabled) names no component), it reads the state again and fails as the
    first check does, naming each such component.
  - HSM keeps an expired reservation until its cleanup loop releases it, about every 30 seconds, and refuses to
    lock or unlock the component until then. The module waits that out (at most about 35 seconds, reading the
    status every 2 seconds) when every component in the way holds only such an expired reservation; one that
    expired longer ago fails the task, saying so.
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
        the task fails listing them (RV(changed_ids) names those it changed).
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
  description: Per component (canonical id), in the order given, its lock state before and after the task.
  returned: always
  type: list
  elements: dict
  contains:
    ID: {description: The component xname as HSM stores it., type: str, sample: x3000c0s19b4n0}
    locked_before: {description: Whether it was locked before., type: bool}
    locked_after: {description: Whether it is locked after (predicted in check mode)., type: bool}
  sample: [{"ID": "x3000c0s19b4n0", "locked_before": false, "locked_after": true}]
changed_ids:
  description: The components whose lock state the task changed (would change, in check mode), in the order
    given; also when the task fails after a change.
  returned: always
  type: list
  elements: str
rewritten_ids:
  description: The given ids that HSM stores under another name, each with its canonical id.
  returned: always
  type: dict
  sample: {"X3000C0S19B04N0": "x3000c0s19b4n0"}
not_found:
  description: The components HSM does not know (the task failed and changed nothing).
  returned: failure
  type: list
  elements: str
blocked:
  description: The lock status records of the components HSM refuses to change (reserved, or reservations
    disabled); the task failed naming them.
  returned: failure
  type: list
  elements: dict
  sample: [{"ID": "x3000c0s19b3n0", "Locked": false, "Reserved": true, "CreationTime": "2026-12-01T09:41:29Z",
            "ExpirationTime": "2026-12-01T09:46:29Z", "ReservationDisabled": false}]
'''

import time

from ansible_collections.cray.csm.plugins.module_utils.client import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.hsm import (EXPIRED_KEPT, blocked, component_ids, expired_since,
                                                                   lock_status, named, why_blocked)
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
from ansible_collections.cray.csm.plugins.module_utils.paths import hsm_locks

ALREADY = {True: 'Component is Locked', False: 'Component is Unlocked'}
# HSM's 400s when another client reserved a component or disabled its reservations after our status read (rigid),
# or when flexible changed nothing, whatever the reason ('Component is Reserved' then too)
HELD = ('Component is Reserved', 'Component reservations are disabled')


class Refused(Exception):
    """HSM refuses (or refused) some components; changed_ids are those changed before."""

    def __init__(self, message, changed_ids, **result):
        super(Refused, self).__init__(message)
        self.changed_ids = changed_ids
        self.result = result


def refusal(verb, held, changed_ids=()):
    """Refused for the held status records, naming who may hold each and until when."""
    done = 'Changed %s; ' % ', '.join(changed_ids) if changed_ids else 'Nothing was changed: '
    return Refused('%sHSM refuses to %s these components: %s.' % (done, verb, '; '.join(why_blocked(r) for r in held)),
                   list(changed_ids), blocked=held)


def held_after_expiry(module, records, ids):
    """The blocked records of ids, after waiting (at most EXPIRED_KEPT s and a little) while every one of them
    is a reservation that has expired but that smd has not released yet; the records read last."""
    def releasing(record):  # expired, and smd's cleanup is still to come
        since = expired_since(record)
        return not record.get('ReservationDisabled') and since is not None and since <= EXPIRED_KEPT + 5
    held = blocked(records, ids)
    deadline = time.time() + EXPIRED_KEPT + 5
    while held and time.time() < deadline and all(releasing(r) for r in held):
        module.report_progress('waiting for HSM to release the expired reservation of %s'
                               % ', '.join(r['ID'] for r in held))
        time.sleep(2)
        records = lock_status(module.client, ids)[0]
        held = blocked(records, [i for i in ids if i in records])
    return held, records


def change(module, ids, want, verb):
    """Lock or unlock ids in one call; the ids it changed, in the order given. On a race (another client
    changed a lock, reserved a component or disabled its reservations meanwhile) read the state again:
    refuse as the first check does, or send the rest once."""
    action = hsm_locks('lock' if want else 'unlock')
    retry = [ALREADY[want]] + list(HELD)
    body = dict(ComponentIDs=ids, ProcessingModel=module.params['processing_model'])
    raced = False
    try:
        answer = module.client.post(action, body)
    except CsmApiError as e:
        if e.status != 400 or e.detail not in retry:
            raise
        raced = True  # nothing changed: another client was faster
    if raced:
        records = lock_status(module.client, ids)[0]
        ids = [i for i in ids if i in records and bool(records[i].get('Locked')) != want]
        held = held_after_expiry(module, records, ids)[0]
        if held:
            raise refusal(verb, held)
        if not ids:
            return []
        body['ComponentIDs'] = ids
        answer = module.client.post(action, body)
    answer = answer or {}
    success = answer.get('Success')
    done = set(ids if success is None else success.get('ComponentIDs') or [])
    changed_ids = [i for i in ids if i in done]  # HSM's own order is a Go map's
    failures = answer.get('Failure') or []
    # already in the wanted state: another client did it, not a failure
    failed = ['%s (%s)' % (f.get('ID'), f.get('Reason')) for f in failures
              if f.get('Reason') != ('Locked' if want else 'Unlocked')]
    answered = done | set(f.get('ID') for f in failures)
    failed += ['%s (not in the answer: HSM no longer knows it?)' % i for i in ids if i not in answered]
    if failed:
        raise Refused('%sHSM did not %s: %s.' % ('Changed %s; ' % ', '.join(changed_ids) if changed_ids else '',
                                                 verb, ', '.join(failed)), changed_ids, hsm_answer=answer)
    return changed_ids


ARGUMENTS = dict(
    component_ids=dict(type='list', elements='str', required=True),
    state=dict(type='str', choices=['locked', 'unlocked'], default='locked'),
    processing_model=dict(type='str', choices=['rigid', 'flexible'], default='rigid'))


def apply(module, records, need, want, verb):
    """Lock or unlock the ids in `need` (in check mode: predict it); the ids changed. Raises Refused for
    components HSM would refuse: before anything changes (rigid), or after the others changed (flexible)."""
    held, records = held_after_expiry(module, records, need)
    held_ids = set(r['ID'] for r in held)
    free = [i for i in need if i not in held_ids]
    if held and module.params['processing_model'] == 'rigid':
        raise refusal(verb, held)
    changed_ids = free
    if free and not module.check_mode:
        changed_ids = change(module, free, want, verb)
    if held:  # flexible: the others are changed, then the task fails naming these
        raise refusal(verb, held, changed_ids)
    return changed_ids


def exit_changed(module, ids, before, after, changed_ids, rewritten):
    result = dict(changed=bool(changed_ids), changed_ids=changed_ids, rewritten_ids=rewritten, components=[
        dict(ID=i, locked_before=before[i], locked_after=after[i]) for i in ids])
    if module._diff:
        result['diff'] = dict(before=dict((i, {'Locked': before[i]}) for i in changed_ids),
                              after=dict((i, {'Locked': after[i]}) for i in changed_ids))
    module.exit_json(**result)


def main():
    module = CsmModule(argument_spec=ARGUMENTS, supports_check_mode=True)
    error, ids, rewritten = component_ids(module.params['component_ids'])
    if error:
        module.fail_json(msg=error)
    want = module.params['state'] == 'locked'
    verb = 'lock' if want else 'unlock'
    with module.api_errors():
        records, missing = lock_status(module.client, ids)
        if missing:
            module.fail_json(msg='HSM does not know these components: %s. Nothing was changed; check the '
                             'xnames (cray hsm state components list).' % named(missing, rewritten),
                             not_found=missing, changed=False, changed_ids=[], rewritten_ids=rewritten)
        before = dict((i, bool(records[i].get('Locked'))) for i in ids)
        need = [i for i in ids if before[i] != want]
        try:
            changed_ids = apply(module, records, need, want, verb)
        except Refused as e:
            module.fail_json(msg=str(e), changed=bool(e.changed_ids), changed_ids=e.changed_ids,
                             rewritten_ids=rewritten, **e.result)
    after = dict(before)
    after.update((i, want) for i in need)  # those not in changed_ids another client changed meanwhile
    exit_changed(module, ids, before, after, changed_ids, rewritten)


if __name__ == '__main__':
    main()
