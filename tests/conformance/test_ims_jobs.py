"""IMS v3 jobs, as Cray-HPE/ims serves them, against ims.yaml; quirks Q-IMS-9..12 of QUIRKS.md.

Jobs are started with the simulator's control route without a footprint (no SSH here): the records and
the API are what is checked. The footprint on a node is tested end to end (tests/e2e).
"""
import pytest

from openapi_core.exceptions import OpenAPIError
from spec_check import oas, _Req, _Resp

P = '/apis/ims/v3'
X = 'x3000c0s19b4n0'
HINT = ('Determine the specific information that is missing or invalid and then re-run the request with '
        'valid information.')


def start(sim, **kw):
    kw.setdefault('footprint', False)
    return sim.start_job(kw.pop('node', X), **kw)


@pytest.fixture
def node(api):
    api.call('POST', P + '/remote-build-nodes', {'xname': X})
    return X


def spec_rejects(r, path):
    with pytest.raises(OpenAPIError):
        oas('ims').validate_response(_Req(r.request, path, {}), _Resp(r))


def test_list_get_and_the_fields_the_spec_lacks(api, csm_sim, node):
    assert api.call('GET', P + '/jobs').json() == []
    job = start(csm_sim, status='building_image')
    del job['_sim']
    r = api.call('GET', P + '/jobs/' + job['id'], validate=False)
    assert r.status_code == 200 and r.json() == job
    # Q-IMS-9: remote_build_node (models/jobs.py v2.3) and the other fields of V2JobRecordSchema
    assert job['remote_build_node'] == X and job['arch'] == 'x86_64' and job['status'] == 'building_image'
    assert set(job) >= {'kubernetes_pvc', 'kubernetes_secret', 'job_mem_size', 'require_dkms', 'created'}
    # Q-IMS-10: None-valued fields come back null where the spec says non-nullable string/array
    assert job['resultant_image_id'] is None and job['ssh_containers'] is None
    spec_rejects(r, P + '/jobs/' + job['id'])
    r = api.call('GET', P + '/jobs', validate=False)
    assert r.json() == [job]
    assert api.call('GET', P + '/jobs/' + job['id'].upper(), validate=False).status_code == 404


def test_packaging_artifacts_is_a_status(api, csm_sim, node):
    """Q-IMS-11: models/jobs.py STATUS_TYPES has packaging_artifacts; the spec's JobStatuses does not."""
    job = start(csm_sim, status='building_image')
    r = api.call('PATCH', P + '/jobs/' + job['id'], {'status': 'packaging_artifacts'}, validate=False)
    assert r.status_code == 200 and r.json()['status'] == 'packaging_artifacts'
    # the spec rejects the request that the service accepts
    assert list(oas('ims').iter_request_errors(_Req(r.request, P + '/jobs/' + job['id'], {})))


@pytest.mark.parametrize('body,status,errors', [
    ({'status': 'done'}, 422, {'status': ['Job state must be one of: creating, fetching_image, fetching_recipe, '
                                          'waiting_for_repos, building_image, packaging_artifacts, waiting_on_user, '
                                          'error, success.']}),
    ({'resultant_image_id': 'nope'}, 422, {'resultant_image_id': ['Not a valid UUID.']}),
    ({'remote_build_node': 'x1'}, 422, {'remote_build_node': ['Unknown field.']}),
    ({}, 400, None),
])
def test_patch_errors(api, csm_sim, node, body, status, errors):
    job = start(csm_sim)
    r = api.call('PATCH', P + '/jobs/' + job['id'], body, validate=False)
    assert r.status_code == status and r.headers['Content-Type'] == 'application/problem+json'
    if errors:
        assert r.json()['errors'] == errors
    else:
        assert r.json()['detail'].startswith('No input provided.')
    assert api.call('PATCH', P + '/jobs/nope', {'status': 'error'}, validate=False).status_code == 404


def test_delete_one(api, csm_sim, node):
    job = start(csm_sim)
    r = api.call('DELETE', P + '/jobs/' + job['id'])
    assert r.status_code == 204 and r.content == b''
    assert api.call('GET', P + '/jobs/' + job['id']).status_code == 404
    assert api.call('DELETE', P + '/jobs/' + job['id']).status_code == 404


def job_ids(api):
    return [j['id'] for j in api.call('GET', P + '/jobs', validate=False).json()]


def test_delete_collection_filters(api, csm_sim, node):
    ok_create = start(csm_sim, job_type='create', status='success')
    start(csm_sim, status='error')
    live = start(csm_sim, status='waiting_on_user')
    k8s = start(csm_sim, node='', status='success')
    assert k8s['remote_build_node'] == ''  # a job IMS runs in Kubernetes
    # status is repeatable; job_type is one value (request.args.get) - Q-IMS-12
    r = api.call('DELETE', P + '/jobs', params={'status': ['success', 'error'], 'job_type': 'customize'})
    assert r.status_code == 204
    assert job_ids(api) == [ok_create['id'], live['id']]
    # an age filter keeps what is younger
    assert api.call('DELETE', P + '/jobs', params={'age': '1d'}).status_code == 204
    assert job_ids(api) == [ok_create['id'], live['id']]
    # statuses are lower-cased first (the spec's enum has no upper case)
    r = api.call('DELETE', P + '/jobs', params={'status': 'SUCCESS'}, request_valid=False)
    assert r.status_code == 204 and job_ids(api) == [live['id']]


@pytest.mark.parametrize('params,detail', [
    ({'status': 'done'}, 'Unsupported status done in query parameters. ' + HINT),
    ({'job_type': 'build'}, 'Unsupported job_type build in query parameters. ' + HINT),
    ({'age': '99999999999w'}, 'Unsupported age 99999999999w in query parameters. ' + HINT),
])
def test_delete_collection_400(api, csm_sim, node, params, detail):
    start(csm_sim)
    r = api.call('DELETE', P + '/jobs', params=params, validate=False)
    assert r.status_code == 400 and r.json()['detail'] == detail
    assert len(api.call('GET', P + '/jobs', validate=False).json()) == 1


def test_age_without_a_unit_deletes_everything(api, csm_sim, node):
    """Q-IMS-12: _age_to_timestamp finds no unit in 'abc', so the cut-off is now: every job is older."""
    start(csm_sim, status='waiting_on_user')
    assert api.call('DELETE', P + '/jobs', params={'age': 'abc'}).status_code == 204
    assert api.call('GET', P + '/jobs').json() == []


def test_control_refuses_an_unregistered_node(csm_sim):
    with pytest.raises(RuntimeError, match='not registered'):
        start(csm_sim)


def test_control_moves_a_job_through_its_statuses(api, csm_sim, node):
    job = start(csm_sim, job_type='create')
    seen = [csm_sim.move_job(job['id'], 'advance')['status'] for _unused in range(6)]
    assert seen == ['fetching_recipe', 'waiting_for_repos', 'building_image', 'packaging_artifacts', 'success',
                    'success']
    job = start(csm_sim)
    assert csm_sim.move_job(job['id'], 'fail')['status'] == 'error'
    assert api.call('GET', P + '/jobs/' + job['id'], validate=False).json()['status'] == 'error'


def test_problems_carry_no_type_and_204_a_content_type(api, csm_sim, node):
    """IMS's problems have no `type` (ims src/server/errors.py problemify: httpproblem sets only what it is
    given); its 204 answers carry flask-restful's application/json and no body."""
    r = api.call('GET', P + '/jobs/nope', validate=False)
    assert r.status_code == 404 and 'type' not in r.json() and r.json()['status'] == 404
    r = api.call('DELETE', P + '/jobs', params={'status': 'done'}, validate=False)
    assert r.status_code == 400 and 'type' not in r.json()
    job = start(csm_sim)
    r = api.call('DELETE', P + '/jobs/' + job['id'])
    assert r.status_code == 204 and r.content == b'' and r.headers['Content-Type'] == 'application/json'
