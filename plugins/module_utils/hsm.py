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

import calendar
import re
import time

from ansible_collections.cray.csm.plugins.module_utils.client import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.paths import hsm_locks
from ansible_collections.cray.csm.plugins.module_utils.xname import COMPONENT_XNAME, canonical_xnames

# HSM's answer (400) to a status read or a change when it knows none of the ids (ErrCompLockV2NotFound)
NOT_FOUND = 'Component not found'
RESERVATIONS_API = hsm_locks('reservations')
# smd releases expired reservations in a loop that sleeps 30 s (hms-smd cmd/smd/smd.go CompReservationCleanup);
# until then the status still says Reserved and HSM refuses to lock or unlock the component.
EXPIRED_KEPT = 30
RFC3339 = re.compile(r'^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|([+-])(\d\d):(\d\d))$')


def component_ids(values):
    """(error message or None, [canonical ids without repeats, in the order given], {given: canonical}
    for the ids that were rewritten). HSM stores and answers canonical xnames only."""
    if not values:
        return ('component_ids is empty: give at least one component xname, for example x3000c0s19b4n0.',
                [], {})
    canonical, rewritten = canonical_xnames(values)
    bad = [v for v, c in zip(values, canonical) if not COMPONENT_XNAME.match(c)]
    if bad:
        return ('Not a component xname: %s. Expected an xname such as x3000c0s19b4n0 (node) or x3000c0s19b4 '
                '(BMC).' % ', '.join(repr(b) for b in bad), [], {})
    return None, unique(canonical), rewritten


def unique(values):
    """values without repeats, in the order given."""
    seen = set()
    return [v for v in values if not (v in seen or seen.add(v))]


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


def expired_since(record, now=None):
    """Seconds since the record's reservation expired (0 or more), or None: not reserved, no expiry, not yet
    expired, or a time this cannot read."""
    m = RFC3339.match(record.get('ExpirationTime') or '') if record.get('Reserved') else None
    if not m:
        return None
    at = calendar.timegm(tuple(int(g) for g in m.groups()[:6]) + (0, 0, 0))
    if m.group(7) != 'Z':
        at -= (1 if m.group(8) == '+' else -1) * (int(m.group(9)) * 3600 + int(m.group(10)) * 60)
    since = (time.time() if now is None else now) - at
    return since if since >= 0 else None


def why_blocked(record):
    """Who holds the component and until when, and what to do about it."""
    x = record['ID']
    if record.get('ReservationDisabled'):
        return ('%s has reservations disabled (an admin ran cray hsm locks disable); enable them again with '
                'cray hsm locks repair create --component-ids %s' % (x, x))
    since = expired_since(record)
    if since is not None:
        return ('%s has a reservation that expired at %s (%d s ago) and that HSM still holds: smd releases expired '
                'reservations about every %d s and refuses locks until then; run again in a minute, or, if it stays, '
                'check that cray-smd is running' % (x, record['ExpirationTime'], since, EXPIRED_KEPT))
    if record.get('ExpirationTime'):
        return ('%s is reserved until %s by a service (PCS, FAS or BOS acting on the node, or an admin through '
                '%s); run again after that time' % (x, record['ExpirationTime'], hsm_locks('service/reservations')))
    since = record.get('CreationTime', 'unknown')
    return ('%s is reserved by an admin with no expiry (since %s); it stays until released (POST %s/release with '
            'its reservation key) or removed (POST %s/remove)' % (x, since, RESERVATIONS_API, RESERVATIONS_API))


# HSM State values in which a node has power and may be running: BOS reboot rather than boot.
ON_STATES = ('On', 'Ready', 'Standby')
