"""HSM (SMD) v2: locks and State/Components (Cray-HPE/hms-smd cmd/smd/smd-api.go, pkg/sm/complocks.go,
internal/hmsds/hmsds-postgres.go)."""
import re

from core import ok, problem

P = '/apis/smd/hsm/v2'
# HMS xname syntax, simplified: x<n> followed by <letters><n> groups, or s0 / all
XNAME = re.compile(r'^(s0|x\d+([a-z]+\d+)*)$')


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
    app.data['hsm'] = comps
    app.data['locks'] = dict((x, {'Locked': False, 'Reserved': False,
                                  'ReservationDisabled': False}) for x in comps)


def lock_record(app, xname):
    lk = app.data['locks'][xname]
    rec = {'ID': xname, 'Locked': lk['Locked'], 'Reserved': lk['Reserved'],
           'ReservationDisabled': lk['ReservationDisabled']}
    if lk['Reserved']:
        rec['CreatedTime'] = lk.get('CreatedTime')
        rec['ExpirationTime'] = lk.get('ExpirationTime')
    return rec


def _match(comp, field, values):
    if not values:
        return True
    return str(comp.get(field, '')).lower() in [str(v).lower() for v in values]


def _select(app, body):
    """Targets of an AdminLock body: ComponentIDs, narrowed by Type/State/Role/... filters."""
    ids = body.get('ComponentIDs') or []
    comps = app.data['hsm']
    filters = [('Type', body.get('Type')), ('State', body.get('State')), ('Role', body.get('Role')),
               ('SubRole', body.get('Subrole')), ('Flag', body.get('Flag')), ('Arch', body.get('Arch')),
               ('Class', body.get('Class')), ('NID', body.get('NID'))]
    if not ids and not any(v for _unused, v in filters):
        return None, []
    if not ids:
        ids = sorted(comps)
    missing = [x for x in ids if x not in comps]
    found = [x for x in ids if x in comps and all(_match(comps[x], f, v) for f, v in filters)]
    return found, missing


def register(app):
    app.loaders.append(load)

    def change(app, req, to_lock):
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'error decoding JSON unexpected end of JSON input')
        if not isinstance(body, dict):
            return problem(400, 'error decoding JSON')
        model = (body.get('ProcessingModel') or 'rigid').lower()  # default rigid (smd pkg/sm/complocks.go)
        if model not in ('rigid', 'flexible'):
            return problem(400, 'Invalid ProcessingModel')
        for x in body.get('ComponentIDs') or []:
            if not isinstance(x, str) or not XNAME.match(x):
                return problem(400, 'Argument was not a valid xname ID')
        with app.lock:
            found, missing = _select(app, body)
            if found is None:
                return problem(400, 'Missing filter')
            locks = app.data['locks']
            blocked = [x for x in found if locks[x]['Locked'] == to_lock]
            disabled = [x for x in found if locks[x]['ReservationDisabled']]
            if model == 'rigid':
                # all or nothing: the transaction rolls back (hmsds-postgres.go UpdateCompLocksV2)
                if missing:
                    return problem(400, 'Component not found')
                if disabled:
                    return problem(400, 'Component reservations are disabled')
                if blocked:
                    return problem(400, 'Component is Locked' if to_lock else 'Component is Unlocked')
                affected = found
            else:
                affected = [x for x in found if x not in blocked and x not in disabled]
                if not affected:
                    # QUIRK (hmsds-postgres.go UpdateCompLocksV2): flexible with nothing to change answers 400 "Reserved"
                    return problem(400, 'Component is Reserved')
            for x in affected:
                locks[x]['Locked'] = to_lock
        failure = [{'ID': x, 'Reason': 'NotFound'} for x in missing]
        failure += [{'ID': x, 'Reason': 'Disabled'} for x in disabled]
        # the code emits "Unlocked", which the spec enum lacks (pkg/sm/complocks.go CLResultUnlocked)
        failure += [{'ID': x, 'Reason': 'Locked' if to_lock else 'Unlocked'}
                    for x in blocked if x not in disabled]
        return ok({'Counts': {'Total': len(affected) + len(failure), 'Success': len(affected),
                              'Failure': len(failure)},
                   'Success': {'ComponentIDs': affected}, 'Failure': failure})

    @app.route('POST', P + '/locks/lock')
    def lock(app, req):
        return change(app, req, True)

    @app.route('POST', P + '/locks/unlock')
    def unlock(app, req):
        return change(app, req, False)

    @app.route('POST', P + '/locks/status')
    def status_post(app, req):
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'error decoding JSON unexpected end of JSON input')
        ids = body.get('ComponentIDs') if isinstance(body, dict) else None
        if not ids:
            return problem(400, 'Missing IDs')
        for x in ids:
            if not isinstance(x, str) or not XNAME.match(x):
                return problem(400, 'Argument was not a valid xname ID')
        comps = [lock_record(app, x) for x in ids if x in app.data['hsm']]
        return ok({'Components': comps, 'NotFound': [x for x in ids if x not in app.data['hsm']]})

    @app.route('GET', P + '/locks/status')
    def status_get(app, req):
        out = []
        for x in sorted(app.data['hsm']):
            c = app.data['hsm'][x]
            lk = app.data['locks'][x]
            if not (_match(c, 'Type', req.query.get('type')) and _match(c, 'State', req.query.get('state'))
                    and _match(c, 'Role', req.query.get('role'))
                    and _match(c, 'SubRole', req.query.get('subrole'))):
                continue
            ok_flags = True
            for q, k in (('locked', 'Locked'), ('reserved', 'Reserved'),
                         ('reservationDisabled', 'ReservationDisabled')):
                v = req.arg(q)
                if v is not None and (v.lower() == 'true') != lk[k]:
                    ok_flags = False
            if ok_flags:
                out.append(lock_record(app, x))
        # the latest code answers an empty list when nothing matches (cmd/smd/smd-api.go)
        return ok({'Components': out})

    @app.route('GET', P + '/State/Components')
    def components(app, req):
        out = []
        for x in sorted(app.data['hsm']):
            c = app.data['hsm'][x]
            ids = req.query.get('id')
            if ids and x not in ids:
                continue
            if all(_match(c, f, req.query.get(q)) for f, q in (
                    ('Type', 'type'), ('State', 'state'), ('Role', 'role'), ('Arch', 'arch'),
                    ('Flag', 'flag'), ('Class', 'class'))):
                out.append(c)
        return ok({'Components': out})

    @app.route('GET', P + '/State/Components/(?P<xname>[^/]+)')
    def component(app, req, xname):
        if not XNAME.match(xname):
            return problem(400, 'Argument was not a valid xname ID')
        c = app.data['hsm'].get(xname)
        if c is None:
            return problem(404, 'no such xname.')
        return ok(c)


def set_state(app, xname, state):
    """Called by BOS at session end."""
    c = app.data['hsm'].get(xname)
    if c is not None:
        c['State'] = state
