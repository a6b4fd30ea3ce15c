# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CSM API session: authentication, retries, and what a 2xx or an error answer must be.

Every module and plugin of cray.csm talks to CSM through CsmClient; none opens a URL itself. The HTTP
request itself is transport.py's; the errors raised are errors.py's. Retries are the client's own small
loop (exponential backoff with jitter, Retry-After honoured).

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random
import socket
import time

from urllib.error import HTTPError, URLError
from urllib.parse import urlencode, urlsplit

from ansible_collections.cray.csm.plugins.module_utils import transport
from ansible_collections.cray.csm.plugins.module_utils.errors import (
    CsmApiError, CsmAuthError, CsmConnectionError, CsmOptionError, CsmResponseError)

# The connection options' defaults, the one table: CsmClient, the modules' argument spec (module.py
# CONNECTION_SPEC) and the documentation (doc_fragments/connection.py) read them here.
CONNECTION_DEFAULTS = dict(
    api_gateway='https://api-gw-service-nmn.local',
    client_id='admin-client',
    validate_certs=True,
    timeout=30,
    retries=5,
)
DEFAULT_GATEWAY = CONNECTION_DEFAULTS['api_gateway']
# Every connection option (doc_fragments/connection.py; token only where the module takes one).
CONNECTION_OPTIONS = ('api_gateway', 'token', 'client_id', 'client_secret', 'validate_certs', 'ca_path', 'timeout',
                      'retries')
GATEWAY_SCHEMES = ('http', 'https')
TOKEN_PATH = '/keycloak/realms/shasta/protocol/openid-connect/token'

# Transient answers worth another try: rate limiting and the gateway's "upstream not ready".
RETRY_STATUSES = (429, 502, 503, 504)
# Answers that tell us the server did not act on the request, so even a POST may be repeated.
NOT_PROCESSED_STATUSES = (429, 503)
IDEMPOTENT_METHODS = ('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS')
MAX_RETRY_AFTER = 300
# What a 2xx answer must be unless the caller says otherwise: a JSON object or array; a DELETE may be empty.
JSON_ANSWER = (dict, list)
_SHAPES = {dict: 'a JSON object', list: 'a JSON array'}


def gateway_url(api_gateway):
    """The gateway's base URL without a trailing slash; CsmOptionError when it is not an http(s) URL.

    Checked before any request: urllib would fail each try with "unknown url type", and the client
    would retry that with backoff and then blame the network.
    """
    url = (api_gateway or DEFAULT_GATEWAY).strip().rstrip('/')
    parts = urlsplit(url)
    if parts.scheme.lower() not in GATEWAY_SCHEMES or not parts.netloc:
        raise CsmOptionError(
            'api_gateway %r is not an http:// or https:// URL: give the gateway with its scheme, for example '
            '%s (or CSM_API_GATEWAY).' % (api_gateway, DEFAULT_GATEWAY))
    return url


def _given(value, option):
    """value, or the option's default when it is None (not set)."""
    return CONNECTION_DEFAULTS[option] if value is None else value


def _retry_after(headers):
    """Seconds from a Retry-After header (delta-seconds form), or None."""
    value = headers.get('Retry-After') if headers else None
    try:
        return min(float(value), MAX_RETRY_AFTER)
    except (TypeError, ValueError):
        return None


class CsmClient(object):
    """A CSM API gateway session.

    token: a bearer token to use as is. client_id/client_secret: Keycloak client credentials used
    to fetch a token when none is given, and to fetch a new one once when the API answers 401.
    """

    def __init__(self, api_gateway=None, token=None, client_id=None, client_secret=None, validate_certs=None,
                 ca_path=None, timeout=None, retries=None, backoff=1.0, sleep=time.sleep):
        """An option left unset takes its CONNECTION_DEFAULTS value; a gateway that is no http(s) URL raises
        CsmOptionError here, before any request."""
        self.api_gateway = gateway_url(api_gateway)
        self._token = token
        self.client_id = client_id or CONNECTION_DEFAULTS['client_id']
        self._client_secret = client_secret
        self.validate_certs = _given(validate_certs, 'validate_certs')
        self.ca_path = ca_path
        self.timeout = timeout or CONNECTION_DEFAULTS['timeout']
        self.retries = max(0, _given(retries, 'retries'))
        self.backoff = backoff
        self._sleep = sleep

    @classmethod
    def from_params(cls, params):
        """A client from the shared connection options (see doc_fragments/connection.py)."""
        return cls(**dict((name, params.get(name)) for name in CONNECTION_OPTIONS))

    # -- authentication -------------------------------------------------------------------------

    @property
    def token(self):
        if not self._token:
            self._token = self.fetch_token()
        return self._token

    def fetch_token(self):
        """Keycloak client-credentials grant; returns the access token."""
        if not self._client_secret:
            raise CsmAuthError(
                'No CSM token and no client_secret: set token (or CSM_TOKEN), or client_secret '
                '(or CSM_CLIENT_SECRET) from the Kubernetes Secret default/admin-client-auth, '
                'key client-secret.')
        form = urlencode({'grant_type': 'client_credentials', 'client_id': self.client_id,
                          'client_secret': self._client_secret})
        try:
            answer = self._call('POST', TOKEN_PATH, form, 'application/x-www-form-urlencoded',
                                auth=False, safe=True)
        except CsmApiError as e:
            if e.status in (400, 401, 403):
                raise CsmAuthError(
                    'Keycloak refused client_id %r (HTTP %s): check client_secret against the '
                    'Secret default/admin-client-auth, key client-secret.' % (self.client_id, e.status)) from None
            raise
        token = answer.get('access_token') if isinstance(answer, dict) else None
        if not token:
            raise CsmAuthError('Keycloak answered without an access_token.')
        return token

    # -- requests -------------------------------------------------------------------------------

    def get(self, path, query=None, missing_ok=False, expect=JSON_ANSWER):
        """GET path; with missing_ok, a 404 gives None instead of an error."""
        try:
            return self.request('GET', path, query=query, expect=expect)
        except CsmApiError as e:
            if missing_ok and e.not_found:
                return None
            raise

    def post(self, path, body=None, safe=False, expect=JSON_ANSWER):
        """POST; safe=True marks a POST that may be repeated (a read, or an overwrite)."""
        return self.request('POST', path, body=body, safe=safe, expect=expect)

    def put(self, path, body, query=None, expect=JSON_ANSWER):
        return self.request('PUT', path, body=body, query=query, expect=expect)

    def patch(self, path, body, expect=JSON_ANSWER):
        """PATCH with fixed values (no increment): sent again it leaves the same object, so it may be repeated."""
        return self.request('PATCH', path, body=body, safe=True, expect=expect)

    def delete(self, path, missing_ok=False):
        """DELETE path; returns False when missing_ok and it was already gone, else True."""
        try:
            self.request('DELETE', path, expect=None)
        except CsmApiError as e:
            if missing_ok and e.not_found:
                return False
            raise
        return True

    def request(self, method, path, body=None, query=None, safe=False, expect=JSON_ANSWER):
        """Send a JSON request with the bearer token and return the decoded answer (None if empty).

        expect: the type(s) the 2xx answer must have (dict, list or a tuple of them), or None for an
        answer that may be empty (DELETE). Anything else raises CsmResponseError: never taken as data.
        A 401 fetches a new token once (when client credentials are known) and repeats the call.
        """
        if query:
            path = path + '?' + urlencode([(k, v) for k, v in sorted(query.items()) if v is not None])
        data = json.dumps(body) if body is not None else None
        try:
            return self._call(method, path, data, 'application/json', safe=safe, expect=expect)
        except CsmApiError as e:
            if e.status != 401:
                raise
            if not self._client_secret:
                raise CsmAuthError(
                    '%s %s: the CSM token was rejected (HTTP 401; expired?): give a fresh token, or '
                    'client_secret so that one can be fetched.' % (method, path)) from None
        self._token = self.fetch_token()
        return self._call(method, path, data, 'application/json', safe=safe, expect=expect)

    def _call(self, method, path, data, content_type, auth=True, safe=False, expect=JSON_ANSWER):
        """One logical call: retries transient faults, then checks and decodes the answer (_answer)."""
        repeatable = safe or method in IDEMPOTENT_METHODS
        attempt = 0
        while True:
            headers = {'Accept': 'application/json'}
            if data is not None:
                headers['Content-Type'] = content_type
            if auth:
                headers['Authorization'] = 'Bearer %s' % self.token
            delay = None
            try:
                status, ctype, raw = self._send(method, self.api_gateway + path, data, headers)
            except HTTPError as e:
                error = _api_error(method, path, e)
                if e.code in RETRY_STATUSES and (repeatable or e.code in NOT_PROCESSED_STATUSES):
                    delay = _retry_after(e.headers)
                else:
                    raise error from None
            except (URLError, socket.error, ValueError) as e:
                reason = getattr(e, 'reason', e)
                if 'CERTIFICATE_VERIFY_FAILED' in str(reason) or 'certificate verify failed' in str(reason):
                    raise CsmConnectionError(
                        'TLS verification of %s failed (%s): set ca_path to the CSM CA (on management '
                        'nodes /etc/cray/ca/certificate_authority.crt).' % (self.api_gateway, reason)) from None
                # A refused connection never reached the server; anything later might have.
                refused = isinstance(reason, ConnectionRefusedError)
                error = CsmConnectionError('%s %s%s: cannot reach the CSM API gateway: %s' % (
                    method, self.api_gateway, path, reason))
                if not (repeatable or refused):
                    raise error from None
            else:
                return _answer(method, self.api_gateway + path.split('?')[0], status, ctype, raw, expect)
            if attempt >= self.retries:
                raise error
            if delay is None:
                delay = min(30.0, self.backoff * (2 ** attempt)) * random.uniform(0.5, 1.0)
            attempt += 1
            self._sleep(delay)

    def _send(self, method, url, data, headers):
        """One HTTP request (transport.py) -> (status, content type, raw body)."""
        return transport.send(method, url, data, headers, validate_certs=self.validate_certs, ca_path=self.ca_path,
                              timeout=self.timeout)


def _answer(method, url, status, ctype, raw, expect):
    """The decoded 2xx answer, when it is what the endpoint promises; else CsmResponseError."""
    if not raw:
        if expect is None:
            return None
        raise CsmResponseError(method, url, status, ctype, 'an empty body where %s is due' % _shape(expect))
    media = (ctype or '').split(';')[0].strip().lower()
    if not (media == 'application/json' or media.endswith('+json')):
        raise CsmResponseError(method, url, status, ctype, 'a body of %d bytes that is not JSON' % len(raw))
    try:
        value = json.loads(raw.decode('utf-8') if isinstance(raw, bytes) else raw)
    except ValueError:
        raise CsmResponseError(method, url, status, ctype, 'a body that does not parse as JSON') from None
    if expect is not None and not isinstance(value, expect):
        raise CsmResponseError(method, url, status, ctype, 'JSON of the wrong shape (%s where %s is due)' % (
            type(value).__name__, _shape(expect)))
    return value


def _shape(expect):
    kinds = expect if isinstance(expect, tuple) else (expect,)
    return ' or '.join(_SHAPES.get(k, k.__name__) for k in kinds)


def _decode(raw):
    if not raw:
        return None
    text = raw.decode('utf-8') if isinstance(raw, bytes) else raw
    try:
        return json.loads(text)
    except ValueError:
        return text


def _api_error(method, path, http_error):
    """CsmApiError from an HTTP error, reading RFC 7807 (or Keycloak-style) fields when present."""
    try:
        body = _decode(http_error.read())
    except Exception:  # a broken body must not hide the status
        body = None
    title = detail = None
    if isinstance(body, dict):
        title = body.get('title') or body.get('error')
        detail = body.get('detail') or body.get('error_description') or body.get('message')
    elif isinstance(body, str) and body.strip():
        detail = body.strip()[:500]
    return CsmApiError(method, path.split('?')[0], http_error.code, title=title or http_error.reason,
                       detail=detail, body=body)
