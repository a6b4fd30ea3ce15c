"""HSM (SMD) v2: locks, reservations and State/Components, as Cray-HPE/hms-smd 7b0dbd2 answers.

Sources (QUIRKS.md Q-HSM-*): cmd/smd/smd-api.go (handlers), pkg/sm/complocks.go (errors, records),
internal/hmsds/hmsds-postgres.go (GetCompLocksV2, UpdateCompLocksV2, the reservation helpers),
internal/hmsds/hmsds-tx-postgres.go (the SQL), internal/hmsds/hmsds-api-filters.go (filter checks),
Cray-HPE/hms-xname xnametypes (NormalizeHMSCompID, VerifyNormalizeType).
"""
import random
import re
import time
import uuid
from datetime import datetime, timezone

from core import ok, problem

P = '/apis/smd/hsm/v2'
# HMS xname syntax, simplified: x<n> followed by <letters><n> groups, or s0 / all
XNAME = re.compile(r'^(s0|x\d+([a-z]+\d+)*)$')
# hms-xname hmsCompRecognitionTable keys (VerifyNormalizeType): lower case -> HMS type
HMS_TYPES = dict((t.lower(), t) for t in (
    'Partition System SMSBox CDU CDUMgmtSwitch CabinetCDU CabinetPDUController CabinetPDU CabinetPDUNic '
    'CabinetPDUOutlet CabinetPDUPowerConnector CEC Cabinet CabinetBMC Chassis ChassisBMC ChassisBMCNic '
    'CMMFpga CMMRectifier ComputeModule StorageGroup Drive NodeFpga NodeBMC NodeBMCNic NodeEnclosure '
    'NodeEnclosurePowerSupply NodePowerConnector HSNBoard Node VirtualNode NodeNic NodeHsnNic NodeAccel '
    'NodeAccelRiser Memory Processor RouterModule RouterFpga RouterTOR RouterTORFpga RouterBMC '
    'RouterBMCNic RouterPowerConnector HSNAsic HSNConnector HSNConnectorPort HSNLink MgmtSwitch '
    'MgmtSwitchConnector MgmtHLSwitchEnclosure MgmtHLSwitch').split())
# hms-base HMSState values (VerifyNormalizeState)
HMS_STATES = dict((s.lower(), s) for s in 'Unknown Empty Populated Off On Standby Halt Ready'.split())
# PostgreSQL boolean input (the Locked / ReservationDisabled filters go to SQL as text)
PG_BOOL = {'true': True, 't': True, 'yes': True, 'y': True, 'on': True, '1': True,
           'false': False, 'f': False, 'no': False, 'n': False, 'off': False, '0': False}
# Go strconv.ParseBool (the Reserved filter)
GO_BOOL = {'1': True, 't': True, 'T': True, 'TRUE': True, 'true': True, 'True': True,
           '0': False, 'f': False, 'F': False, 'FALSE': False, 'false': False, 'False': False}
# CompLockV2Filter body keys -> component fields (complocks.go json tags)
FILTER_FIELDS = (('Type', 'Type'), ('State', 'State'), ('Flag', 'Flag'), ('Role', 'Role'),
                 ('Subrole', 'SubRole'), ('Arch', 'Arch'), ('Class', 'Class'), ('NID', 'NID'))
MAX_DURATION = 15  # minutes (complocks.go VerifyNormalize)


class HsmError(Exception):
    """An answer that ends the request (status, detail), as sendJsonError / sendJsonDBError send it."""

    def __init__(self, status, detail):
        super(HsmError, self).__init__(detail)
        self.status = status
        self.detail = detail


NOT_FOUND = HsmError(400, 'Component not found')
RESERVED = HsmError(400, 'Component is Reserved')


def normalize(xname):
    """hms-xname NormalizeHMSCompID: trim, drop leading zeros of each number, lower case."""
    s = xname.strip()
    out, after_letter = [], True
    for i, ch in enumerate(s):
        if ch == '0' and after_letter and i + 1 < len(s) and s[i + 1].isdigit():
            continue  # a leading zero
        out.append(ch)
        after_letter = not ch.isdigit()
    return ''.join(out).lower()


def load(app):
    comps = {}
    for c in app.seed.get('hsm_components') or []:
        comps[c['ID']] = dict(c)
    gen = app.seed.get('hsm_generate')
    if gen:  # bulk compute nodes by rule, for lock tests on many ids
        for i in range(int(gen['count'])):
            cab = gen.get('cabinet', 9000) + i // 512
            rest = i % 512
            xname = 'x%dc%ds%db%dn%d' % (cab, rest // 64, (rest // 8) % 8, (rest // 2) % 4, rest % 2)
            comps.setdefault(xname, {'ID': xname, 'Type': 'Node', 'State': 'On', 'Flag': 'OK',
                                     'Enabled': True, 'Role': 'Compute', 'NetType': 'Sling',
                                     'Arch': 'X86', 'Class': 'Mountain', 'NID': 100000 + i})
    app.data['hsm'] = comps  # insertion order stands for the table order
    app.data['locks'] = dict((x, {'Locked': False, 'ReservationDisabled': False}) for x in comps)
    app.data['reservations'] = {}  # xname -> {CreationTime, ExpirationTime, expires, DeputyKey, ReservationKey}


def expire(app):
    """HSM drops expired reservations in a background loop that sleeps 30 s between rounds (hms-smd
    cmd/smd/smd.go CompReservationCleanup, DeleteCompReservationsExpired): until its next round an expired
    reservation is still listed and still refuses locks. The round length is the config key
    hsm_reservation_cleanup_seconds."""
    now = time.time()
    if now - app.data.setdefault('reaped_at', now) < float(app.config.get('hsm_reservation_cleanup_seconds', 30)):
        return
    app.data['reaped_at'] = now
    res = app.data['reservations']
    for x in [x for x, r in res.items() if r['expires'] is not None and r['expires'] <= now]:
        del res[x]


def _rfc3339(t):
    return datetime.fromtimestamp(int(t), timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def lock_record(app, xname):
    """CompLockV2: CreationTime / ExpirationTime only while reserved (omitempty; an admin
    reservation has no ExpirationTime)."""
    lk = app.data['locks'][xname]
    rec = {'ID': xname, 'Locked': lk['Locked'], 'Reserved': False,
           'ReservationDisabled': lk['ReservationDisabled']}
    r = app.data['reservations'].get(xname)
    if r:
        rec['Reserved'] = True
        rec['CreationTime'] = r['CreationTime']
        if r['ExpirationTime']:
            rec['ExpirationTime'] = r['ExpirationTime']
    return rec


def component_record(app, xname):
    """base.Component: Locked and ReservationDisabled are omitempty, present only when true."""
    rec = dict(app.data['hsm'][xname])
    lk = app.data['locks'][xname]
    for k in ('ReservationDisabled', 'Locked'):
        rec.pop(k, None)
        if lk[k]:
            rec[k] = True
    return rec


def _body(req, required=()):
    """The JSON body as Go's json.Unmarshal into the filter struct takes it: else 500."""
    try:
        body = req.json()
    except ValueError:
        raise HsmError(500, 'error decoding JSON unexpected end of JSON input') from None
    if not isinstance(body, dict):
        raise HsmError(500, 'error decoding JSON json: cannot unmarshal %s into Go value'
                       % type(body).__name__)
    for k, v in body.items():
        if k in ('ProcessingModel',) and not isinstance(v, str):
            raise HsmError(500, 'error decoding JSON json: cannot unmarshal into field %s' % k)
        if k == 'ReservationDuration' and (not isinstance(v, int) or isinstance(v, bool)):
            raise HsmError(500, 'error decoding JSON json: cannot unmarshal into field %s' % k)
        if k in ('ComponentIDs', 'Locked', 'Reserved', 'ReservationDisabled') + tuple(
                f for f, _unused in FILTER_FIELDS) and v is not None and not (
                isinstance(v, list) and all(isinstance(i, str) for i in v)):
            raise HsmError(500, 'error decoding JSON json: cannot unmarshal into field %s of type []string' % k)
    return body


def _model(body):
    """complocks.go VerifyNormalize: ProcessingModel (default rigid) and ReservationDuration <= 15."""
    model = (body.get('ProcessingModel') or 'rigid').lower()
    if model not in ('rigid', 'flexible'):
        raise HsmError(400, 'Invalid Processing Model')
    if int(body.get('ReservationDuration') or 0) > MAX_DURATION:
        raise HsmError(400, 'Invalid Reservation Duration')
    return model


def _values(values, table, error):
    out = []
    for v in values or []:
        neg = v.startswith('!')
        name = table.get(v.lstrip('!').lower())
        if name is None:
            raise HsmError(400, error)
        out.append(('!' if neg else '') + name)
    return out


def _pg_bools(values, error_detail):
    out = []
    for v in values or []:
        if v.strip().lower() not in PG_BOOL:
            raise HsmError(500, error_detail)  # PostgreSQL rejects the cast
        out.append(PG_BOOL[v.strip().lower()])
    return out


def _matches(value, wanted):
    """whereComponentCol: any positive value matches, no negated one does."""
    value = str(value if value is not None else '').lower()
    pos = [w.lower() for w in wanted if not w.startswith('!')]
    neg = [w[1:].lower() for w in wanted if w.startswith('!')]
    return (not pos or value in pos) and value not in neg


def select(app, flt, db_error='operation \'POST\' failed during store.'):
    """GetComponentsFilterTx: (normalised ids as given, matching xnames in table order).
    The ids are normalised in place (checkFilterField), so NotFound lists canonical ids."""
    ids = []
    for x in flt.get('ComponentIDs') or []:
        n = normalize(x)
        if not XNAME.match(n):
            raise HsmError(400, 'Argument was not a valid xname ID')
        ids.append(n)
    types = _values(flt.get('Type'), HMS_TYPES, 'Argument was not a valid HMS Type')
    states = _values(flt.get('State'), HMS_STATES, 'Argument was not a valid HMS State')
    locked = _pg_bools(flt.get('Locked'), db_error)
    disabled = _pg_bools(flt.get('ReservationDisabled'), db_error)
    enabled = _enabled_filter(flt.get('Enabled'))
    wanted = set(ids)
    out = []
    for x, c in app.data['hsm'].items():
        lk = app.data['locks'][x]
        if ids and x not in wanted:
            continue
        if types and not _matches(c.get('Type'), types) or states and not _matches(c.get('State'), states):
            continue
        if not all(_matches(c.get(field), flt.get(key) or []) for key, field in FILTER_FIELDS
                   if key not in ('Type', 'State')):
            continue
        if locked and lk['Locked'] not in locked or disabled and lk['ReservationDisabled'] not in disabled:
            continue
        if enabled and not _matches(str(c.get('Enabled', True)).lower(), enabled):
            continue
        out.append(x)
    return ids, out


def _enabled_filter(values):
    """The enabled filter as smd reads it (internal/hmsds/query-shared.go doQueryArg("enabled", strToDbBool)):
    true/t/1 and false/f/0 in any case, each may be negated with a leading !; anything else is
    ErrHMSDSArgNoMatch."""
    out = []
    for v in values or []:
        neg, word = ('!', v[1:]) if v.startswith('!') else ('', v)
        if word.lower() not in ('true', 't', '1', 'false', 'f', '0'):
            raise HsmError(400, 'a required argument did not match any valid input')
        out.append(neg + ('true' if word.lower() in ('true', 't', '1') else 'false'))
    return out


def _reserved_filter(flt):
    """The Reserved filter: only its first value counts (strconv.ParseBool)."""
    values = flt.get('Reserved')
    if not values:
        return None
    if values[0] not in GO_BOOL:
        raise HsmError(400, 'Argument was not valid')
    return GO_BOOL[values[0]]


def lock_status(app, flt, db_error):
    """GetCompLocksV2: records in table order; none -> Component not found."""
    ids, found = select(app, flt, db_error)
    reserved = _reserved_filter(flt)
    records = [lock_record(app, x) for x in found]
    if reserved is not None:
        records = [r for r in records if r['Reserved'] == reserved]
    if not records:
        raise NOT_FOUND
    return ids, records


def update_result(success, failure):
    return {'Counts': {'Total': len(success) + len(failure), 'Success': len(success), 'Failure': len(failure)},
            'Success': {'ComponentIDs': success}, 'Failure': failure}


def screen(found, model, refusal):
    """(accepted xnames, Failure entries): refusal(x) gives (Reason, error) or None. Table order: in rigid
    mode the first refused component's error is the answer."""
    accepted, failure = [], []
    for x in found:
        refused = refusal(x)
        if refused and model == 'rigid':
            raise HsmError(400, refused[1])
        if refused:
            failure.append({'ID': x, 'Reason': refused[0]})
        else:
            accepted.append(x)
    return accepted, failure


def change_locks(app, flt, action):
    """UpdateCompLocksV2 for Lock, Unlock, Disable, Repair."""
    model = _model(flt)
    found = select(app, flt)[1]
    if not found:
        raise NOT_FOUND
    locks = app.data['locks']
    if action in ('Disable', 'Repair'):
        disable = action == 'Disable'
        for x in found:
            if disable:  # disabling releases the component's reservations first
                app.data['reservations'].pop(x, None)
            locks[x]['ReservationDisabled'] = disable
        return update_result(list(found), [])
    want = action == 'Lock'

    def refusal(x):
        if locks[x]['Locked'] == want:  # checked last in the code: it wins over Disabled
            return ('Locked', 'Component is Locked') if want else ('Unlocked', 'Component is Unlocked')
        if locks[x]['ReservationDisabled']:
            return 'Disabled', 'Component reservations are disabled'
        return None
    keys, failure = screen(found, model, refusal)
    # GetCompReservationsTx(keys, force=true): with no keys it reads every reservation
    reserved = [x for x in app.data['reservations'] if not keys or x in keys]
    if reserved:
        if model == 'rigid':
            raise RESERVED
        failure += [{'ID': x, 'Reason': 'Reserved'} for x in reserved]
    affected = [x for x in keys if x not in reserved]
    if not affected:
        raise RESERVED  # also what flexible answers when nothing is left to change
    random.shuffle(affected)  # ranged over a Go map: no order to rely on
    for x in affected:
        locks[x]['Locked'] = want
    return update_result(affected, failure)


def _keys(body, field):
    """CompLockV2Key VerifyNormalize: ID normalised (else 400), Key lower case."""
    keys = body.get(field) or []
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise HsmError(500, 'error decoding JSON json: cannot unmarshal into field %s' % field)
    out = []
    for k in keys:
        x = normalize(str(k.get('ID') or ''))
        if not XNAME.match(x):
            raise HsmError(400, 'got HMSTypeInvalid instead of valid type')
        out.append({'ID': x, 'Key': str(k.get('Key') or '').lower()})
    return out


def create_reservations(app, flt, duration):
    """insertCompReservationsHelper: admin (duration 0) needs the component locked, a service
    reservation (1-15 minutes) needs it unlocked; an existing reservation is kept (ON CONFLICT DO NOTHING)."""
    model = _model(flt)
    found = select(app, flt)[1]
    if not found:
        raise NOT_FOUND
    locks, res = app.data['locks'], app.data['reservations']

    def refusal(x):
        if locks[x]['ReservationDisabled']:
            return 'Disabled', 'Component reservations are disabled'
        if duration == 0 and not locks[x]['Locked']:
            return 'Unlocked', 'Component is Unlocked'
        if duration != 0 and locks[x]['Locked']:
            return 'Locked', 'Component is Locked'
        return None
    insert, failure = screen(found, model, refusal)
    taken = [x for x in insert if x in res]
    if taken and model == 'rigid':
        raise RESERVED
    now = time.time()
    success = []
    for x in insert:
        if x in taken:
            failure.append({'ID': x, 'Reason': 'Reserved'})
            continue
        r = {'CreationTime': _rfc3339(now), 'expires': now + 60 * duration if duration else None,
             'DeputyKey': '%s:dk:%s' % (x, uuid.uuid4()), 'ReservationKey': '%s:rk:%s' % (x, uuid.uuid4())}
        r['ExpirationTime'] = _rfc3339(r['expires']) if duration else None
        res[x] = r
        entry = {'ID': x, 'DeputyKey': r['DeputyKey'], 'ReservationKey': r['ReservationKey']}
        if duration:
            entry['ExpirationTime'] = r['ExpirationTime']
        success.append(entry)
    return {'Success': success, 'Failure': failure}


def _by_keys(app, keys, model, key_field, renew=None):
    """deleteCompReservationsHelper / UpdateCompReservations with keys: rigid is all or nothing."""
    if not keys or any(not k['Key'] for k in keys):
        err = 'Reservation Key required for operation' if not keys else 'Deputy Key required for operation'
        if model == 'rigid' or not keys:
            raise HsmError(400, err)
        return update_result([], [{'ID': k['ID'], 'Reason': 'ServerError'} for k in keys])
    res = app.data['reservations']
    hits = [k for k in keys if k['ID'] in res and res[k['ID']][key_field] == k['Key']
            and (renew is None or res[k['ID']]['expires'] is not None)]
    if len(hits) != len(keys) and model == 'rigid':
        raise NOT_FOUND
    for k in hits:
        if renew is None:
            del res[k['ID']]
        else:
            res[k['ID']]['expires'] = time.time() + 60 * renew
            res[k['ID']]['ExpirationTime'] = _rfc3339(res[k['ID']]['expires'])
    hit_ids = [k['ID'] for k in hits]
    return update_result(hit_ids, [{'ID': k['ID'], 'Reason': 'NotFound'} for k in keys if k not in hits])


def register(app):
    app.loaders.append(load)
    app.tickers.append(expire)

    @app.route('POST', '/_sim/hsm/reservations/expire', auth=False)
    def expire_now(app, req):
        """Control: the service reservations of ComponentIDs expired `ago` seconds ago (default 0), and smd's
        cleanup round has just begun its sleep."""
        b = req.json()
        with app.lock:
            app.data['reaped_at'] = time.time()  # the cleanup loop has just gone to sleep
            for x in b['ComponentIDs']:
                r = app.data['reservations'][x]
                r['expires'] = time.time() - float(b.get('ago') or 0)
                r['ExpirationTime'] = _rfc3339(r['expires'])
        return ok({'ComponentIDs': b['ComponentIDs']})

    def route(method, path):
        """An HSM handler: HsmError becomes the problem+json answer."""
        def deco(fn):
            def handler(app, req, **kw):
                try:
                    with app.lock:
                        return fn(app, req, **kw)
                except HsmError as e:
                    return problem(e.status, e.detail)
            return app.route(method, P + path)(handler)
        return deco

    @route('POST', '/locks/status')
    def status_post(app, req):
        flt = _body(req)
        _model(flt)
        ids, records = lock_status(app, flt, 'operation \'POST\' failed during store.')
        answer = {'Components': records}
        if len(records) != len(ids):
            known = set(r['ID'] for r in records)
            missing = [x for x in ids if x not in known]
            if missing:  # NotFound is omitempty
                answer['NotFound'] = missing
        return ok(answer)

    @route('GET', '/locks/status')
    def status_get(app, req):
        # r.Form goes through json.Unmarshal: the keys match the fields case-insensitively
        q = dict((k.lower(), v) for k, v in req.query.items())
        flt = {'Type': q.get('type'), 'State': q.get('state'), 'Role': q.get('role'),
               'Subrole': q.get('subrole'), 'Locked': q.get('locked'), 'Reserved': q.get('reserved'),
               'ReservationDisabled': q.get('reservationdisabled')}
        if flt['Reserved'] and flt['Reserved'][0] not in GO_BOOL:
            raise HsmError(400, "bad 'Reserved' query parameter: " + flt['Reserved'][0])
        try:
            records = lock_status(app, flt, 'operation \'GET\' failed during query.')[1]
        except HsmError as e:
            if e is not NOT_FOUND:
                raise
            records = []  # 7b0dbd2: an empty list when nothing matches
        return ok({'Components': records})

    for action in ('Lock', 'Unlock', 'Disable', 'Repair'):
        route('POST', '/locks/' + action.lower())(
            lambda app, req, action=action: ok(change_locks(app, _body(req), action)))

    @route('POST', '/locks/reservations')
    def admin_reserve(app, req):
        return ok(create_reservations(app, _body(req), 0))  # the duration is ignored (set to 0)

    @route('POST', '/locks/service/reservations')
    def service_reserve(app, req):
        flt = _body(req)
        _model(flt)
        duration = int(flt.get('ReservationDuration') or 0)
        if duration <= 0:
            raise HsmError(400, 'ReservationDuration must be greater than 0')
        return ok(create_reservations(app, flt, duration))

    @route('POST', '/locks/reservations/remove')
    def admin_remove(app, req):
        flt = _body(req)
        model = _model(flt)
        found = select(app, flt)[1]
        if not found:
            raise NOT_FOUND
        res = app.data['reservations']
        held = [x for x in found if x in res]
        if len(held) != len(found) and model == 'rigid':
            raise NOT_FOUND
        for x in held:
            del res[x]
        return ok(update_result(held, [{'ID': x, 'Reason': 'NotFound'} for x in found if x not in held]))

    def release(app, req):
        body = _body(req)
        return ok(_by_keys(app, _keys(body, 'ReservationKeys'), _model(body), 'ReservationKey'))

    route('POST', '/locks/reservations/release')(release)
    route('POST', '/locks/service/reservations/release')(release)

    @route('POST', '/locks/service/reservations/renew')
    def renew(app, req):
        body = _body(req)
        model = _model(body)
        duration = int(body.get('ReservationDuration') or 0)
        if duration <= 0:
            raise HsmError(400, 'ReservationDuration must be greater than 0')
        return ok(_by_keys(app, _keys(body, 'ReservationKeys'), model, 'ReservationKey', renew=duration))

    @route('POST', '/locks/service/reservations/check')
    def check(app, req):
        keys = _keys(_body(req), 'DeputyKeys')
        if not keys or any(not k['Key'] for k in keys):
            raise HsmError(400, 'Deputy Key required for operation')
        res = app.data['reservations']
        success, failure = [], []
        for k in keys:
            r = res.get(k['ID'])
            if r and r['DeputyKey'] == k['Key']:
                entry = {'ID': k['ID'], 'DeputyKey': r['DeputyKey'], 'CreationTime': r['CreationTime']}
                if r['ExpirationTime']:
                    entry['ExpirationTime'] = r['ExpirationTime']
                success.append(entry)
            else:
                failure.append({'ID': k['ID'], 'Reason': 'NotFound'})
        return ok({'Success': success, 'Failure': failure})

    @route('GET', '/State/Components')
    def components(app, req):
        flt = {'ComponentIDs': req.query.get('id'), 'Type': req.query.get('type'),
               'State': req.query.get('state'), 'Role': req.query.get('role'), 'Arch': req.query.get('arch'),
               'Flag': req.query.get('flag'), 'Class': req.query.get('class'), 'Enabled': req.query.get('enabled')}
        try:
            found = select(app, flt)[1]
        except HsmError as e:
            raise HsmError(e.status, 'bad query param: ' + e.detail) from None
        return ok({'Components': [component_record(app, x) for x in found]})

    @route('GET', '/State/Components/(?P<xname>[^/]+)')
    def component(app, req, xname):
        x = normalize(xname)  # no syntax check here: an invalid name is just not found
        if x not in app.data['hsm']:
            return problem(404, 'no such xname.')
        return ok(component_record(app, x))


def set_state(app, xname, state):
    """Called by BOS at session end."""
    c = app.data['hsm'].get(xname)
    if c is not None:
        c['State'] = state


# -- HSM groups (issue 13: the cray.csm.hsm inventory plugin reads them) --------------------------
# Kept apart from the lock and component routes above. As hms-smd does (Cray-HPE/hms-smd
# pkg/sm/groups.go, Group.Normalize/Verify): labels and tags are lower case and match
# ^[-a-z0-9:._]+$, member ids are normalised xnames, exclusiveGroup and tags are left out when empty.
GROUP_FIELD = re.compile(r'^[-a-z0-9:._]+$')


def load_groups(app):
    groups = {}
    for g in app.seed.get('hsm_groups') or []:
        label = g['label'].lower()
        rec = {'label': label, 'description': g.get('description', ''),
               'members': {'ids': [x.lower() for x in g.get('members') or []]}}
        if g.get('exclusiveGroup'):
            rec['exclusiveGroup'] = g['exclusiveGroup'].lower()
        if g.get('tags'):
            rec['tags'] = [t.lower() for t in g['tags']]
        groups[label] = rec
    app.data['hsm_groups'] = groups


def register_groups(app):
    app.loaders.append(load_groups)

    def fields(req, name):
        values = [v.lower() for v in req.query.get(name) or []]
        bad = [v for v in values if not GROUP_FIELD.match(v)]
        return values, bad

    @app.route('GET', P + '/groups')
    def groups_list(app, req):
        labels, bad = fields(req, 'group')
        tags, bad_tags = fields(req, 'tag')
        if bad or bad_tags:
            return problem(400, 'group or partition field has invalid characters')
        out = [g for k, g in sorted(app.data['hsm_groups'].items())
               if (not labels or k in labels) and (not tags or set(tags) & set(g.get('tags') or []))]
        return ok(out)

    @app.route('GET', P + '/groups/(?P<label>[^/]+)')
    def group_get(app, req, label):
        g = app.data['hsm_groups'].get(label.lower())
        if g is None:
            return problem(404, 'No such group: %s' % label)
        return ok(g)
