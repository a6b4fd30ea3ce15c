"""BOS v2: session templates and sessions (Cray-HPE/bos src/bos/server/controllers/v2/)."""
import re
import time
from datetime import timedelta

import cfs
import hsm
from core import SpecSchemas, ok, no_content, problem, deepcopy, now_iso, new_id

P = '/apis/bos/v2'
SPEC = 'bos'
HW_FIELDS = ('node_list', 'node_roles_groups', 'node_groups')
# problem titles fixed by the BOS spec (ProblemResourceNotFound, ProblemAlreadyExists)
NOT_FOUND = 'The resource was not found'
EXISTS = 'The resource to be created already exists'
ARCH = {'X86': 'x86_64', 'ARM': 'aarch64'}


def load(app):
    app.data['bos_templates'] = {}
    app.data['bos_sessions'] = {}


def _check_template(app, body):
    msg = SpecSchemas.get(SPEC).validate('#/components/schemas/V2SessionTemplate', body)
    if msg:
        return problem(400, msg)
    for bs in body['boot_sets'].values():
        if not any(f in bs for f in HW_FIELDS):
            return problem(400, 'No hardware specifier fields (%r)' % (HW_FIELDS,))
        if not any(bs.get(f) for f in HW_FIELDS):
            return problem(400, 'No non-empty hardware specifier fields (%r)' % (HW_FIELDS,))
        # boot-set arch against the IMS image named in the manifest path (bos controllers/v2/boot_set/validate.py);
        # an unknown image or manifest only warns upstream, so it passes here
        m = re.match(r'^s3://[^/]+/([^/]+)/', bs.get('path', ''))
        img = app.data['images'].get(m.group(1)) if m else None
        arch = bs.get('arch', 'X86')
        if img and arch in ARCH and img.get('arch') != ARCH[arch]:
            return problem(400, "BootSetArchMismatch: Boot set arch '%s' means IMS image arch should "
                                "be '%s', but actual IMS image arch is '%s'"
                           % (arch, ARCH[arch], img.get('arch')))
    return None


def _limit_ok(limit, xname):
    """BOS limit: comma list; '&' AND, '!' NOT, '*' all."""
    if not limit or limit == '*':
        return True
    result = False
    for term in limit.split(','):
        term = term.strip()
        if term.startswith('&'):
            result = result and (term[1:] in (xname, '*'))
        elif term.startswith('!'):
            result = result and term[1:] != xname
        else:
            result = result or term in (xname, '*')
    return result


def _targets(app, template, limit):
    """(xname, boot set) pairs the session acts on: specifiers, arch filter, limit."""
    comps = app.data['hsm']
    out = []
    for bs in template['boot_sets'].values():
        arch = bs.get('arch', 'X86')
        names = set(bs.get('node_list') or [])
        roles = set(r.lower() for r in bs.get('node_roles_groups') or [])
        for x, c in comps.items():
            if c.get('Type') != 'Node':
                continue
            if x in names or (c.get('Role', '').lower() in roles):
                if c.get('Arch', 'X86') == arch and _limit_ok(limit, x):
                    out.append((x, bs))
    return sorted(out, key=lambda t: t[0])


def tick(app):
    now = time.time()
    dur = float(app.config['bos_session_seconds'])
    for s in app.data['bos_sessions'].values():
        d = s['data']
        st = d['status']
        age = now - s['t0']
        if st['status'] == 'pending' and age >= dur * 0.3:
            _start(app, s)
        if st['status'] == 'running' and age >= dur:
            _finish(app, s)


def _start(app, s):
    d = s['data']
    tpl = app.data['bos_templates'].get(d['template_name'])
    targets = _targets(app, tpl, d['limit']) if tpl else []
    if app.csm_version() >= (1, 7):
        # BOS >= 2.47 drops HSM-locked nodes at session setup (bos src/bos/operators/session_setup.py)
        targets = [t for t in targets if not app.data['locks'][t[0]]['Locked']]
    d['components'] = ','.join(x for x, _unused in targets)
    s['targets'] = targets
    s['failed'] = {}
    d['status']['status'] = 'running'
    if not targets:
        d['status'].update(status='complete', end_time=now_iso(),
                           error='No nodes were found to act upon.')


def _finish(app, s):
    d = s['data']
    tpl = app.data['bos_templates'].get(d['template_name']) or {}
    failed = s['failed']
    for x, bs in s['targets']:
        if app.data['locks'][x]['Locked']:
            # before 1.7 a locked node stays in the session and fails in PCS (docs-csm operations/boot_orchestration/Sessions.md)
            failed.setdefault('Power operation failed: component is locked', []).append(x)
            continue
        if any(re.search(rx, d['name']) for rx in app.config.get('bos_fail_sessions') or []):
            failed.setdefault('Simulated failure', []).append(x)
            continue
        hsm.set_state(app, x, 'Off' if d['operation'] == 'shutdown' else 'Ready')
        cfg = (bs.get('cfs') or {}).get('configuration') or (tpl.get('cfs') or {}).get('configuration')
        if d['operation'] != 'shutdown' and tpl.get('enable_cfs') and cfg:
            cfs.set_desired(app, x, cfg)
    d['status'].update(status='complete', end_time=now_iso())


def _ext_status(s):
    d = s['data']
    targets = s.get('targets') or []
    n = len(targets)
    failed = s.get('failed') or {}
    nfail = sum(len(v) for v in failed.values())
    done = d['status']['status'] == 'complete'
    pct_ok = round(100.0 * (n - nfail) / n, 2) if (done and n) else 0.0
    pct_fail = round(100.0 * nfail / n, 2) if n else 0.0
    start, end = d['status']['start_time'], d['status']['end_time']
    return {'status': d['status']['status'], 'managed_components_count': n,
            'phases': {'percent_complete': 100.0 if done else 0.0, 'percent_powering_on': 0.0,
                       'percent_powering_off': 0.0, 'percent_configuring': 0.0},
            'percent_successful': pct_ok, 'percent_failed': pct_fail, 'percent_staged': 0.0,
            'error_summary': dict((k, {'count': len(v), 'list': ','.join(v)})
                                  for k, v in failed.items()),
            'timing': {'start_time': start, 'end_time': end,
                       'duration': str(timedelta(seconds=int(s.get('dur', 0)))) if end else None}}


def register(app):
    app.loaders.append(load)
    app.tickers.append(tick)

    def tpl_404(name):
        return problem(404, 'Sessiontemplate %s could not be found' % name, title=NOT_FOUND)

    @app.route('GET', P + '/sessiontemplates')
    def list_templates(app, req):
        return ok([app.data['bos_templates'][k] for k in sorted(app.data['bos_templates'])])

    @app.route('GET', P + '/sessiontemplates/(?P<name>[^/]+)')
    def get_template(app, req, name):
        t = app.data['bos_templates'].get(name)
        return ok(t) if t is not None else tpl_404(name)

    @app.route('PUT', P + '/sessiontemplates/(?P<name>[^/]+)')
    def put_template(app, req, name):
        if not re.match(r'^[a-zA-Z0-9](?:[-._a-zA-Z0-9]{0,125}[a-zA-Z0-9])?$', name):
            return problem(400, "'%s' does not match '^[a-zA-Z0-9](?:[-._a-zA-Z0-9]{0,125}"
                                "[a-zA-Z0-9])?$'" % name)
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'Request body is not valid JSON')
        err = _check_template(app, body)
        if err:
            return err
        data = deepcopy(body)
        data['name'] = name
        data['tenant'] = None
        # QUIRK: enable_cfs comes back false when not sent (spec default: true); seen running bos 889a207
        data.setdefault('enable_cfs', False)
        with app.lock:
            app.data['bos_templates'][name] = data
        return ok(data)

    @app.route('PATCH', P + '/sessiontemplates/(?P<name>[^/]+)')
    def patch_template(app, req, name):
        t = app.data['bos_templates'].get(name)
        if t is None:
            return tpl_404(name)
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'Request body is not valid JSON')
        msg = SpecSchemas.get(SPEC).validate('#/components/schemas/V2SessionTemplatePatch', body)
        if msg:
            return problem(400, msg)
        new = deepcopy(t)
        new.update(body)
        check = dict((k, v) for k, v in new.items() if k not in ('name', 'tenant', 'links'))
        err = _check_template(app, check)
        if err:
            return err
        with app.lock:
            app.data['bos_templates'][name] = new
        return ok(new)

    @app.route('DELETE', P + '/sessiontemplates/(?P<name>[^/]+)')
    def delete_template(app, req, name):
        with app.lock:
            if app.data['bos_templates'].pop(name, None) is None:
                return tpl_404(name)
        return no_content()

    @app.route('POST', P + '/sessions')
    def create_session(app, req):
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'Request body is not valid JSON')
        msg = SpecSchemas.get(SPEC).validate('#/components/schemas/V2SessionCreate', body)
        if msg:
            return problem(400, msg)
        name = body.get('name') or new_id()
        with app.lock:
            if name in app.data['bos_sessions']:
                return problem(409, "Session '%s' already exists" % name, title=EXISTS)
            if body['template_name'] not in app.data['bos_templates']:
                return problem(400, 'Session Template Name invalid: %s' % body['template_name'])
            data = {'name': name, 'tenant': None, 'operation': body['operation'],
                    'template_name': body['template_name'], 'limit': body.get('limit', ''),
                    'stage': body.get('stage', False), 'components': '',
                    'include_disabled': body.get('include_disabled', False),
                    'status': {'start_time': now_iso(), 'end_time': None, 'status': 'pending',
                               'error': None}}
            app.data['bos_sessions'][name] = {'t0': time.time(), 'data': data,
                                              'dur': float(app.config['bos_session_seconds'])}
        return ok(deepcopy(data), 201)

    @app.route('GET', P + '/sessions')
    def list_sessions(app, req):
        items = [deepcopy(s['data']) for s in app.data['bos_sessions'].values()]
        st = req.arg('status')
        if st:
            items = [i for i in items if i['status']['status'] == st]
        return ok(sorted(items, key=lambda i: i['status']['start_time']))

    @app.route('GET', P + '/sessions/(?P<sid>[^/]+)/status')
    def session_status(app, req, sid):
        s = app.data['bos_sessions'].get(sid)
        if s is None:
            return problem(404, 'Session %s could not be found' % sid, title=NOT_FOUND)
        return ok(_ext_status(s))

    @app.route('GET', P + '/sessions/(?P<sid>[^/]+)')
    def get_session(app, req, sid):
        s = app.data['bos_sessions'].get(sid)
        if s is None:
            return problem(404, 'Session %s could not be found' % sid, title=NOT_FOUND)
        return ok(s['data'])

    @app.route('DELETE', P + '/sessions/(?P<sid>[^/]+)')
    def delete_session(app, req, sid):
        with app.lock:
            if app.data['bos_sessions'].pop(sid, None) is None:
                return problem(404, 'Session %s could not be found' % sid, title=NOT_FOUND)
        return no_content()
