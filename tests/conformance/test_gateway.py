"""Keycloak, auth, SLS, the Kubernetes subset, TLS and the /_sim control API."""
import base64
import time

import pytest
import requests
import yaml

TOKEN = '/keycloak/realms/shasta/protocol/openid-connect/token'
NODES = '/apis/ims/v3/remote-build-nodes'


def form(secret, grant='client_credentials'):
    return {'grant_type': grant, 'client_id': 'admin-client', 'client_secret': secret}


def test_token(csm_sim):
    r = requests.post(csm_sim.url + TOKEN, data=form(csm_sim.client_secret))
    assert r.status_code == 200
    assert r.json()['expires_in'] == 300 and r.json()['access_token']
    r = requests.post(csm_sim.url + TOKEN, data=form('wrong'))
    assert r.status_code == 401 and r.json()['error'] == 'unauthorized_client'
    r = requests.post(csm_sim.url + TOKEN, data=form(csm_sim.client_secret, 'password'))
    assert r.status_code == 400


@pytest.mark.parametrize('header', [None, 'Bearer nope', 'Basic abc'])
def test_auth_required(csm_sim, header):
    h = {'Authorization': header} if header else {}
    for path in (NODES, '/apis/cfs/v3/configurations', '/apis/bos/v2/sessiontemplates',
                 '/apis/smd/hsm/v2/State/Components', '/apis/sls/v1/networks'):
        assert requests.get(csm_sim.url + path, headers=h).status_code == 401


def test_token_ttl_and_expiry(csm_sim):
    csm_sim.config(token_ttl=1)
    r = requests.post(csm_sim.url + TOKEN, data=form(csm_sim.client_secret))
    assert r.json()['expires_in'] == 1
    h = {'Authorization': 'Bearer ' + r.json()['access_token']}
    assert requests.get(csm_sim.url + NODES, headers=h).status_code == 200
    time.sleep(1.2)
    assert requests.get(csm_sim.url + NODES, headers=h).status_code == 401


def test_tokens_expire_now(csm_sim):
    h = {'Authorization': 'Bearer ' + csm_sim.token()}
    assert requests.get(csm_sim.url + NODES, headers=h).status_code == 200
    csm_sim.expire_tokens()
    assert requests.get(csm_sim.url + NODES, headers=h).status_code == 401


def test_sls_unbound(api):
    r = api.call('GET', '/apis/sls/v1/networks/NMNLB')
    res = [ip for s in r.json()['ExtraProperties']['Subnets'] for ip in s.get('IPReservations', [])
           if 'unbound' in ip['Name']]
    assert res == [{'Name': 'unbound', 'IPAddress': '10.92.100.225', 'Aliases': ['unbound'],
                    'Comment': 'unbound'}]
    assert {n['Name'] for n in api.call('GET', '/apis/sls/v1/networks').json()} >= {'NMN', 'NMNLB'}
    assert api.call('GET', '/apis/sls/v1/networks/NOPE').status_code == 404


def test_k8s_discovery_and_objects(csm_sim):
    def get(path):
        return requests.get(csm_sim.url + path)

    assert get('/version').status_code == 200
    assert get('/api').json()['versions'] == ['v1']
    assert get('/apis').json() == {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': []}
    kinds = {r['kind'] for r in get('/api/v1').json()['resources']}
    assert kinds == {'ConfigMap', 'Secret'}
    sec = get('/api/v1/namespaces/default/secrets/admin-client-auth').json()
    assert base64.b64decode(sec['data']['client-secret']).decode() == csm_sim.client_secret
    keys = get('/api/v1/namespaces/services/configmaps/cray-ims-remote-keys').json()['data']
    assert set(keys) == {'public_key', 'private_key', 'certificate'}
    assert keys['public_key'].startswith('ecdsa-sha2-nistp384 ')
    assert keys['certificate'].startswith('ecdsa-sha2-nistp384-cert-v01@openssh.com ')
    with open(csm_sim.ims_private_key) as f:
        assert f.read() == keys['private_key']
    import os
    assert os.stat(csm_sim.ims_private_key).st_mode & 0o777 == 0o600
    assert get('/api/v1/namespaces/services/configmaps/nope').status_code == 404
    assert get('/api/v1/namespaces/default/secrets/nope').json()['kind'] == 'Status'


def test_product_catalog(api, csm_sim):
    cm = requests.get(csm_sim.url + '/api/v1/namespaces/services/configmaps/cray-product-catalog').json()
    csm = yaml.safe_load(cm['data']['csm'])
    assert {'1.5.2', '1.6.0', '1.6.1'} <= set(csm)
    from packaging.version import Version
    latest = sorted(csm, key=Version)[-1]
    assert latest == '1.6.1'
    entry = csm[latest]
    assert len(entry['configuration']['commit']) == 40
    assert set(entry['configuration']) == {'clone_url', 'commit', 'import_branch', 'import_date', 'ssh_url'}
    for name, img in entry['images'].items():  # every catalog image exists in IMS
        assert api.call('GET', '/apis/ims/v3/images/' + img['id']).json()['name'] == name
    assert any(n.startswith('compute-csm-1.6-') and n.endswith('-aarch64') for n in entry['images'])
    assert any('barebones' in n for n in entry['images'])


def test_kubeconfig(csm_sim):
    with open(csm_sim.kubeconfig) as f:
        cfg = yaml.safe_load(f)
    assert cfg['clusters'][0]['cluster']['server'] == csm_sim.url


def test_tls(csm_sim_tls):
    assert csm_sim_tls.url.startswith('https://127.0.0.1:')
    r = requests.get(csm_sim_tls.url + '/version', verify=csm_sim_tls.ca_path)
    assert r.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(csm_sim_tls.url + '/version', verify=True)
    r = requests.get(csm_sim_tls.url.replace('127.0.0.1', 'localhost') + '/version',
                     verify=csm_sim_tls.ca_path)
    assert r.status_code == 200
    h = {'Authorization': 'Bearer ' + csm_sim_tls.token()}
    assert requests.get(csm_sim_tls.url + NODES, headers=h, verify=csm_sim_tls.ca_path).json() == []
    with open(csm_sim_tls.kubeconfig) as f:
        cluster = yaml.safe_load(f)['clusters'][0]['cluster']
    assert cluster['certificate-authority'] == csm_sim_tls.ca_path


def test_log(csm_sim):
    h = {'Authorization': 'Bearer ' + csm_sim.token()}
    csm_sim.clear_log()
    requests.get(csm_sim.url + '/apis/cfs/v3/configurations?limit=2', headers=h)
    requests.get(csm_sim.url + NODES)
    log = csm_sim.log()
    assert log == [{'method': 'GET', 'path': '/apis/cfs/v3/configurations', 'status': 200,
                    'query': {'limit': '2'}},
                   {'method': 'GET', 'path': NODES, 'status': 401, 'query': {}}]
    csm_sim.clear_log()
    assert csm_sim.log() == []


def test_fault_status_times_retry_after(csm_sim):
    h = {'Authorization': 'Bearer ' + csm_sim.token()}
    csm_sim.fault(method='GET', path='^/apis/ims/', status=503, retry_after=2, times=2)
    for _ in range(2):
        r = requests.get(csm_sim.url + NODES, headers=h)
        assert r.status_code == 503 and r.headers['Retry-After'] == '2'
    assert requests.get(csm_sim.url + NODES, headers=h).status_code == 200
    csm_sim.fault(method='POST', path='remote-build-nodes$', status=500)
    assert requests.get(csm_sim.url + NODES, headers=h).status_code == 200  # method differs
    assert requests.post(csm_sim.url + NODES, headers=h, json={'xname': 'x1'}).status_code == 500
    csm_sim.clear_faults()
    assert requests.post(csm_sim.url + NODES, headers=h, json={'xname': 'x1'}).status_code == 201
    assert [e['status'] for e in csm_sim.log()][-2:] == [500, 201]


def test_fault_drop_and_delay(csm_sim):
    h = {'Authorization': 'Bearer ' + csm_sim.token()}
    csm_sim.fault(path='^/apis/sls/', drop=True, times=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(csm_sim.url + '/apis/sls/v1/networks', headers=h)
    csm_sim.fault(path='^/apis/sls/', delay=0.5, times=1)
    t0 = time.monotonic()
    assert requests.get(csm_sim.url + '/apis/sls/v1/networks', headers=h).status_code == 200
    assert time.monotonic() - t0 >= 0.5
    with pytest.raises(requests.exceptions.ReadTimeout):
        csm_sim.fault(path='^/apis/sls/', delay=2, times=1)
        requests.get(csm_sim.url + '/apis/sls/v1/networks', headers=h, timeout=0.5)


def test_fault_on_token_endpoint(csm_sim):
    csm_sim.fault(path='/openid-connect/token$', status=502, times=1)
    assert requests.post(csm_sim.url + TOKEN, data=form(csm_sim.client_secret)).status_code == 502
    assert requests.post(csm_sim.url + TOKEN, data=form(csm_sim.client_secret)).status_code == 200


def test_reset_restores_seed(csm_sim):
    h = {'Authorization': 'Bearer ' + csm_sim.token()}
    requests.post(csm_sim.url + NODES, headers=h, json={'xname': 'x1'})
    csm_sim.config(csm_version='1.7', token_ttl=5)
    csm_sim.fault(path='^/apis/sls', status=500)
    csm_sim.reset()
    assert requests.get(csm_sim.url + '/_sim/config').json()['csm_version'] == '1.6'
    assert requests.get(csm_sim.url + '/_sim/faults').json() == []
    h = {'Authorization': 'Bearer ' + csm_sim.token()}  # tokens are dropped by a reset
    assert requests.get(csm_sim.url + NODES, headers=h).json() == []


def test_config_rejects_unknown_key(csm_sim):
    r = requests.post(csm_sim.url + '/_sim/config', json={'nope': 1})
    assert r.status_code == 400


def test_binds_loopback_only(csm_sim):
    port = int(csm_sim.url.rsplit(':', 1)[1])
    listening = []
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                addr, p = local.split(':')
                if int(p, 16) == port and state == '0A':  # LISTEN
                    listening.append(addr)
    assert listening == ['0100007F']  # 127.0.0.1, little-endian hex
