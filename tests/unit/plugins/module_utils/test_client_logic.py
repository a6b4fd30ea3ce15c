# -*- coding: utf-8 -*-
"""CsmClient's retry and error decisions, with the transport (http_open) replaced (no network)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import ssl
from urllib.error import HTTPError, URLError

import pytest

from ansible_collections.cray.csm.plugins.module_utils import paths
from ansible_collections.cray.csm.plugins.module_utils import session as client_mod
from ansible_collections.cray.csm.plugins.module_utils import transport
from ansible_collections.cray.csm.plugins.module_utils.errors import (
    CsmApiError, CsmAuthError, CsmConnectionError, CsmResponseError)
from ansible_collections.cray.csm.plugins.module_utils.session import CsmClient, _retry_after


class Answer(object):
    """A 2xx answer: body bytes with a Content-Type (JSON unless told)."""

    def __init__(self, body, content_type='application/json', status=200):
        self.body = body
        self.headers = {'Content-Type': content_type} if content_type else {}
        self.status = status

    def read(self):
        return self.body


def http_error(status, body=None, headers=None, url='https://gw/x'):
    raw = json.dumps(body).encode() if isinstance(body, dict) else (body or b'')
    return HTTPError(url, status, 'Reason %d' % status, headers or {}, io.BytesIO(raw))


class Server(object):
    """Plays a list of outcomes (bytes answer or exception) and records (method, url, headers)."""

    def __init__(self, monkeypatch, outcomes):
        self.outcomes = list(outcomes)
        self.calls = []
        monkeypatch.setattr(transport, 'http_open', self)

    def __call__(self, url, data=None, headers=None, method=None, **kw):
        self.calls.append((method, url, dict(headers or {}), data))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome if isinstance(outcome, Answer) else Answer(outcome)


def make(**kw):
    kw.setdefault('token', 'tok')
    kw.setdefault('sleep', sleeps.append)
    return CsmClient(api_gateway='https://gw/', **kw)


sleeps = []


@pytest.fixture(autouse=True)
def no_sleeps():
    del sleeps[:]


@pytest.mark.parametrize('method,status,retried', [
    ('GET', 503, True), ('GET', 502, True), ('GET', 504, True), ('GET', 429, True), ('PUT', 502, True),
    ('DELETE', 504, True), ('POST', 503, True), ('POST', 429, True), ('POST', 502, False),
    ('POST', 504, False), ('GET', 500, False), ('GET', 400, False), ('GET', 404, False),
])
def test_retry_decision(monkeypatch, method, status, retried):
    server = Server(monkeypatch, [http_error(status), b'{"ok": 1}'])
    c = make()
    if retried:
        assert c.request(method, '/p', body={} if method in ('POST', 'PUT') else None) == {'ok': 1}
        assert len(server.calls) == 2 and len(sleeps) == 1
    else:
        with pytest.raises(CsmApiError) as e:
            c.request(method, '/p', body={} if method in ('POST', 'PUT') else None)
        assert e.value.status == status and len(server.calls) == 1 and sleeps == []


def test_safe_post_is_retried_after_502(monkeypatch):
    server = Server(monkeypatch, [http_error(502), b'{}'])
    assert make().post('/p', {}, safe=True) == {}
    assert len(server.calls) == 2


def test_refused_connection_is_retried_even_for_post(monkeypatch):
    server = Server(monkeypatch, [URLError(ConnectionRefusedError(111, 'refused')), b'{}'])
    assert make().post('/p', {}) == {}
    assert len(server.calls) == 2


def test_reset_connection_is_not_retried_for_unsafe_post(monkeypatch):
    Server(monkeypatch, [URLError(ConnectionResetError(104, 'reset'))])
    with pytest.raises(CsmConnectionError):
        make().post('/p', {})


def test_backoff_grows_and_stops(monkeypatch):
    server = Server(monkeypatch, [http_error(503)] * 4)
    with pytest.raises(CsmApiError):
        make(retries=3, backoff=1.0).get('/p')
    assert len(server.calls) == 4
    assert [0.5 <= s <= 1.0 for s in sleeps[:1]] == [True]
    assert 1.0 <= sleeps[1] <= 2.0 and 2.0 <= sleeps[2] <= 4.0


def test_retry_after_header(monkeypatch):
    Server(monkeypatch, [http_error(429, headers={'Retry-After': '7'}), b'[]'])
    assert make().get('/p') == []
    assert sleeps == [7.0]
    assert _retry_after({'Retry-After': '99999'}) == client_mod.MAX_RETRY_AFTER
    assert _retry_after({'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT'}) is None
    assert _retry_after(None) is None


def test_problem_json_fields(monkeypatch):
    Server(monkeypatch, [http_error(400, {'type': 'about:blank', 'title': 'Bad Request', 'status': 400,
                                          'detail': 'Component is Locked'})])
    with pytest.raises(CsmApiError) as e:
        make().post('/apis/smd/hsm/v2/locks/lock?x=1', {})
    assert (e.value.status, e.value.title, e.value.detail) == (400, 'Bad Request', 'Component is Locked')
    assert str(e.value) == 'POST /apis/smd/hsm/v2/locks/lock failed with HTTP 400 Bad Request: Component is Locked'


def test_non_json_error_body_is_kept_short(monkeypatch):
    Server(monkeypatch, [http_error(500, b'<html>' + b'x' * 2000)])
    with pytest.raises(CsmApiError) as e:
        make().get('/p')
    assert e.value.title == 'Reason 500' and len(e.value.detail) == 500


def test_401_fetches_a_token_once(monkeypatch):
    server = Server(monkeypatch, [http_error(401), b'{"access_token": "new"}', b'[]'])
    c = make(token='old', client_secret='s3cret')
    assert c.get('/p') == []
    assert [h.get('Authorization') for m, u, h, d in server.calls] == ['Bearer old', None, 'Bearer new']
    assert b'client_secret=s3cret' in server.calls[1][3].encode()


def test_second_401_is_not_looped(monkeypatch):
    server = Server(monkeypatch, [http_error(401), b'{"access_token": "new"}', http_error(401)])
    with pytest.raises(CsmApiError) as e:
        make(token='old', client_secret='s').get('/p')
    assert e.value.status == 401 and len(server.calls) == 3


def test_401_with_a_given_token_and_no_secret(monkeypatch):
    Server(monkeypatch, [http_error(401)])
    with pytest.raises(CsmAuthError) as e:
        make(token='old').get('/p')
    assert 'token was rejected' in str(e.value) and 'old' not in str(e.value)


def test_keycloak_refusal(monkeypatch):
    Server(monkeypatch, [http_error(401, {'error': 'unauthorized_client'})])
    with pytest.raises(CsmAuthError) as e:
        make(token=None, client_secret='s3cret').get('/p')
    assert 'Keycloak refused' in str(e.value) and 's3cret' not in str(e.value)


def test_tls_failure_names_ca_path(monkeypatch):
    Server(monkeypatch, [URLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')])
    with pytest.raises(CsmConnectionError) as e:
        make().get('/p')
    assert 'ca_path' in str(e.value)


def test_query_and_empty_answer(monkeypatch):
    server = Server(monkeypatch, [b''])
    assert make().get('/p', query={'b': 'x y', 'a': 'true', 'c': None}, expect=None) is None
    assert server.calls[0][1] == 'https://gw/p?a=true&b=x+y'


def test_paths_quote_the_id_as_one_segment():
    assert paths.quote_id('a/b c') == 'a%2Fb%20c'
    assert paths.bos_session_status('a/b') == '/apis/bos/v2/sessions/a%2Fb/status'
    assert paths.ims_remote_node() == '/apis/ims/v3/remote-build-nodes'
    assert paths.ims_remote_node_status('x1') == '/apis/ims/v3/remote-build-nodes/status/x1'


@pytest.mark.parametrize('answer,expect,problem', [
    (Answer(b'<html>Sign in</html>', 'text/html; charset=utf-8'), dict, 'a body of 20 bytes that is not JSON'),
    (Answer(b'', None), dict, 'an empty body where a JSON object is due'),
    (Answer(b''), client_mod.JSON_ANSWER, 'an empty body where a JSON object or a JSON array is due'),
    (Answer(b'[]'), dict, 'JSON of the wrong shape (list where a JSON object is due)'),
    (Answer(b'{"a": 1}'), list, 'JSON of the wrong shape (dict where a JSON array is due)'),
    (Answer(b'{not json'), dict, 'a body that does not parse as JSON'),
])
def test_2xx_that_is_not_the_promised_json_is_an_error(monkeypatch, answer, expect, problem):
    server = Server(monkeypatch, [answer])
    with pytest.raises(CsmResponseError) as e:
        make().get('/apis/ims/v3/images/i', expect=expect)
    msg = str(e.value)
    assert msg.startswith('GET https://gw/apis/ims/v3/images/i answered HTTP 200 with Content-Type ')
    assert problem in msg and (answer.headers.get('Content-Type') or '(none)') in msg
    assert len(server.calls) == 1  # not retried: the server answered
    assert e.value.to_dict()['status'] == 200


def test_promised_answers_pass(monkeypatch):
    Server(monkeypatch, [Answer(b'{"a": 1}', 'application/json; charset=utf-8'), Answer(b'', None, 204),
                         Answer(b'[1]', 'application/problem+json')])
    client = make()
    assert client.get('/x', expect=dict) == {'a': 1}
    assert client.delete('/x') is True
    assert client.get('/x') == [1]


def test_one_ssl_context_per_setting(monkeypatch, tmp_path):
    monkeypatch.setattr(transport, '_CONTEXTS', {})
    default = transport.ssl_context()
    assert transport.ssl_context(True, None) is default and default.verify_mode == ssl.CERT_REQUIRED
    unverified = transport.ssl_context(False, '/any/ca.crt')
    assert unverified is transport.ssl_context(False, None) is not default
    assert unverified.verify_mode == ssl.CERT_NONE and unverified.check_hostname is False
    monkeypatch.setenv('SSL_CERT_FILE', str(tmp_path / 'other-bundle.pem'))  # what OpenSSL loads as the system store
    assert transport.ssl_context() is not default
    assert len(transport._CONTEXTS) == 3
