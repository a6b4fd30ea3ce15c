"""Every request the collection's modules send, answered by the simulator with the structure the
upstream service code produces: status, content type, fields and their JSON types.

The expected structures are read from the upstream code, named at each case (repository, path).
A structure is a skeleton: a dict maps field -> skeleton, a list holds the skeleton of its items,
and a leaf is the JSON type ('str', 'int', 'number', 'bool', 'null').

Not derived here (so not in this table):
- HSM (`hsm_lock`, `hsm_lock_info`, `hsm_component_info`): hms-smd is Go; its answers are pinned
  by test_hsm.py against the hms-smd code (pkg/sm/complocks.go, cmd/smd/smd-api.go).
- SLS (`sls_network_info`) and the Keycloak token: their servers' code was not read here.
- Optional CFS configuration fields (`additional_inventory`, `description`): CFS returns only what
  was stored; the requests here send neither.
- The generated CFS/BOS models' null fields outside the session status (for example a dynamic CFS
  target's `groups`): openapi-generator builds them at image build time, not in the repositories.
"""
import pytest

IMS = '/apis/ims/v3'
CFS = '/apis/cfs/v3'
BOS = '/apis/bos/v2'
X = 'x3000c0s19b4n0'
X86_IMG = '4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61'
LAYER = {'clone_url': 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git',
         'commit': '3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c', 'playbook': 'ims_computes.yml'}
JSON = 'application/json'
PROBLEM = 'application/problem+json'

# ims src/server/errors.py problemify -> httpproblem problem(): status, title, detail; no type
IMS_PROBLEM = {'status': 'int', 'title': 'str', 'detail': 'str'}
# connexion.problem (CFS, BOS): type about:blank, title, status, detail
CX_PROBLEM = {'type': 'str', 'title': 'str', 'status': 'int', 'detail': 'str'}
# ims src/server/models/remote_build_nodes.py V3RemoteBuildNodeRecordSchema
NODE = {'xname': 'str'}
# ims src/server/models/remote_build_nodes.py RemoteNodeStatus.toJson (its __dict__)
NODE_STATUS = {'xname': 'str', 'sshStatus': 'str', 'podmanStatus': 'str', 'nodeArch': 'str',
               'numCurrentJobs': 'int', 'ableToRunJobs': 'bool'}
# ims src/server/models/images.py V2ImageRecordSchema (link: ArtifactLink path, etag, type)
IMAGE = {'id': 'str', 'name': 'str', 'created': 'str', 'arch': 'str', 'metadata': {},
         'link': {'path': 'str', 'etag': 'str', 'type': 'str'}}
# config-framework-service src/server/cray/cfs/api/controllers/configurations.py (PUT stores the
# body with name and last_updated)
CONFIG = {'name': 'str', 'last_updated': 'str', 'layers': [{'clone_url': 'str', 'commit': 'str', 'playbook': 'str'}]}
# config-framework-service controllers/sessions.py _create_session, _finish_session_create, _set_link
CFS_SESSION = {
    'name': 'str', 'configuration': {'name': 'str', 'limit': 'str'},
    'ansible': {'config': 'str', 'limit': 'str', 'verbosity': 'int', 'passthrough': 'str'},
    'target': {'definition': 'str', 'groups': [{'name': 'str', 'members': ['str']}],
               'image_map': [{'source_id': 'str', 'result_name': 'str'}]},
    'status': {'artifacts': [], 'session': {'job': 'null', 'ims_job': 'null', 'completion_time': 'null',
                                            'start_time': 'str', 'status': 'str', 'succeeded': 'str'}},
    'tags': {}, 'debug_on_failure': 'bool', 'logs': 'str'}
# config-framework-service controllers/components.py: get_component_v3 (no state, configuration_status, logs)
# and _patch_component_v3 (the stored record: state, no configuration_status); a new component as the
# simulator's control route makes it (no tags, no state layers)
COMPONENT = {'id': 'str', 'desired_config': 'str', 'enabled': 'bool', 'error_count': 'int', 'tags': {},
             'configuration_status': 'str', 'logs': 'str'}
COMPONENT_STORED = {'id': 'str', 'desired_config': 'str', 'enabled': 'bool', 'error_count': 'int', 'tags': {},
                    'state': []}
# bos src/bos/server/controllers/v2/sessiontemplates.py validate_sanitize_session_template
TEMPLATE = {'name': 'str', 'tenant': 'null', 'enable_cfs': 'bool', 'cfs': {'configuration': 'str'},
            'boot_sets': {'compute': {'path': 'str', 'type': 'str', 'etag': 'str', 'arch': 'str',
                                      'kernel_parameters': 'str', 'node_list': ['str']}}}
# bos src/bos/server/controllers/v2/sessions.py _create_session (V2Session.to_dict)
BOS_SESSION = {'name': 'str', 'tenant': 'null', 'operation': 'str', 'template_name': 'str', 'limit': 'str',
               'stage': 'bool', 'components': 'str', 'include_disabled': 'bool',
               'status': {'start_time': 'str', 'end_time': 'null', 'status': 'str', 'error': 'null'}}
# bos src/bos/server/controllers/v2/session_status.py session_extended_status (pending: no components)
BOS_EXT_STATUS = {'status': 'str', 'managed_components_count': 'int', 'percent_staged': 'number',
                  'percent_successful': 'number', 'percent_failed': 'number', 'error_summary': {},
                  'phases': {'percent_complete': 'number', 'percent_powering_on': 'number',
                             'percent_powering_off': 'number', 'percent_configuring': 'number'},
                  'timing': {'start_time': 'str', 'end_time': 'null', 'duration': 'str'}}


def skeleton(value):
    if isinstance(value, dict):
        return dict((k, skeleton(v)) for k, v in value.items())
    if isinstance(value, list):
        return [skeleton(value[0])] if value else []
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, int):
        return 'int'
    if isinstance(value, float):
        return 'number'
    return 'str'


def check(api, method, path, body, status, ctype, shape):
    r = api.call(method, path, body, validate=False)
    assert r.status_code == status, (method, path, r.status_code, r.text)
    if shape is None:  # a 204: no body, the JSON content type all three services set (QUIRKS Q-IMS-13)
        assert r.content == b'' and r.headers.get('Content-Type') == JSON, (method, path, r.headers)
        return r
    assert r.headers['Content-Type'] == ctype, (method, path)
    got = skeleton(r.json())
    assert got == shape, '%s %s: simulator %r, upstream %r' % (method, path, got, shape)
    return r


def test_ims_requests(api):
    n, s = IMS + '/remote-build-nodes', IMS + '/remote-build-nodes/status'
    cases = [
        ('GET', n + '/' + X, None, 404, PROBLEM, IMS_PROBLEM),      # ims_remote_node: read first
        ('POST', n, {'xname': X}, 201, JSON, NODE),                  # register
        ('GET', n + '/' + X, None, 200, JSON, NODE),
        ('GET', n, None, 200, JSON, [NODE]),                          # ims_remote_node_info
        ('GET', s + '/' + X, None, 200, JSON, NODE_STATUS),           # wait / info status
        ('GET', s, None, 200, JSON, [NODE_STATUS]),
        ('DELETE', n + '/' + X, None, 204, JSON, None),               # state=absent
        ('DELETE', n + '/' + X, None, 404, PROBLEM, IMS_PROBLEM),
        ('GET', IMS + '/images/' + X86_IMG, None, 200, JSON, IMAGE),  # ims_image_info
        ('GET', IMS + '/images/00000000-0000-4000-8000-000000000000', None, 404, PROBLEM, IMS_PROBLEM),
        ('GET', IMS + '/images', None, 200, JSON, [IMAGE]),
    ]
    for case in cases:
        check(api, *case)


def test_cfs_requests(api):
    c = CFS + '/configurations/remote-ims-node'
    session = {'name': 'build-x86', 'configuration_name': 'remote-ims-node',
               'target': {'definition': 'image', 'groups': [{'name': 'Application', 'members': [X86_IMG]}],
                          'image_map': [{'source_id': X86_IMG, 'result_name': 'r'}]}}
    cases = [
        ('GET', c, None, 404, PROBLEM, CX_PROBLEM),                   # cfs_configuration: read first
        ('PUT', c, {'layers': [LAYER]}, 200, JSON, CONFIG),
        ('GET', c, None, 200, JSON, CONFIG),
        ('GET', CFS + '/sessions/build-x86', None, 404, PROBLEM, CX_PROBLEM),  # cfs_session
        ('POST', CFS + '/sessions', session, 201, JSON, CFS_SESSION),
        ('GET', CFS + '/sessions/build-x86', None, 200, JSON, CFS_SESSION),
        ('DELETE', CFS + '/sessions/build-x86', None, 204, JSON, None),
        ('DELETE', c, None, 204, JSON, None),
    ]
    for case in cases:
        check(api, *case)


def test_cfs_component_requests(api, csm_sim):
    c = CFS + '/components/' + X
    csm_sim.add_cfs_component(X)
    api.call('PUT', CFS + '/configurations/remote-ims-node', {'layers': [LAYER]})
    cases = [
        ('GET', CFS + '/components/x3000c0s19b3n0', None, 404, PROBLEM, CX_PROBLEM),  # cfs_component: read first
        ('GET', c, None, 200, JSON, COMPONENT),
        ('GET', CFS + '/configurations/remote-ims-node', None, 200, JSON, CONFIG),  # the configuration exists
        ('PATCH', c, {'desired_config': 'remote-ims-node'}, 200, JSON, COMPONENT_STORED),
        ('PATCH', c, {'desired_config': 'remote-ims-node', 'enabled': False}, 200, JSON, COMPONENT_STORED),
        ('GET', c, None, 200, JSON, COMPONENT),  # read again after the PATCH
        ('PATCH', CFS + '/components/x3000c0s19b3n0', {'enabled': True}, 404, PROBLEM, CX_PROBLEM),
    ]
    for case in cases:
        check(api, *case)


def test_bos_requests(api):
    t = BOS + '/sessiontemplates/bos_ims_remote_node'
    template = {'enable_cfs': True, 'cfs': {'configuration': 'remote-ims-node'}, 'boot_sets': {'compute': {
        'path': 's3://boot-images/%s/manifest.json' % X86_IMG, 'type': 's3', 'etag': 'e',
        'kernel_parameters': 'ip=dhcp', 'node_list': [X]}}}
    cases = [
        ('GET', t, None, 404, PROBLEM, CX_PROBLEM),                   # bos_sessiontemplate: read first
        ('PUT', t, template, 200, JSON, TEMPLATE),
        ('GET', t, None, 200, JSON, TEMPLATE),
        ('GET', BOS + '/sessions/boot-1', None, 404, PROBLEM, CX_PROBLEM),  # bos_session
        ('POST', BOS + '/sessions', {'name': 'boot-1', 'operation': 'boot', 'template_name': 'bos_ims_remote_node',
                                     'limit': X, 'stage': False, 'include_disabled': False}, 201, JSON, BOS_SESSION),
        ('GET', BOS + '/sessions/boot-1', None, 200, JSON, BOS_SESSION),
        ('GET', BOS + '/sessions/boot-1/status', None, 200, JSON, BOS_EXT_STATUS),
        ('DELETE', t, None, 204, JSON, None),
    ]
    for case in cases:
        check(api, *case)


@pytest.mark.parametrize('value,shape', [({'a': [1, None]}, {'a': ['int']}), ([], []), (1.5, 'number')])
def test_skeleton(value, shape):
    assert skeleton(value) == shape
