"""HSM (SMD) v2: locks and State/Components (FACTS 2.6)."""
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
        model = (body.get('ProcessingModel') or 'rigid').lower()  # default rigid (FACTS 2.6)
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
                # all or nothing: the transaction rolls back (FACTS 2.6)
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
                    # QUIRK (FACTS 2.6): flexible with nothing to change answers 400 "Reserved"
                    return problem(400, 'Component is Reserved')
            for x in affected:
                locks[x]['Locked'] = to_lock
        failure = [{'ID': x, 'Reason': 'NotFound'} for x in missing]
        failure += [{'ID': x, 'Reason': 'Disabled'} for x in disabled]
        # the code emits "Unlocked", which the spec enum lacks (FACTS 2.6)
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
        # the latest code answers an empty list when nothing matches (FACTS 2.6)
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
