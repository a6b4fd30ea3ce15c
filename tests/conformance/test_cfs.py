"""CFS v3 configurations and sessions, validated against cfs.yaml."""
import time

import pytest

P = '/apis/cfs/v3'
URL = 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git'
COMMIT = '3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c'
LAYER = {'clone_url': URL, 'commit': COMMIT, 'playbook': 'ims_computes.yml'}
X86_IMG = '4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61'
ARM_IMG = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e62'


def put(api, name, body, **kw):
    return api.call('PUT', P + '/configurations/' + name, body, **kw)


def test_put_get_list_delete(api):
    r = put(api, 'remote-ims-node', {'layers': [LAYER]})
    assert r.status_code == 200
    body = r.json()
    assert body['name'] == 'remote-ims-node' and body['layers'] == [LAYER] and body['last_updated']
    assert api.call('GET', P + '/configurations/remote-ims-node').json() == body
    lst = api.call('GET', P + '/configurations').json()
    assert lst['configurations'] == [body] and lst['next'] is None
    assert api.call('PATCH', P + '/configurations/remote-ims-node').status_code == 200
    assert api.call('DELETE', P + '/configurations/remote-ims-node').status_code == 204
    r = api.call('GET', P + '/configurations/remote-ims-node')
    assert r.status_code == 404
    assert r.json()['detail'] == 'Configuration remote-ims-node could not be found'
    assert api.call('DELETE', P + '/configurations/remote-ims-node').status_code == 404
    assert api.call('PATCH', P + '/configurations/remote-ims-node').status_code == 404


def test_paging(api):
    for i in range(5):
        put(api, 'cfg%d' % i, {'layers': [LAYER]})
    r = api.call('GET', P + '/configurations', params={'limit': '2'})
    page = r.json()
    assert [c['name'] for c in page['configurations']] == ['cfg0', 'cfg1']
    assert page['next'] == {'limit': 2, 'after_id': 'cfg1'}
    names = [c['name'] for c in page['configurations']]
    while page['next']:
        page = api.call('GET', P + '/configurations',
                        params={'limit': '2', 'after_id': page['next']['after_id']}).json()
        names += [c['name'] for c in page['configurations']]
    assert names == ['cfg%d' % i for i in range(5)]


@pytest.mark.parametrize('body,detail,spec_rejects', [
    ({'name': 'x', 'layers': []}, "Property is read-only - 'name'", True),
    ({'last_updated': '2020-01-01T00:00:00Z', 'layers': []}, "Property is read-only - 'last_updated'", True),
    ({'layers': [], 'bar': 1}, "Additional properties are not allowed ('bar' was unexpected)", True),
    ({'layers': [dict(LAYER, commit='abc')]}, "'abc' does not match '^[a-f0-9]{40}$' - 'layers.0.commit'", True),
    ({'layers': [dict(LAYER, branch='main')]},
     'Only branch or commit should be specified for each layer, not both.', False),
    ({'layers': [{'commit': COMMIT, 'playbook': 'p.yml'}]},
     'Either source or clone_url must be specified for each layer.', False),
    ({'layers': [dict(LAYER, source='csm')]},
     'Only source or clone_url should be specified for each layer, not both.', False),
    ({'layers': [{'source': 'csm', 'playbook': 'p.yml'}]}, 'Source does not exist', False),
    ({'layers': [{'clone_url': URL, 'branch': 'main', 'playbook': 'p.yml'}]},
     'Error converting branch name to commit', False),
    ({'layers': [LAYER, dict(LAYER, commit='b' * 40)]},
     'Two or more layers apply the same playbook from the same repo, but have different commit ids.',
     False),
])
def test_put_errors(api, body, detail, spec_rejects):
    r = put(api, 'bad', body, request_valid=not spec_rejects)
    assert r.status_code == 400
    assert r.headers['Content-Type'] == 'application/problem+json'
    assert r.json()['detail'] == detail
    assert api.call('GET', P + '/configurations/bad').status_code == 404


def test_layer_without_commit_or_branch_accepted(api):
    r = put(api, 'c', {'layers': [{'clone_url': URL, 'playbook': 'p.yml'}]})
    assert r.status_code == 200


def session_body(name, cfg='remote-ims-node', image=X86_IMG, result='ims-remote-image-x86_64'):
    return {'name': name, 'configuration_name': cfg,
            'target': {'definition': 'image', 'groups': [{'name': 'Application', 'members': [image]}],
                       'image_map': [{'source_id': image, 'result_name': result}]}}


def wait_complete(api, name, timeout=20):
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = api.call('GET', P + '/sessions/' + name).json()
        st = s['status']['session']['status']
        if not seen or seen[-1] != st:
            seen.append(st)
        if st == 'complete':
            return s, seen
        time.sleep(0.1)
    raise AssertionError('session %s never completed: %s' % (name, seen))


def test_image_session_lifecycle(api, csm_sim):
    csm_sim.config(cfs_session_seconds=1)
    put(api, 'remote-ims-node', {'layers': [LAYER]})
    body = session_body('build-ims-remote-image-arm', image=ARM_IMG, result='ims-remote-image-aarch64')
    r = api.call('POST', P + '/sessions', body)
    assert r.status_code == 201
    assert r.json()['status']['session']['status'] == 'pending'
    assert r.json()['status']['session']['succeeded'] == 'none'
    s, seen = wait_complete(api, 'build-ims-remote-image-arm')
    assert seen == ['pending', 'running', 'complete']
    assert s['status']['session']['succeeded'] == 'true'
    art = s['status']['artifacts']
    assert len(art) == 1 and art[0]['image_id'] == ARM_IMG and art[0]['type'] == 'ims_customized_image'
    img = api.call('GET', '/apis/ims/v3/images/' + art[0]['result_id']).json()
    assert img['name'] == 'ims-remote-image-aarch64' and img['arch'] == 'aarch64'
    assert img['id'] != ARM_IMG
    assert img['link']['path'] == 's3://boot-images/%s/manifest.json' % img['id']
    assert img['link']['etag']


def test_session_status_nulls_before_known(api):
    """QUIRKS.md Q-CFS-4: job, ims_job, completion_time null; start_time without a zone."""
    import re

    from spec_check import SpecMismatch, _Req, _Resp, oas
    put(api, 'remote-ims-node', {'layers': [LAYER]})
    r = api.call('POST', P + '/sessions', session_body('s-null'))
    st = r.json()['status']['session']
    assert (st['job'], st['ims_job'], st['completion_time']) == (None, None, None)
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$', st['start_time'])
    assert api.call('GET', P + '/sessions/s-null').json()['status'] == r.json()['status']
    # the unmodified spec rejects the answer: these fields are non-nullable date-time strings there
    errors = list(oas('cfs', strict=True).iter_response_errors(_Req(r.request, P + '/sessions', {}), _Resp(r)))
    if not errors:
        raise SpecMismatch('the strict CFS spec accepts a null job')
    r = api.call('GET', P + '/sessions/nope')
    assert r.status_code == 404 and r.json()['title'] == 'Session not found.'
    assert r.json()['detail'] == 'Session nope could not be found'


def test_session_fail_by_regex(api, csm_sim):
    csm_sim.config(cfs_session_seconds=0.5, cfs_fail_sessions=['^doomed-'])
    put(api, 'remote-ims-node', {'layers': [LAYER]})
    images_before = len(api.call('GET', '/apis/ims/v3/images').json())
    api.call('POST', P + '/sessions', session_body('doomed-1'))
    s, _unused = wait_complete(api, 'doomed-1')
    assert s['status']['session']['succeeded'] == 'false'
    assert s['status']['artifacts'] == []
    assert len(api.call('GET', '/apis/ims/v3/images').json()) == images_before


def test_session_errors(api):
    put(api, 'remote-ims-node', {'layers': [LAYER]})
    assert api.call('POST', P + '/sessions', session_body('s1')).status_code == 201
    r = api.call('POST', P + '/sessions', session_body('s1'))
    assert r.status_code == 409
    assert r.json()['detail'] == 'A session with the name s1 already exists'
    r = api.call('POST', P + '/sessions', session_body('s2', cfg='nope'))
    assert r.status_code == 400 and r.json()['title'] == 'Invalid configuration'
    # x86_64 has an underscore: the name pattern rejects it (cfs api/openapi.yaml V3SessionCreate)
    r = api.call('POST', P + '/sessions', session_body('build-ims-remote-image-x86_64'),
                 request_valid=False)
    assert r.status_code == 400 and 'does not match' in r.json()['detail']
    r = api.call('POST', P + '/sessions', session_body('a' * 46), request_valid=False)
    assert r.status_code == 400 and 'is too long' in r.json()['detail']
    body = session_body('s3')
    body['target']['groups'] = []
    r = api.call('POST', P + '/sessions', body)
    assert r.status_code == 400 and r.json()['detail'] == 'At least one target group must be specified.'
    body['target']['groups'] = [{'name': 'Application', 'members': []}]
    r = api.call('POST', P + '/sessions', body)
    assert r.status_code == 400 and r.json()['detail'] == 'Group member lists must not be empty.'


def test_session_list_filters_get_delete(api, csm_sim):
    csm_sim.config(cfs_session_seconds=60)
    put(api, 'remote-ims-node', {'layers': [LAYER]})
    for n in ('alpha-1', 'alpha-2', 'beta-1'):
        api.call('POST', P + '/sessions', session_body(n))
    r = api.call('GET', P + '/sessions', params={'name_contains': 'alpha'})
    assert [s['name'] for s in r.json()['sessions']] == ['alpha-1', 'alpha-2']
    r = api.call('GET', P + '/sessions', params={'status': 'complete'})
    assert r.json()['sessions'] == []
    r = api.call('GET', P + '/sessions', params={'limit': '1'})
    assert len(r.json()['sessions']) == 1 and r.json()['next']['after_id'] == 'alpha-1'
    assert api.call('DELETE', P + '/sessions/beta-1').status_code == 204
    assert api.call('GET', P + '/sessions/beta-1').status_code == 404
    assert api.call('DELETE', P + '/sessions/beta-1').status_code == 404


def test_delete_config_named_by_session_allowed(api):
    """The in-use check looks at components only (cfs controllers/configurations.py)."""
    put(api, 'remote-ims-node', {'layers': [LAYER]})
    api.call('POST', P + '/sessions', session_body('s1'))
    assert api.call('DELETE', P + '/configurations/remote-ims-node').status_code == 204


@pytest.mark.parametrize('target,detail', [
    ({'definition': 'dynamic', 'groups': [{'name': 'g', 'members': ['x1']}]},
     "'dynamic' target definitions must not contain groups specifications."),
    ({'definition': 'image', 'groups': [{'name': 'g', 'members': ['not-a-uuid']}]},
     "The following Image target group member(s) are not valid UUIDs: [('g', 'not-a-uuid')]."),
    ({'definition': 'spec', 'groups': [{'name': 'g', 'members': ['']}]}, 'Group members must not be blank.'),
])
def test_session_target_checks(api, target, detail):
    """config-framework-service controllers/sessions.py _validate_session_target."""
    put(api, 'remote-ims-node', {'layers': [LAYER]})
    r = api.call('POST', P + '/sessions', {'name': 's', 'configuration_name': 'remote-ims-node', 'target': target})
    assert r.status_code == 400 and r.json()['detail'] == detail


def test_component_patch_resets_error_count_and_keeps_state(api, csm_sim):
    """PATCH /v3/components/{id} (QUIRKS.md Q-CFS-6): merged into the stored record, error_count reset by any
    desired_config, state kept; GET shows no state and a computed configuration_status."""
    state = [{'clone_url': URL, 'playbook': 'site.yml', 'commit': COMMIT, 'status': 'applied',
              'session_name': 'batcher-1', 'last_updated': '2026-12-07T06:00:00Z'}]
    csm_sim.add_cfs_component('x3000c0s19b4n0', desired_config='compute-23.7', error_count=3, state=state,
                              tags={'site': 'blue'})
    put(api, 'remote-ims-node', {'layers': [LAYER]})
    c = P + '/components/x3000c0s19b4n0'
    got = api.call('GET', c).json()
    # its configuration does not exist and it has state: configured (_get_status)
    assert 'state' not in got and got['error_count'] == 3 and got['configuration_status'] == 'configured'
    r = api.call('PATCH', c, {'desired_config': 'remote-ims-node'})
    assert r.status_code == 200
    stored = r.json()
    assert stored['desired_config'] == 'remote-ims-node' and stored['error_count'] == 0
    assert stored['state'] == state and stored['tags'] == {'site': 'blue'} and stored['enabled'] is True
    assert 'configuration_status' not in stored
    got = api.call('GET', c).json()
    assert got['configuration_status'] == 'pending' and got['desired_config'] == 'remote-ims-node'
    # the same name again still resets error_count; an explicit one is kept; tags with an empty value go
    api.call('PATCH', c, {'error_count': 2})
    assert api.call('PATCH', c, {'desired_config': 'remote-ims-node'}).json()['error_count'] == 0
    assert api.call('PATCH', c, {'desired_config': 'x', 'error_count': 5}).json()['error_count'] == 5
    assert api.call('PATCH', c, {'enabled': False, 'tags': {'site': ''}}).json()['tags'] == {}
    # CFS does not check that the configuration exists
    assert api.call('PATCH', c, {'desired_config': 'no-such-config'}).status_code == 200
    assert api.call('GET', c).json()['configuration_status'] == 'configured'


def test_component_patch_unknown_is_404(api):
    r = api.call('PATCH', P + '/components/x3000c0s19b3n0', {'desired_config': 'remote-ims-node'})
    assert r.status_code == 404
    assert r.json()['title'] == 'Component not found.'
    assert r.json()['detail'] == 'Component x3000c0s19b3n0 could not be found'
    bad = api.call('PATCH', P + '/components/x3000c0s19b3n0', {'configuration_status': 'configured'}, validate=False)
    assert bad.status_code == 400 and 'read-only' in bad.json()['detail']
