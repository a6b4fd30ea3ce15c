# -*- coding: utf-8 -*-
"""CsmClient's transport (client.py http_open, ssl_context) against the simulator and a local proxy/redirector.

It keeps one SSLContext per process and setting where ansible-core's open_url builds one per request; what
it sends and how it fails must stay what open_url(follow_redirects='safe', use_proxy=True) does, so the
proxy and redirect tests run the same request through both.
"""
from __future__ import absolute_import, division, print_function

import gzip
import http.client
import json
import os
import select
import shutil
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit

import pytest
from ansible.module_utils.urls import open_url

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..')))

from ansible_collections.cray.csm.plugins.module_utils import transport as client_mod  # noqa: E402
from ansible_collections.cray.csm.plugins.module_utils.errors import CsmConnectionError  # noqa: E402
from ansible_collections.cray.csm.plugins.module_utils.session import CsmClient  # noqa: E402
from ansible_collections.cray.csm.plugins.module_utils.paths import ims_remote_node  # noqa: E402

NODES = ims_remote_node()
PROXY_VARS = ('http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'all_proxy', 'ALL_PROXY')


def ansible_open(url, method='GET', data=None, headers=None, ca_path=None):
    return open_url(url, data=data, headers=headers, method=method, ca_path=ca_path, follow_redirects='safe',
                    use_proxy=True, timeout=10)


def client_open(url, method='GET', data=None, headers=None, ca_path=None):
    return client_mod.http_open(url, data=data, headers=headers, method=method, ca_path=ca_path, timeout=10)


TRANSPORTS = {'open_url': ansible_open, 'http_open': client_open}


class Helper(ThreadingMixIn, HTTPServer):
    """A forward proxy (absolute-URI requests and CONNECT tunnels) that records what it relays, and two routes:
    /redirect?to=URL&code=N answers N with Location URL (and sets cookie c=1); /gzip answers gzip-encoded JSON;
    /cookie answers the Cookie header it got as JSON."""
    daemon_threads = True

    def __init__(self):
        HTTPServer.__init__(self, ('127.0.0.1', 0), HelperHandler)
        self.seen = []
        self.url = 'http://127.0.0.1:%d' % self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()


class HelperHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_CONNECT(self):
        self.server.seen.append(('CONNECT', self.path))
        host, port = self.path.rsplit(':', 1)
        upstream = socket.create_connection((host, int(port)), timeout=10)
        self.send_response(200, 'Connection established')
        self.end_headers()
        pair = [self.connection, upstream]
        while True:
            ready = select.select(pair, [], [], 10)[0]
            chunks = [(s, s.recv(65536)) for s in ready]
            if not ready or any(not c for _s, c in chunks):
                break
            for s, c in chunks:
                (upstream if s is self.connection else self.connection).sendall(c)
        upstream.close()
        self.close_connection = True

    def _answer(self, status, body=b'', headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _relay(self, body):
        self.server.seen.append((self.command, self.path))
        target = urlsplit(self.path)
        conn = http.client.HTTPConnection(target.netloc, timeout=10)
        conn.request(self.command, target.path + ('?' + target.query if target.query else ''), body=body,
                     headers=dict((k, v) for k, v in self.headers.items() if k.lower() != 'proxy-connection'))
        answer = conn.getresponse()
        self._answer(answer.status, answer.read(), [(k, v) for k, v in answer.getheaders()
                                                    if k.lower() not in ('content-length', 'transfer-encoding')])

    def _handle(self):
        body = self.rfile.read(int(self.headers.get('Content-Length') or 0)) or None
        if self.path.startswith('http://'):
            return self._relay(body)
        self.server.seen.append((self.command, self.path.split('?')[0], self.headers.get('Authorization')))
        route = urlsplit(self.path)
        if route.path == '/redirect':
            query = parse_qs(route.query)
            return self._answer(int(query['code'][0]), headers=[('Location', query['to'][0]), ('Set-Cookie', 'c=1; Path=/')])
        if route.path == '/cookie':
            return self._answer(200, json.dumps(self.headers.get('Cookie')).encode(), [('Content-Type', 'application/json')])
        if route.path == '/gzip':
            return self._answer(200, gzip.compress(b'{"zipped": true}'),
                                [('Content-Type', 'application/json'), ('Content-Encoding', 'gzip')])
        return self._answer(404)

    do_GET = do_POST = do_PUT = _handle


@pytest.fixture
def helper():
    server = Helper()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def no_proxy_env(monkeypatch):
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def fresh_contexts(monkeypatch):
    """An empty context cache, and the number of contexts made since."""
    made = []
    real = client_mod._new_context

    def counting(validate, ca_path):
        made.append((validate, ca_path))
        return real(validate, ca_path)
    monkeypatch.setattr(client_mod, '_CONTEXTS', {})
    monkeypatch.setattr(client_mod, '_new_context', counting)
    return made


def test_one_context_per_process_and_setting(csm_sim_tls, fresh_contexts):
    sim = csm_sim_tls
    first = CsmClient(api_gateway=sim.url, client_secret=sim.client_secret, ca_path=sim.ca_path)
    assert first.get(NODES) == [] and first.get(NODES) == []  # token + 2 GETs
    again = CsmClient(api_gateway=sim.url, token=first.token, ca_path=sim.ca_path)
    assert again.get(NODES) == []
    unverified = CsmClient(api_gateway=sim.url, token=first.token, validate_certs=False, ca_path=sim.ca_path)
    assert unverified.get(NODES) == [] and unverified.get(NODES) == []
    assert fresh_contexts == [(True, sim.ca_path), (False, sim.ca_path)]
    assert [e['method'] for e in sim.log()] == ['POST', 'GET', 'GET', 'GET', 'GET', 'GET']


def test_plain_http_makes_no_context(csm_sim, fresh_contexts):
    assert CsmClient(api_gateway=csm_sim.url, client_secret=csm_sim.client_secret).get(NODES) == []
    assert fresh_contexts == []


def test_wrong_ca_fails_with_the_tls_error_and_sends_nothing(csm_sim_tls, tmp_path):
    from simulator.csm_simulator import tls_context  # another CA, not the simulator's
    _ctx, wrong_ca = tls_context(str(tmp_path))
    with pytest.raises(CsmConnectionError) as e:
        CsmClient(api_gateway=csm_sim_tls.url, client_secret=csm_sim_tls.client_secret, ca_path=wrong_ca,
                  retries=0).get(NODES)
    assert str(e.value).startswith('TLS verification of %s failed (' % csm_sim_tls.url)
    assert 'CERTIFICATE_VERIFY_FAILED' in str(e.value) and 'set ca_path to the CSM CA' in str(e.value)
    assert csm_sim_tls.log() == []


def test_validate_certs_false_needs_no_ca(csm_sim_tls):
    c = CsmClient(api_gateway=csm_sim_tls.url, client_secret=csm_sim_tls.client_secret, validate_certs=False)
    assert c.get(NODES) == []


def test_missing_ca_file_fails_as_with_open_url(csm_sim_tls, tmp_path):
    missing = str(tmp_path / 'no-such-ca.crt')
    with pytest.raises(FileNotFoundError):  # its text names the file on ansible-core 2.16, not on 2.19
        ansible_open(csm_sim_tls.url + NODES, ca_path=missing)
    with pytest.raises(CsmConnectionError) as e:
        CsmClient(api_gateway=csm_sim_tls.url, token='t', ca_path=missing, retries=0).get(NODES)
    assert 'cannot reach the CSM API gateway: [Errno 2] No such file or directory' in str(e.value)
    assert csm_sim_tls.log() == []


def test_ca_files_open_url_adds_to_the_system_store_are_trusted(csm_sim_tls, tmp_path, fresh_contexts, monkeypatch):
    shutil.copy(csm_sim_tls.ca_path, str(tmp_path / 'csm-ca.pem'))
    (tmp_path / 'broken.crt').write_text('not a certificate')
    (tmp_path / 'other.txt').write_text('ignored: not a CA file type')
    monkeypatch.setattr(client_mod, 'EXTRA_CA_DIRS', (str(tmp_path),))
    assert CsmClient(api_gateway=csm_sim_tls.url, client_secret=csm_sim_tls.client_secret).get(NODES) == []
    assert fresh_contexts == [(True, None)]


@pytest.mark.parametrize('transport', sorted(TRANSPORTS))
def test_http_proxy_and_no_proxy_from_the_environment(csm_sim, helper, no_proxy_env, transport):
    url = csm_sim.url + NODES
    headers = {'Authorization': 'Bearer %s' % csm_sim.token()}
    no_proxy_env.setenv('http_proxy', helper.url)
    assert json.loads(TRANSPORTS[transport](url, headers=headers).read()) == []
    assert helper.seen == [('GET', url)]
    no_proxy_env.setenv('no_proxy', '127.0.0.1')
    assert json.loads(TRANSPORTS[transport](url, headers=headers).read()) == []
    assert helper.seen == [('GET', url)]  # not through the proxy
    assert [e['path'] for e in csm_sim.log() if 'keycloak' not in e['path']] == [NODES, NODES]


@pytest.mark.parametrize('transport', sorted(TRANSPORTS))
def test_https_proxy_tunnels_and_verifies(csm_sim_tls, helper, no_proxy_env, transport):
    headers = {'Authorization': 'Bearer %s' % csm_sim_tls.token()}
    no_proxy_env.setenv('https_proxy', helper.url)  # after the simulator's own token request (urllib)
    answer = TRANSPORTS[transport](csm_sim_tls.url + NODES, headers=headers, ca_path=csm_sim_tls.ca_path)
    assert json.loads(answer.read()) == []
    assert helper.seen == [('CONNECT', csm_sim_tls.url[len('https://'):])]


def test_client_goes_through_the_proxy(csm_sim, helper, no_proxy_env):
    no_proxy_env.setenv('http_proxy', helper.url)
    assert CsmClient(api_gateway=csm_sim.url, client_secret=csm_sim.client_secret).get(NODES) == []
    assert [m for m, _u in helper.seen] == ['POST', 'GET']


@pytest.mark.parametrize('transport', sorted(TRANSPORTS))
def test_safe_redirects(csm_sim, helper, no_proxy_env, transport):
    """GET follows a redirect (to another server, with its headers); POST and PUT get the 3xx as an error."""
    go = TRANSPORTS[transport]
    token = csm_sim.token()
    for code in (301, 302, 303, 307, 308):
        answer = go('%s/redirect?code=%d&to=%s' % (helper.url, code, csm_sim.url + NODES),
                    headers={'Authorization': 'Bearer %s' % token})
        assert (answer.status, json.loads(answer.read())) == (200, []), code
    for method in ('POST', 'PUT'):
        with pytest.raises(HTTPError) as e:
            go('%s/redirect?code=302&to=%s' % (helper.url, csm_sim.url + NODES), method=method, data=b'{}',
               headers={'Content-Type': 'application/json'})
        assert e.value.code == 302
    assert [e['path'] for e in csm_sim.log() if 'keycloak' not in e['path']] == [NODES] * 5


@pytest.mark.parametrize('transport', sorted(TRANSPORTS))
def test_cookies_go_with_the_redirects_of_one_request_only(helper, no_proxy_env, transport):
    """The client keeps one opener per process: its cookie jar must not carry a cookie to the next request."""
    go = TRANSPORTS[transport]
    assert json.loads(go('%s/redirect?code=302&to=%s/cookie' % (helper.url, helper.url)).read()) == 'c=1'
    assert json.loads(go(helper.url + '/cookie').read()) is None


def test_one_opener_per_setting_and_proxy_environment(helper, no_proxy_env):
    first = client_mod.http_opener()
    assert client_mod.http_opener() is first and client_mod.http_opener(validate_certs=False) is not first
    no_proxy_env.setenv('http_proxy', helper.url)  # set after the opener was made: a new one sees it
    assert client_mod.http_opener() is not first


def test_client_decodes_gzip_as_open_url_does(helper, no_proxy_env):
    assert json.loads(ansible_open(helper.url + '/gzip').read()) == {'zipped': True}
    assert CsmClient(api_gateway=helper.url, token='t').get('/gzip') == {'zipped': True}
    assert helper.seen[-1] == ('GET', '/gzip', 'Bearer t')
