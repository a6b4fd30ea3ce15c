"""CFS v3: configurations and sessions (Cray-HPE/config-framework-service
src/server/cray/cfs/api/controllers/{configurations,sessions}.py)."""
import re
import secrets
import time
import uuid

from core import SpecSchemas, ok, no_content, problem, deepcopy, naive_iso, now_iso, new_id

P = '/apis/cfs/v3'
SPEC = 'cfs'


def load(app):
    app.data['cfs_configurations'] = {}
    app.data['cfs_sessions'] = {}
    app.data['cfs_components'] = {}  # xname -> {'id', 'desired_config'}


def _validate(body, ref):
    msg = SpecSchemas.get(SPEC).validate(ref, body)
    return problem(400, msg) if msg else None


def _page(app, req, items, key):
    """limit/after_id paging with a `next` object (V3NextData)."""
    items = sorted(items, key=lambda i: i['name'])
    after = req.arg('after_id')
    if after:
        items = [i for i in items if i['name'] > after]
    limit = req.arg('limit')
    nxt = None
    if limit:
        try:
            limit = int(limit)
        except ValueError:
            return problem(400, "'%s' is not of type 'integer' - 'limit'" % limit)
        if limit < 1:
            return problem(400, '%d is less than the minimum of 1 - \'limit\'' % limit)
        if len(items) > limit:
            items = items[:limit]
            nxt = {'limit': limit, 'after_id': items[-1]['name']}
            for k, v in req.query.items():
                if k not in ('limit', 'after_id'):
                    nxt[k] = v[-1]
    return ok({key: items, 'next': nxt})


def _check_layers(layers):
    """Server-side layer checks, with the messages of the CFS controller (controllers/configurations.py)."""
    seen = {}
    for layer in layers:
        if 'source' in layer and 'clone_url' in layer:
            return problem(400, 'Only source or clone_url should be specified for each layer, not both.')
        if 'source' not in layer and 'clone_url' not in layer:
            return problem(400, 'Either source or clone_url must be specified for each layer.')
        if 'branch' in layer and 'commit' in layer:
            return problem(400, 'Only branch or commit should be specified for each layer, not both.',
                           title='Error handling branches')
        if 'source' in layer:
            return problem(400, 'Source does not exist', title='Source does not exist')  # no sources here
        if 'branch' in layer:
            # the simulator has no VCS to resolve branches (controllers/configurations.py converts them on PUT)
            return problem(400, 'Error converting branch name to commit',
                           title='Error handling branches')
        key = (layer.get('clone_url'), layer['playbook'])
        if layer.get('commit') and seen.get(key, layer['commit']) != layer['commit']:
            return problem(400, 'Two or more layers apply the same playbook from the same repo, '
                                'but have different commit ids.')
        if layer.get('commit'):
            seen[key] = layer['commit']
    return None


def _check_target(target):
    """config-framework-service src/server/cray/cfs/api/controllers/sessions.py _validate_session_target."""
    definition = target.get('definition', 'dynamic')
    groups = target.get('groups') or []
    if definition in ('repo', 'dynamic'):
        if groups:
            return problem(400, "'%s' target definitions must not contain groups specifications." % definition)
        return None
    if not groups:
        return problem(400, 'At least one target group must be specified.')
    if any(g.get('members') == [] for g in groups):
        return problem(400, 'Group member lists must not be empty.')
    if any(m == '' for g in groups for m in g['members']):
        return problem(400, 'Group members must not be blank.')
    if definition == 'image':
        bad = []
        for g in groups:
            for m in g['members']:
                try:
                    uuid.UUID(m, version=4)
                except ValueError:
                    bad.append((g['name'], m))
        if bad:
            return problem(400, 'The following Image target group member(s) are not valid UUIDs: %s.' % (bad,))
    return None


def _session_view(app, s):
    return deepcopy(s['data'])


def session_seconds(app, name):
    """cfs_session_seconds, or the seconds of the first cfs_slow_sessions regex that matches the name (control API)."""
    for rx, seconds in sorted((app.config.get('cfs_slow_sessions') or {}).items()):
        if re.search(rx, name):
            return float(seconds)
    return float(app.config['cfs_session_seconds'])


def tick(app):
    """Advance sessions on wall-clock time: pending -> running -> complete."""
    now = time.time()
    for s in app.data['cfs_sessions'].values():
        st = s['data']['status']['session']
        age = now - s['t0']
        dur = session_seconds(app, s['data']['name'])
        if st['status'] == 'pending' and age >= dur * 0.3:
            st['status'] = 'running'
            st['job'] = 'cfs-' + new_id()
        if st['status'] == 'running' and age >= dur:
            _complete(app, s)


def _complete(app, s):
    data = s['data']
    st = data['status']['session']
    st['status'] = 'complete'
    st['completion_time'] = naive_iso()
    name = data['name']
    if any(re.search(rx, name) for rx in app.config.get('cfs_fail_sessions') or []):
        st['succeeded'] = 'false'  # control API: make this session fail
        return
    target = data['target']
    if target.get('definition') == 'image':
        images = app.data['images']
        arts = []
        for m in target.get('image_map') or []:
            src = images.get(m['source_id'])
            if src is None:
                st['succeeded'] = 'false'
                return
            iid = new_id()
            etag = secrets.token_hex(16)
            images[iid] = {'id': iid, 'name': m['result_name'], 'arch': src.get('arch', 'x86_64'),
                           'created': now_iso(), 'metadata': {},
                           'link': {'path': 's3://boot-images/%s/manifest.json' % iid,
                                    'etag': etag, 'type': 's3'}}
            arts.append({'image_id': m['source_id'], 'result_id': iid,
                         'type': 'ims_customized_image'})
        # images targeted but without an image_map are customized in place under their own name
        mapped = set(m['source_id'] for m in target.get('image_map') or [])
        for g in target.get('groups') or []:
            for member in g.get('members') or []:
                if member in mapped:
                    continue
                src = images.get(member)
                if src is None:
                    st['succeeded'] = 'false'
                    return
                iid = new_id()
                images[iid] = dict(deepcopy(src), id=iid, created=now_iso(),
                                   link={'path': 's3://boot-images/%s/manifest.json' % iid,
                                         'etag': secrets.token_hex(16), 'type': 's3'})
                arts.append({'image_id': member, 'result_id': iid, 'type': 'ims_customized_image'})
                mapped.add(member)
        data['status']['artifacts'] = arts
        st['ims_job'] = new_id()
    st['succeeded'] = 'true'


def register(app):
    app.loaders.append(load)
    app.tickers.append(tick)

    # -- configurations --
    @app.route('GET', P + '/configurations')
    def list_configs(app, req):
        items = list(app.data['cfs_configurations'].values())
        in_use = req.arg('in_use')
        if in_use is not None:
            used = set(c.get('desired_config') for c in app.data['cfs_components'].values())
            items = [c for c in items if (c['name'] in used) == (in_use.lower() == 'true')]
        return _page(app, req, deepcopy(items), 'configurations')

    @app.route('GET', P + '/configurations/(?P<name>[^/]+)')
    def get_config(app, req, name):
        c = app.data['cfs_configurations'].get(name)
        if c is None:
            return problem(404, 'Configuration %s could not be found' % name,
                           title='Configuration not found')
        return ok(c)

    @app.route('PUT', P + '/configurations/(?P<name>[^/]+)')
    def put_config(app, req, name):
        if not 1 <= len(name) <= 60:
            return problem(400, "'%s' is too long - 'configuration_id'" % name)
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'Request body is not valid JSON')
        err = _validate(body, '#/components/schemas/V3ConfigurationData')
        if err:
            return err
        err = _check_layers(body.get('layers') or [])
        if err:
            return err
        data = deepcopy(body)
        data.setdefault('layers', [])
        data['name'] = name
        data['last_updated'] = now_iso()
        if req.arg('drop_branches', 'false').lower() == 'true':
            for layer in data['layers']:
                layer.pop('branch', None)
        with app.lock:
            app.data['cfs_configurations'][name] = data
        return ok(data)

    @app.route('PATCH', P + '/configurations/(?P<name>[^/]+)')
    def patch_config(app, req, name):
        c = app.data['cfs_configurations'].get(name)
        if c is None:
            return problem(404, 'Configuration %s could not be found' % name,
                           title='Configuration not found')
        # no layer names a branch that the simulator could re-resolve: only the timestamp moves
        c['last_updated'] = now_iso()
        return ok(c)

    @app.route('DELETE', P + '/configurations/(?P<name>[^/]+)')
    def delete_config(app, req, name):
        with app.lock:
            if name not in app.data['cfs_configurations']:
                return problem(404, 'Configuration %s could not be found' % name,
                               title='Configuration not found')
            # in-use check looks at components only, not sessions (controllers/configurations.py delete)
            if any(c.get('desired_config') == name for c in app.data['cfs_components'].values()):
                return problem(400, 'Configuration is in use.')
            del app.data['cfs_configurations'][name]
        return no_content()

    # -- components (controllers/components.py; made by BOS boots or the control route below) --
    @app.route('GET', P + '/components/(?P<xname>[^/]+)')
    def get_component(app, req, xname):
        c = app.data['cfs_components'].get(xname)
        if c is None:
            return component_404(xname)
        return ok(component_view(app, c))

    @app.route('PATCH', P + '/components/(?P<xname>[^/]+)')
    def patch_component(app, req, xname):
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'Request body is not valid JSON', title='Error parsing the data provided.')
        err = _validate(body, '#/components/schemas/V3ComponentData')
        if err:
            return err
        with app.lock:
            c = app.data['cfs_components'].get(xname)
            if c is None:
                return component_404(xname)
            patch = deepcopy(body)
            # _set_auto_fields: a patch naming desired_config (even the same one) resets error_count
            if 'error_count' not in patch and ('desired_config' in patch or patch.get('state') == []):
                patch['error_count'] = 0
            _patch_dict(c, patch)
            c['id'] = xname
            c['tags'] = dict((k, v) for k, v in (c.get('tags') or {}).items() if v)  # _tag_cleanup_handler
            # the stored record: state kept, no configuration_status (computed only by GET)
            return ok(deepcopy(c))

    @app.route('POST', '/_sim/cfs/components', auth=False)
    def add_component(app, req):
        """Control route: the component cfs-hwsync-agent makes for a node HSM knows ({"id": xname, ...})."""
        body = req.json()
        with app.lock:
            app.data['cfs_components'][body['id']] = new_component(body['id'], **dict(
                (k, v) for k, v in body.items() if k != 'id'))
        return ok(deepcopy(app.data['cfs_components'][body['id']]), 201)

    # -- sessions --
    @app.route('POST', P + '/sessions')
    def create_session(app, req):
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'Request body is not valid JSON')
        err = _validate(body, '#/components/schemas/V3SessionCreate')
        if err:
            return err
        name = body['name']
        with app.lock:
            if name in app.data['cfs_sessions']:
                return problem(409, 'A session with the name %s already exists' % name,
                               title='Conflicting session name')
            if body['configuration_name'] not in app.data['cfs_configurations']:
                return problem(400, 'No configurations exist named %s' % body['configuration_name'],
                               title='Invalid configuration')
            err = _check_target(body.get('target') or {})
            if err:
                return err
            target = body.get('target') or {}
            data = {
                'name': name,
                'configuration': {'name': body['configuration_name'],
                                  'limit': body.get('configuration_limit', '')},
                'ansible': {'config': body.get('ansible_config', 'cfs-default-ansible-cfg'),
                            'limit': body.get('ansible_limit', ''),
                            'verbosity': body.get('ansible_verbosity', 0),
                            'passthrough': body.get('ansible_passthrough', '')},
                'target': {'definition': target.get('definition', 'dynamic'),
                           'groups': target.get('groups') or [],
                           'image_map': target.get('image_map') or []},
                'status': {'artifacts': [],
                           # null until the operator knows them; start_time is
                           # datetime.now().isoformat(timespec='seconds'), no zone
                           # (config-framework-service src/server/cray/cfs/api/controllers/sessions.py)
                           'session': {'start_time': naive_iso(), 'status': 'pending',
                                       'succeeded': 'none', 'job': None, 'ims_job': None,
                                       'completion_time': None}},
                'tags': body.get('tags') or {},
                'debug_on_failure': body.get('debug_on_failure', False),
                'logs': 'ara.cmn.local/?label=%s' % name,
            }
            app.data['cfs_sessions'][name] = {'t0': time.time(), 'data': data}
        return ok(deepcopy(data), 201)

    @app.route('GET', P + '/sessions')
    def list_sessions(app, req):
        items = [deepcopy(s['data']) for s in app.data['cfs_sessions'].values()]
        st = req.arg('status')
        if st:
            items = [i for i in items if i['status']['session']['status'] == st]
        nc = req.arg('name_contains')
        if nc:
            items = [i for i in items if nc in i['name']]
        sc = req.arg('succeeded')
        if sc:
            items = [i for i in items if i['status']['session']['succeeded'] == sc]
        tags = req.arg('tags')
        if tags:
            for pair in tags.split(','):
                k, _unused, v = pair.partition('=')
                items = [i for i in items if i['tags'].get(k) == v]
        return _page(app, req, items, 'sessions')

    @app.route('GET', P + '/sessions/(?P<name>[^/]+)')
    def get_session(app, req, name):
        s = app.data['cfs_sessions'].get(name)
        if s is None:
            return session_404(name)
        return ok(_session_view(app, s))

    @app.route('DELETE', P + '/sessions/(?P<name>[^/]+)')
    def delete_session(app, req, name):
        with app.lock:
            if app.data['cfs_sessions'].pop(name, None) is None:
                return session_404(name)
        return no_content()


def session_404(name):
    # config-framework-service src/server/cray/cfs/api/controllers/sessions.py get_session_v3
    return problem(404, 'Session %s could not be found' % name, title='Session not found.')


def component_404(xname):
    # controllers/components.py get_component_v3, _patch_component_v3
    return problem(404, 'Component %s could not be found' % xname, title='Component not found.')


def new_component(xname, **fields):
    """A stored CFS component (V3ComponentData): no desired configuration, enabled, no state."""
    c = {'id': xname, 'desired_config': '', 'enabled': True, 'error_count': 0, 'state': [], 'tags': {}}
    c.update(fields)
    return c


def _patch_dict(orig, updates):
    """dbutils/conversions.py patch_dict: dicts merged recursively, anything else replaced."""
    for k, v in updates.items():
        orig[k] = _patch_dict(orig.get(k) or {}, v) if isinstance(v, dict) else v
    return orig


def component_view(app, c):
    """GET /v3/components/{id} without state_details: no state; configuration_status computed
    (controllers/components.py _set_status); logs (_set_link). The simulator applies no configuration, so a component whose
    desired configuration exists and has layers is pending; no or an unknown configuration, unconfigured."""
    view = deepcopy(c)
    state = view.pop('state', [])
    config = app.data['cfs_configurations'].get(view.get('desired_config') or '')
    if config is None or not config.get('layers'):
        view['configuration_status'] = 'configured' if state else 'unconfigured'
    else:
        view['configuration_status'] = 'pending'
    view['logs'] = 'ara.cmn.local/hosts?name=%s' % view['id']  # _set_link (option include_ara_links, default true)
    return view


def set_desired(app, xname, config_name):
    """BOS with enable_cfs: the booted node's CFS component references the configuration."""
    c = app.data['cfs_components'].setdefault(xname, new_component(xname))
    c.update(desired_config=config_name, enabled=True, error_count=0)
