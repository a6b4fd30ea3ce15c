"""BOS v2 session templates and sessions, validated against bos.yaml."""
import time

import pytest

P = '/apis/bos/v2'
HSM = '/apis/smd/hsm/v2'
X86_IMG = '4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61'
ETAG = '0f1e2d3c4b5a69788796a5b4c3d2e1f0'
X = 'x3000c0s19b4n0'


def template(nodes=(X,), arch='X86', **extra):
    bs = {'path': 's3://boot-images/%s/manifest.json' % X86_IMG, 'type': 's3', 'etag': ETAG,
          'arch': arch, 'kernel_parameters': 'ip=dhcp quiet', 'node_list': list(nodes)}
    bs.update(extra)
    return {'boot_sets': {'compute': bs}, 'enable_cfs': True, 'cfs': {'configuration': 'remote-ims-node'}}


def test_template_crud(api):
    r = api.call('PUT', P + '/sessiontemplates/remote-ims', template())
    assert r.status_code == 200
    body = r.json()
    assert body['name'] == 'remote-ims' and body['tenant'] is None and body['enable_cfs'] is True
    assert api.call('GET', P + '/sessiontemplates/remote-ims').json() == body
    assert api.call('GET', P + '/sessiontemplates').json() == [body]
    r = api.call('PATCH', P + '/sessiontemplates/remote-ims', {'description': 'd'})
    assert r.status_code == 200 and r.json()['description'] == 'd'
    assert api.call('DELETE', P + '/sessiontemplates/remote-ims').status_code == 204
    for m, b in (('GET', None), ('DELETE', None), ('PATCH', {'description': 'd'})):
        r = api.call(m, P + '/sessiontemplates/remote-ims', b)
        assert r.status_code == 404
        assert r.json()['detail'] == "Session template 'remote-ims' does not exist"


def test_enable_cfs_absent_means_true(api, csm_sim):
    """QUIRKS.md Q-BOS-2: stored without the key; the operator reads it as true."""
    csm_sim.config(bos_session_seconds=0.5)
    api.call('PUT', '/apis/cfs/v3/configurations/remote-ims-node', {'layers': [
        {'clone_url': 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git',
         'commit': 'a' * 40, 'playbook': 'ims_computes.yml'}]})
    t = template()
    del t['enable_cfs']
    stored = api.call('PUT', P + '/sessiontemplates/t', t).json()
    assert 'enable_cfs' not in stored
    sid = api.call('POST', P + '/sessions', {'operation': 'boot', 'template_name': 't'}).json()['name']
    wait(api, sid)
    assert api.call('GET', '/apis/cfs/v3/components/' + X).json()['desired_config'] == 'remote-ims-node'


def test_template_sanitised_as_bos_stores_it(api):
    """QUIRKS.md Q-BOS-5: name dropped, arch X86 by default, empty cfs removed, node_list canonical."""
    t = template(nodes=('X3000C0S19B04N0', 'x03000c00s19b4n00'))
    bs = t['boot_sets']['compute']
    del bs['arch']
    bs.update(name='compute', cfs={'configuration': ''})
    t['cfs'] = {}
    r = api.call('PUT', P + '/sessiontemplates/t', t)
    assert r.status_code == 200
    stored = r.json()['boot_sets']['compute']
    assert stored['node_list'] == [X, X] and stored['arch'] == 'X86'
    assert 'name' not in stored and 'cfs' not in stored and 'cfs' not in r.json()
    assert api.call('GET', P + '/sessiontemplates/t').json() == r.json()
    # PATCH merges, then sanitises the same way
    patch = dict((k, bs[k]) for k in ('path', 'type'))
    r = api.call('PATCH', P + '/sessiontemplates/t',
                 {'boot_sets': {'compute': dict(patch, node_list=['X3000C0S19B4N0'])}})
    assert r.status_code == 200 and r.json()['boot_sets']['compute']['node_list'] == [X]
    r = api.call('PATCH', P + '/sessiontemplates/t', {'boot_sets': {'compute': dict(patch, name='other')}})
    assert r.status_code == 400 and r.json()['detail'].startswith('The session template could not be patched: ')


def test_template_nids(api, csm_sim):
    """NIDs in node_list only warn unless BOS's reject_nids option is set."""
    assert api.call('PUT', P + '/sessiontemplates/t', template(nodes=('nid000001',))).status_code == 200
    csm_sim.config(bos_reject_nids=True)
    r = api.call('PUT', P + '/sessiontemplates/t', template(nodes=('nid000001',)))
    assert r.status_code == 400
    assert r.json()['detail'] == ("The session template could not be created: Boot set compute: "
                                  "Has NID in 'node_list'")


CREATE = 'The session template could not be created: '


@pytest.mark.parametrize('mutate,detail,spec_rejects', [
    (lambda t: t.update(name='t'), "Property is read-only - 'name'", True),
    (lambda t: t.update(tenant='x'), "Property is read-only - 'tenant'", True),
    (lambda t: t.update(extra=1), "Additional properties are not allowed ('extra' was unexpected)", True),
    (lambda t: t['boot_sets']['compute'].update(bogus=1),
     "Additional properties are not allowed ('bogus' was unexpected) - 'boot_sets.compute'", True),
    (lambda t: t.update(boot_sets={}), "{} should be non-empty - 'boot_sets'", True),
    (lambda t: t['boot_sets']['compute'].pop('node_list'), CREATE + "Boot set compute: No hardware specifier "
     "fields (frozenset({'node_list', 'node_roles_groups', 'node_groups'}))", False),
    (lambda t: t['boot_sets']['compute'].update(name='other'), CREATE + "boot_sets key (compute) does not match "
     "'name' field of corresponding boot set (other)", False),
    # the spec's NodeList has minItems 1, so an empty list already fails schema validation
    (lambda t: t['boot_sets']['compute'].update(node_list=[]), "[] should be non-empty", True),
    (lambda t: t['boot_sets']['compute'].update(arch='ARM'),
     CREATE + "bos.server.controllers.v2.boot_set.exceptions.BootSetArchMismatch: Boot set arch 'ARM' means "
     "IMS image arch should be 'aarch64', but actual IMS image arch is 'x86_64'", False),
])
def test_template_errors(api, mutate, detail, spec_rejects):
    """QUIRKS.md Q-BOS-3, Q-BOS-5: BOS's own checks after the schema's."""
    t = template()
    mutate(t)
    r = api.call('PUT', P + '/sessiontemplates/bad', t, request_valid=not spec_rejects)
    assert r.status_code == 400
    assert r.json()['detail'].startswith(detail)
    assert api.call('GET', P + '/sessiontemplates/bad').status_code == 404


def wait(api, sid, timeout=20):
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = api.call('GET', P + '/sessions/' + sid).json()
        if not seen or seen[-1] != s['status']['status']:
            seen.append(s['status']['status'])
        if s['status']['status'] == 'complete':
            return s, seen
        time.sleep(0.1)
    raise AssertionError(seen)


def test_session_boot_sets_ready_and_cfs_in_use(api, csm_sim):
    csm_sim.config(bos_session_seconds=1)
    api.call('PUT', '/apis/cfs/v3/configurations/remote-ims-node', {'layers': [
        {'clone_url': 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git',
         'commit': 'a' * 40, 'playbook': 'ims_computes.yml'}]})
    api.call('PUT', P + '/sessiontemplates/remote-ims', template())
    r = api.call('POST', P + '/sessions', {'operation': 'boot', 'template_name': 'remote-ims', 'limit': X})
    assert r.status_code == 201
    s = r.json()
    assert s['status'] == {'status': 'pending', 'start_time': s['status']['start_time'],
                           'end_time': None, 'error': None}
    assert len(s['name']) == 36  # a generated uuid
    done, seen = wait(api, s['name'])
    assert seen == ['pending', 'running', 'complete'] and done['status']['error'] is None
    assert done['components'] == X
    st = api.call('GET', P + '/sessions/%s/status' % s['name']).json()
    assert st['status'] == 'complete' and st['percent_successful'] == 100.0
    assert api.call('GET', HSM + '/State/Components/' + X).json()['State'] == 'Ready'
    # the component now references the configuration: delete is refused (cfs controllers/configurations.py)
    comp = api.call('GET', '/apis/cfs/v3/components/' + X).json()
    assert comp['desired_config'] == 'remote-ims-node'
    assert api.call('GET', '/apis/cfs/v3/components/x3000c0s19b3n0').status_code == 404
    r = api.call('DELETE', '/apis/cfs/v3/configurations/remote-ims-node')
    assert r.status_code == 400 and r.json()['detail'] == 'Configuration is in use.'
    assert api.call('GET', P + '/sessions').json()[0]['name'] == s['name']
    assert api.call('DELETE', P + '/sessions/' + s['name']).status_code == 204


def test_shutdown_sets_off(api, csm_sim):
    csm_sim.config(bos_session_seconds=0.5)
    api.call('PUT', P + '/sessiontemplates/t', template())
    sid = api.call('POST', P + '/sessions', {'operation': 'shutdown', 'template_name': 't'}).json()['name']
    wait(api, sid)
    assert api.call('GET', HSM + '/State/Components/' + X).json()['State'] == 'Off'


@pytest.mark.parametrize('version,error', [('1.7', 'No nodes were found to act upon.'), ('1.6', None)])
def test_locked_node(api, csm_sim, version, error):
    """From CSM 1.7 BOS drops locked nodes; before, they stay and fail (bos src/bos/operators/session_setup.py)."""
    csm_sim.config(bos_session_seconds=0.5, csm_version=version)
    api.call('POST', HSM + '/locks/lock', {'ComponentIDs': [X]})
    api.call('PUT', P + '/sessiontemplates/t', template())
    sid = api.call('POST', P + '/sessions', {'operation': 'reboot', 'template_name': 't'}).json()['name']
    done, _unused = wait(api, sid)
    assert done['status']['error'] == error
    st = api.call('GET', P + '/sessions/%s/status' % sid).json()
    if error is None:
        assert st['percent_failed'] == 100.0
    assert api.call('GET', HSM + '/State/Components/' + X).json()['State'] == 'On'


def test_session_errors(api):
    api.call('PUT', P + '/sessiontemplates/t', template())
    r = api.call('POST', P + '/sessions', {'operation': 'boot', 'template_name': 'nope'})
    assert r.status_code == 400 and r.json()['detail'] == 'Session Template Name invalid: nope'
    r = api.call('POST', P + '/sessions', {'operation': 'explode', 'template_name': 't'},
                 request_valid=False)
    assert r.status_code == 400
    assert r.json()['detail'] == "'explode' is not one of ['boot', 'reboot', 'shutdown'] - 'operation'"
    fixed = {'name': 's-fixed', 'operation': 'boot', 'template_name': 't'}
    assert api.call('POST', P + '/sessions', fixed).status_code == 201
    r = api.call('POST', P + '/sessions', {'name': 's-fixed', 'operation': 'boot', 'template_name': 't'})
    assert r.status_code == 409 and r.json()['detail'] == "Session 's-fixed' already exists"
    assert api.call('GET', P + '/sessions/nope').status_code == 404
    assert api.call('GET', P + '/sessions/nope/status').status_code == 404
