# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HSM (SMD) lock helpers shared by hsm_lock and hsm_lock_info.

HSM's behaviour here is Cray-HPE/hms-smd's: ``cmd/smd/smd-api.go`` ``doCompLocksStatus`` and
``internal/hmsds/hmsds-postgres.go`` ``GetCompLocksV2`` / ``UpdateCompLocksV2``.

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.paths import hsm_locks

# HSM's answer (400) to a status read or a change when it knows none of the ids (ErrCompLockV2NotFound)
NOT_FOUND = 'Component not found'
RESERVATIONS_API = hsm_locks('reservations')


def lock_status(client, ids):
    """One POST /locks/status for all (canonical) ids: ({id: record}, [ids HSM does not know, in order]).
    HSM answers 400 "Component not found" when it knows none of them, and lists NotFound only when
    it knows some; so the unknown ones are what the records lack."""
    try:
        answer = client.post(hsm_locks('status'), {'ComponentIDs': list(ids)}, safe=True) or {}
    except CsmApiError as e:
        if e.status == 400 and e.detail == NOT_FOUND:
            return {}, list(ids)
        raise
    records = dict((c['ID'], c) for c in answer.get('Components') or [])
    return records, [i for i in ids if i not in records]


def named(ids, rewritten):
    """The ids for a message, each rewritten one with the name it was given."""
    given = dict((c, g) for g, c in rewritten.items())
    return ', '.join('%s (given as %s)' % (i, given[i]) if i in given else i for i in ids)


def blocked(records, ids):
    """The status records of the ids whose lock HSM refuses to change: reserved, or with reservations
    disabled (HSM answers 400 "Component is Reserved" / "Component reservations are disabled")."""
    return [records[i] for i in ids if records[i].get('Reserved') or records[i].get('ReservationDisabled')]


def why_blocked(record):
    """Who holds the component and until when, and what to do about it."""
    x = record['ID']
    if record.get('ReservationDisabled'):
        return ('%s has reservations disabled (an admin ran cray hsm locks disable); enable them again with '
                'cray hsm locks repair create --component-ids %s' % (x, x))
    if record.get('ExpirationTime'):
        return ('%s is reserved until %s by a service (PCS, FAS or BOS acting on the node, or an admin through '
                '%s); run again after that time' % (x, record['ExpirationTime'], hsm_locks('service/reservations')))
    since = record.get('CreationTime', 'unknown')
    return ('%s is reserved by an admin with no expiry (since %s); it stays until released (POST %s/release with '
            'its reservation key) or removed (POST %s/remove)' % (x, since, RESERVATIONS_API, RESERVATIONS_API))


# HSM State values in which a node has power and may be running: BOS reboot rather than boot.
ON_STATES = ('On', 'Ready', 'Standby')
