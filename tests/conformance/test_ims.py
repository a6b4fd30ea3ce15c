"""IMS v3 remote-build-nodes and images, validated against ims.yaml; quirks per QUIRKS.md."""
import pytest

from openapi_core.exceptions import OpenAPIError
from spec_check import oas, _Req, _Resp

P = '/apis/ims/v3'
X = 'x3000c0s19b4n0'


def test_list_empty_then_create(api):
    r = api.call('GET', P + '/remote-build-nodes')
    assert r.status_code == 200 and r.json() == []
    r = api.call('POST', P + '/remote-build-nodes', {'xname': X})
    assert r.status_code == 201 and r.json() == {'xname': X}
    assert api.call('GET', P + '/remote-build-nodes').json() == [{'xname': X}]
    r = api.call('GET', P + '/remote-build-nodes/' + X)
    assert r.status_code == 200 and r.json() == {'xname': X}


def test_duplicate_post_overwrites_with_201(api):
    """QUIRKS.md Q-IMS-1: no 400 on a duplicate, despite the docstring."""
    for _unused in range(2):
        r = api.call('POST', P + '/remote-build-nodes', {'xname': X})
        assert r.status_code == 201
    assert api.call('GET', P + '/remote-build-nodes').json() == [{'xname': X}]


@pytest.mark.parametrize('body,field,msg,spec_rejects', [
    ({'xname': ''}, 'xname', 'name field must not be blank', True),
    ({'xname': 5}, 'xname', 'Not a valid string.', True),
    # the spec allows extra properties; marshmallow (unknown=RAISE) does not (Q-IMS-4)
    ({'xname': X, 'foo': 1}, 'foo', 'Unknown field.', False),
])
def test_post_422(api, body, field, msg, spec_rejects):
    r = api.call('POST', P + '/remote-build-nodes', body, request_valid=not spec_rejects)
    assert r.status_code == 422
    assert r.headers['Content-Type'] == 'application/problem+json'
    assert r.json()['errors'][field] == [msg]


def test_post_400_and_415(api):
    r = api.call('POST', P + '/remote-build-nodes', {}, request_valid=False)
    assert r.status_code == 400 and r.json()['detail'].startswith('No input provided')
    r = api.call('POST', P + '/remote-build-nodes', data=b'', validate=False,
                 headers={'Content-Type': 'application/json'})
    assert r.status_code == 400 and r.json()['detail'].startswith('Failed to decode JSON object')
    r = api.call('POST', P + '/remote-build-nodes', data=b'xname=x', validate=False,
                 headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert r.status_code == 415


def test_unknown_node_404(api):
    for m in ('GET', 'DELETE'):
        r = api.call(m, P + '/remote-build-nodes/x9c0s0b0n0')
        assert r.status_code == 404
        assert r.headers['Content-Type'] == 'application/problem+json'  # Q-IMS-5
        assert r.json()['detail'] == 'Requested resource does not exist. Re-run request with valid ID.'


def test_delete_one_and_collection(api):
    for x in (X, 'x3000c0s19b3n0', 'x3000c0s17b1n0'):
        api.call('POST', P + '/remote-build-nodes', {'xname': x})
    r = api.call('DELETE', P + '/remote-build-nodes/' + X)
    assert r.status_code == 204 and r.content == b''
    assert len(api.call('GET', P + '/remote-build-nodes').json()) == 2
    r = api.call('DELETE', P + '/remote-build-nodes')  # Q-IMS-2: deletes all
    assert r.status_code == 204
    assert api.call('GET', P + '/remote-build-nodes').json() == []


def test_patch_405(api):
    r = api.call('PATCH', P + '/remote-build-nodes/' + X, {'xname': X}, validate=False)
    assert r.status_code == 405


def test_status_unmapped_node(api):
    api.call('POST', P + '/remote-build-nodes', {'xname': X})
    r = api.call('GET', P + '/remote-build-nodes/status/' + X, validate=False)
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body, dict)  # Q-IMS-3: an object, the spec says an array
    assert body == {'xname': X, 'ableToRunJobs': False, 'nodeArch': 'Unknown', 'numCurrentJobs': -1,
                    'podmanStatus': 'Unknown',
                    'sshStatus': 'Unable to connect to node. Error: [Errno -2] Name or service not known'}
    # the spec's own schema rejects the object (that is the quirk) ...
    spec = oas('ims')
    req = _Req(r.request, P + '/remote-build-nodes/status/' + X, {})
    with pytest.raises(OpenAPIError):
        spec.validate_response(req, _Resp(r))
    # ... and the list endpoint conforms
    r = api.call('GET', P + '/remote-build-nodes/status')
    assert r.status_code == 200 and r.json() == [body]


def test_status_closed_port(api, csm_sim):
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    csm_sim.set_nodes({X: '127.0.0.1:%d' % port})
    api.call('POST', P + '/remote-build-nodes', {'xname': X})
    body = api.call('GET', P + '/remote-build-nodes/status').json()[0]
    assert body['sshStatus'] == ('Unable to connect to node. Error: [Errno None] Unable to connect '
                                 'to port %d on 127.0.0.1' % port)
    assert body['ableToRunJobs'] is False


def test_status_unregistered_404(api):
    r = api.call('GET', P + '/remote-build-nodes/status/x1c0s0b0n0', validate=False)
    assert r.status_code == 404


def test_status_absent_in_csm_15(api, csm_sim):
    csm_sim.config(csm_version='1.5')
    api.call('POST', P + '/remote-build-nodes', {'xname': X})
    r = api.call('GET', P + '/remote-build-nodes/status', validate=False)
    assert r.status_code == 404
    r = api.call('GET', P + '/remote-build-nodes/status/' + X, validate=False)
    assert r.status_code == 404


def test_images(api):
    r = api.call('GET', P + '/images')
    assert r.status_code == 200
    imgs = r.json()
    assert set(i['arch'] for i in imgs) == {'x86_64', 'aarch64'}
    for i in imgs:
        assert i['link']['path'] == 's3://boot-images/%s/manifest.json' % i['id']
        assert i['link']['type'] == 's3' and len(i['link']['etag']) == 32
        one = api.call('GET', P + '/images/' + i['id'])
        assert one.status_code == 200 and one.json() == i
    r = api.call('GET', P + '/images/00000000-0000-0000-0000-000000000000')
    assert r.status_code == 404


def test_problem_bodies_have_no_type(api):
    """QUIRKS.md Q-IMS-8: IMS problems are httpproblem dicts: status, title, detail (+ errors), no `type`."""
    r = api.call('GET', '/apis/ims/v3/remote-build-nodes/x9c0s0b0n0')
    assert r.status_code == 404 and r.headers['Content-Type'] == 'application/problem+json'
    assert r.json() == {'status': 404, 'title': 'Not Found',
                        'detail': 'Requested resource does not exist. Re-run request with valid ID.'}
    r = api.call('POST', '/apis/ims/v3/remote-build-nodes', {'xname': 'x1c0s0b0n0', 'bogus': 1}, validate=False)
    assert r.status_code == 422 and sorted(r.json()) == ['detail', 'errors', 'status', 'title']
    assert r.json()['title'] == 'Unprocessable Entity' and r.json()['errors'] == {'bogus': ['Unknown field.']}
