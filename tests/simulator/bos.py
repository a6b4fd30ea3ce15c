"""BOS v2: session templates and sessions (Cray-HPE/bos src/bos/server/controllers/v2/)."""
import re
import time
from datetime import timedelta

import cfs
import hsm
from core import SpecSchemas, ok, no_content, problem, deepcopy, naive_iso, new_id

P = '/apis/bos/v2'
SPEC = 'bos'
HW_FIELDS = ('node_list', 'node_roles_groups', 'node_groups')
# problem titles fixed by the BOS spec (ProblemResourceNotFound, ProblemAlreadyExists)
NOT_FOUND = 'The resource was not found'
EXISTS = 'The resource to be created already exists'


def load(app):
    app.data['bos_templates'] = {}
    app.data['bos_sessions'] = {}


# BOS's exception class path, as traceback.format_exception_only prints it
# (bos src/bos/common/utils.py exc_type_msg)
ARCH_MISMATCH = 'bos.server.controllers.v2.boot_set.exceptions.BootSetArchMismatch'
# boot-set arch -> the IMS image arch it needs (bos src/bos/server/controllers/v2/boot_set/ims.py)
EXPECTED_IMS_ARCH = {'ARM': 'aarch64', 'Unknown': 'x86_64', 'X86': 'x86_64'}


class BootSetError(Exception):
    """A fatal boot-set problem (bos boot_set/exceptions.py BootSetError)."""


def canonize_xname(xname):
    """bos src/bos/server/utils.py canonize_xname: lower case, zeros stripped in node xnames only."""
    return re.sub(r'x0*(\d+)c0*(\d+)s0*(\d+)b0*(\d+)n0*(\d+)', r'x\1c\2s\3b\4n\5', xname.lower())


def remove_empty_cfs_field(data):
    """bos src/bos/common/types/templates.py: `cfs: {}` or `cfs: {configuration: ""}` is dropped."""
    if 'cfs' in data and not (data['cfs'] and data['cfs'].get('configuration')):
        del data['cfs']


def _hw_fields_message(prefix):
    # BOS formats a frozenset, whose order varies per process; the simulator fixes one order
    return "%s hardware specifier fields (frozenset({%s}))" % (
        prefix, ', '.join(repr(f) for f in HW_FIELDS))


def verify_nonempty_hw_specifier_field(bs):
    """bos boot_set/validate.py verify_nonempty_hw_specifier_field."""
    if not any(f in bs for f in HW_FIELDS):
        raise BootSetError(_hw_fields_message('No'))
    if not any(bs.get(f) for f in HW_FIELDS):
        raise BootSetError(_hw_fields_message('No non-empty'))


def validate_ims_boot_image(app, bs):
    """bos boot_set/ims.py: the boot-set arch must fit the IMS image named by the manifest path.

    A path outside the IMS convention, an unknown image (ims_images_must_exist off, the default)
    and arch Other only warn upstream, so they pass here.
    """
    m = re.match(r'^s3://[^/]*/([^/]+)/.+', bs['path'])
    img = app.data['images'].get(m.group(1)) if m else None
    if img is None:
        if m and app.config.get('bos_ims_images_must_exist'):
            raise BootSetError('IMS image %s not found' % m.group(1))
        return
    arch = bs.get('arch', 'X86')
    if arch == 'Other':
        return
    actual = img.get('arch') or 'x86_64'
    if EXPECTED_IMS_ARCH[arch] != actual:
        raise BootSetError("%s: Boot set arch '%s' means IMS image arch should be '%s', but actual IMS "
                           "image arch is '%s'\n" % (ARCH_MISMATCH, arch, EXPECTED_IMS_ARCH[arch], actual))


def validate_sanitize_boot_set(app, bs_name, bs):
    """bos boot_set/sanitize.py validate_sanitize_boot_set: checks and rewrites bs in place."""
    if 'name' not in bs:
        bs['name'] = bs_name
    elif bs['name'] != bs_name:
        raise BootSetError("boot_sets key (%s) does not match 'name' field of corresponding boot set (%s)"
                           % (bs_name, bs['name']))
    bs.setdefault('arch', 'X86')
    remove_empty_cfs_field(bs)
    # boot artifacts in S3 are only warned about upstream; the simulator has no S3
    validate_ims_boot_image(app, bs)
    try:
        verify_nonempty_hw_specifier_field(bs)
    except BootSetError as err:
        raise BootSetError('Boot set %s: %s' % (bs_name, err)) from err
    if 'node_list' not in bs:
        return
    if app.config.get('bos_reject_nids') and any(n[:3] == 'nid' for n in bs['node_list']):
        raise BootSetError("Boot set %s: Has NID in 'node_list'" % bs_name)
    bs['node_list'] = [canonize_xname(n) for n in bs['node_list']]


def validate_sanitize_session_template(app, name, data):
    """bos src/bos/server/controllers/v2/sessiontemplates.py validate_sanitize_session_template."""
    boot_sets = data.get('boot_sets')
    if boot_sets is None:
        raise BootSetError("Missing required 'boot_sets' field")
    if not isinstance(boot_sets, dict):
        raise BootSetError("'boot_sets' field has invalid type")
    if not boot_sets:
        raise BootSetError('Session templates must contain at least one boot set')
    for bs_name, bs in boot_sets.items():
        validate_sanitize_boot_set(app, bs_name, bs)
    data['name'] = name
    remove_empty_cfs_field(data)
    # BOS then validates the result against V2SessionTemplate; the request already was
    for bs in boot_sets.values():
        del bs['name']  # BOS does not store boot-set names


def _store_template(app, name, data, verb):
    """Sanitise and store data, or the 400 BOS answers (`could not be created` / `patched`)."""
    try:
        validate_sanitize_session_template(app, name, data)
    except BootSetError as err:
        return problem(400, 'The session template could not be %s: %s' % (verb, err))
    data['tenant'] = None
    with app.lock:
        app.data['bos_templates'][name] = data
    return ok(data)


def update_template_record(record, patch):
    """bos src/bos/common/types/templates.py update_template_record: cfs and boot sets merge."""
    patch = deepcopy(patch)
    if 'cfs' in patch:
        record.setdefault('cfs', {}).update(patch.pop('cfs'))
    for bs_name, bs in (patch.pop('boot_sets', None) or {}).items():
        old = record.setdefault('boot_sets', {}).setdefault(bs_name, {})
        if 'cfs' in bs:
            old.setdefault('cfs', {}).update(bs.pop('cfs'))
        old.update(bs)
    record.update(patch)


def _limit_ok(limit, xname):
    """BOS limit: comma list, terms matched exactly; '&' AND, '!' NOT, '*' or 'all' every node
    (bos src/bos/operators/session_setup.py _apply_limit)."""
    if not limit:
        return True
    result = False
    for term in limit.split(','):
        op = term[:1] if term[:1] in ('&', '!') else ''
        name = term[len(op):]
        hit = name in (xname, '*', 'all')
        if op == '&':
            result = result and hit
        elif op == '!':
            result = result and not hit
        else:
            result = result or hit
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
        d['status'].update(status='complete', end_time=naive_iso(),
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
        # a template stored without enable_cfs means true (bos src/bos/operators/session_setup.py)
        if d['operation'] != 'shutdown' and tpl.get('enable_cfs', True) and cfg:
            cfs.set_desired(app, x, cfg)
    d['status'].update(status='complete', end_time=naive_iso())


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
                       # end - start, or now - start while it runs: never null
                       # (bos src/bos/server/controllers/v2/session_status.py duration)
                       'duration': str(timedelta(seconds=int(s.get('dur', 0)))) if end
                       else str(timedelta(seconds=time.time() - s['t0']))}}


def register(app):
    app.loaders.append(load)
    app.tickers.append(tick)

    def session_404(sid):
        return problem(404, "Session '%s' does not exist" % sid, title=NOT_FOUND)

    def tpl_404(name):
        # bos src/bos/server/controllers/utils.py _404_resource_not_found
        return problem(404, "Session template '%s' does not exist" % name, title=NOT_FOUND)

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
        # connexion validates the request against the spec first (bos src/bos/server/__main__.py: connexion strict validation)
        msg = SpecSchemas.get(SPEC).validate('#/components/schemas/V2SessionTemplate', body)
        if msg:
            return problem(400, msg)
        return _store_template(app, name, deepcopy(body), 'created')

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
        update_template_record(new, body)
        return _store_template(app, name, new, 'patched')

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
                    'status': {'start_time': naive_iso(), 'end_time': None, 'status': 'pending',
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
            return session_404(sid)
        return ok(_ext_status(s))

    @app.route('GET', P + '/sessions/(?P<sid>[^/]+)')
    def get_session(app, req, sid):
        s = app.data['bos_sessions'].get(sid)
        if s is None:
            return session_404(sid)
        return ok(s['data'])

    @app.route('DELETE', P + '/sessions/(?P<sid>[^/]+)')
    def delete_session(app, req, sid):
        with app.lock:
            if app.data['bos_sessions'].pop(sid, None) is None:
                return session_404(sid)
        return no_content()
