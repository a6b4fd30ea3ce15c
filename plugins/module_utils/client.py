# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one CSM API client: HTTP, authentication, retries and RFC 7807 errors.

Every module and plugin of cray.csm talks to CSM through CsmClient; none opens a URL itself.

HTTP goes through urllib (http_open below) rather than requests or urllib3, so the client runs unchanged
on the controller, inside CFS's execution environment and on Python 3.6 nodes, with no dependency to
install. It sends a request as ansible-core's open_url(follow_redirects='safe') does, but keeps one
SSLContext per process and setting (ssl_context): open_url builds a new one from the system CA store
on every request (~18 ms), and ansible-core 2.16's open_url takes no ready one.
Retries are the client's own small loop (exponential backoff with jitter, Retry-After honoured).

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import json
import os
import random
import socket
import ssl
import time

from http.client import HTTPSConnection
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import (AbstractHTTPHandler, BaseHandler, HTTPCookieProcessor, HTTPRedirectHandler, HTTPSHandler,
                            Request, build_opener, getproxies)

# The services' paths: paths.py.
# What open_url trusts besides the system store on Linux: the CA files in these directories (ansible-core
# module_utils/urls.py get_ca_certs). Not imported from there: that module takes ~13 ms to import.
EXTRA_CA_DIRS = ('/etc/pki/ca-trust/extracted/pem', '/etc/pki/tls/certs', '/usr/share/ca-certificates/cacert.org',
                 '/etc/ansible')
CA_FILE_TYPES = ('.crt', '.pem', '.cer')
TOKEN_PATH = '/keycloak/realms/shasta/protocol/openid-connect/token'

DEFAULT_GATEWAY = 'https://api-gw-service-nmn.local'
# Transient answers worth another try: rate limiting and the gateway's "upstream not ready".
RETRY_STATUSES = (429, 502, 503, 504)
# Answers that tell us the server did not act on the request, so even a POST may be repeated.
NOT_PROCESSED_STATUSES = (429, 503)
IDEMPOTENT_METHODS = ('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS')
MAX_RETRY_AFTER = 300
# What a 2xx answer must be unless the caller says otherwise: a JSON object or array; a DELETE may be empty.
JSON_ANSWER = (dict, list)
_SHAPES = {dict: 'a JSON object', list: 'a JSON array'}


class CsmError(Exception):
    """Base of every error the client raises; modules turn it into fail_json."""

    def to_dict(self):
        return {'msg': str(self)}


class CsmApiError(CsmError):
    """An HTTP error answer, with the RFC 7807 problem fields when the service sent them."""

    def __init__(self, method, path, status, title=None, detail=None, body=None):
        self.method, self.path, self.status = method, path, status
        self.title, self.detail, self.body = title, detail, body  # the RFC 7807 problem, when there is one
        super(CsmApiError, self).__init__(self._message())

    def _message(self):
        msg = '%s %s failed with HTTP %s' % (self.method, self.path, self.status)
        if self.title:
            msg += ' %s' % self.title
        if self.detail:
            msg += ': %s' % self.detail
        return msg

    @property
    def not_found(self):
        return self.status == 404

    def to_dict(self):
        return dict(method=self.method, path=self.path, status=self.status, title=self.title,
                    detail=self.detail)


class CsmResponseError(CsmError):
    """A 2xx answer that is not the JSON the endpoint promises (a proxy's login page, an empty body)."""

    def __init__(self, method, url, status, content_type, problem):
        self.method = method
        self.url = url
        self.status = status
        self.content_type = content_type
        super(CsmResponseError, self).__init__(
            '%s %s answered HTTP %s with Content-Type %s: %s, not the answer the CSM API promises. Is a proxy '
            'or login page in the way? Check api_gateway and the proxy settings (https_proxy, no_proxy).' % (
                method, url, status, content_type or '(none)', problem))

    def to_dict(self):
        return dict(msg=str(self), method=self.method, url=self.url, status=self.status,
                    content_type=self.content_type)


class CsmAuthError(CsmError):
    """No usable token: Keycloak refused the client credentials, or a given token was rejected."""


class CsmConnectionError(CsmError):
    """The gateway could not be reached (after retries), or TLS verification failed."""


class CsmTimeout(CsmError):
    """A wait ran out of time; `last` holds the last state seen."""

    def __init__(self, message, last=None):
        super(CsmTimeout, self).__init__(message)
        self.last = last

    def to_dict(self):
        return {'msg': str(self), 'last': self.last}


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

    def __init__(self, api_gateway=DEFAULT_GATEWAY, token=None, client_id='admin-client',
                 client_secret=None, validate_certs=True, ca_path=None, timeout=30, retries=5,
                 backoff=1.0, sleep=time.sleep):
        self.api_gateway = (api_gateway or DEFAULT_GATEWAY).rstrip('/')
        self._token = token
        self.client_id = client_id
        self._client_secret = client_secret
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.timeout = timeout
        self.retries = max(0, retries)
        self.backoff = backoff
        self._sleep = sleep

    @classmethod
    def from_params(cls, params):
        """A client from the shared connection options (see doc_fragments/connection.py)."""
        return cls(api_gateway=params.get('api_gateway'), token=params.get('token'),
                   client_id=params.get('client_id') or 'admin-client',
                   client_secret=params.get('client_secret'),
                   validate_certs=params.get('validate_certs', True), ca_path=params.get('ca_path'),
                   timeout=params.get('timeout') or 30, retries=params.get('retries', 5))

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
        """The transport: one HTTP request -> (status, content type, raw body); raises HTTPError or URLError."""
        response = http_open(url, data=data, headers=headers, method=method, validate_certs=self.validate_certs,
                             ca_path=self.ca_path, timeout=self.timeout)
        head = getattr(response, 'headers', None) or {}
        raw = response.read()
        if raw and (head.get('Content-Encoding') or '').lower() == 'gzip':  # open_url's decompress=True
            raw = gzip.decompress(raw)
        return getattr(response, 'status', None) or response.getcode(), head.get('Content-Type'), raw


# -- transport ----------------------------------------------------------------------------------

# One SSLContext per process and setting: (validate_certs, ca_path, SSL_CERT_FILE, SSL_CERT_DIR) -> context.
# An in-process task runs in a fork of ansible-playbook, where plugin_utils/in_process.py made the default
# one before the fork: it costs such a task nothing.
_CONTEXTS = {}


def ssl_context(validate_certs=True, ca_path=None):
    """The SSLContext for these settings, made on first use in this process and kept."""
    validate = bool(validate_certs)
    # OpenSSL reads SSL_CERT_FILE/SSL_CERT_DIR when it loads the system store (a task may set them)
    key = (validate, ca_path if validate else None, os.environ.get('SSL_CERT_FILE'), os.environ.get('SSL_CERT_DIR'))
    context = _CONTEXTS.get(key)
    if context is None:
        context = _CONTEXTS[key] = _new_context(validate, ca_path)
    return context


def _new_context(validate, ca_path):
    """The context open_url would build: ca_path alone, else the system store and ansible-core's CA directories."""
    if not validate:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context = ssl.create_default_context(cafile=ca_path)
    if not ca_path:
        _add_extra_cas(context)
    return context


def _add_extra_cas(context):
    """Trust the CA files of EXTRA_CA_DIRS, as open_url does (the default capath is in the store already)."""
    default_capath = ssl.get_default_verify_paths().capath
    for path in EXTRA_CA_DIRS:
        if path == default_capath or not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            full = os.path.join(path, name)
            if os.path.splitext(name)[1] in CA_FILE_TYPES and os.path.isfile(full):
                try:
                    context.load_verify_locations(cafile=full)
                except (ssl.SSLError, OSError, ValueError):
                    pass  # no certificate in it: open_url skips such a file too


class _HTTPSHandler(HTTPSHandler):
    """HTTPS with the process's context for the client's settings, looked up only when an https URL is opened."""

    def __init__(self, validate_certs, ca_path):
        # not HTTPSHandler's __init__: from Python 3.12 it builds a default context (the ~18 ms this avoids)
        AbstractHTTPHandler.__init__(self)  # pylint: disable=non-parent-init-called
        self._settings = (validate_certs, ca_path)

    def https_open(self, req):
        return self.do_open(HTTPSConnection, req, context=ssl_context(*self._settings))


class _SafeRedirects(HTTPRedirectHandler):
    """open_url's follow_redirects='safe': GET and HEAD follow a redirect; other methods get the 3xx as HTTPError."""

    http_error_308 = HTTPRedirectHandler.http_error_302  # as ansible-core does for Pythons before 3.11

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        method = req.get_method()
        if method not in ('GET', 'HEAD'):
            raise HTTPError(req.get_full_url(), code, msg, headers, fp)
        kept = req.headers if code in (307, 308) else dict(
            (k, v) for k, v in req.headers.items() if k.lower() not in ('content-length', 'content-type', 'transfer-encoding'))
        return Request(newurl.replace(' ', '%20'), headers=kept, origin_req_host=req.origin_req_host,
                       unverifiable=True, method=method)


def http_open(url, data=None, headers=None, method=None, validate_certs=True, ca_path=None, timeout=30):
    """Send one request as open_url(url, ..., follow_redirects='safe', use_proxy=True) sends it; return the response.

    Proxies come from the environment when the request is sent (http_proxy, https_proxy, no_proxy:
    urllib's ProxyHandler), cookies are kept across the redirects of this request. Raises HTTPError
    for an error status and URLError (or OSError) when the server cannot be reached or TLS fails.
    """
    opener, cookies = http_opener(validate_certs, ca_path)
    cookies.jar = None  # cookies go with the redirects of this request only
    body = data.encode('utf-8') if isinstance(data, str) else data
    return opener.open(Request(url, data=body, headers=headers or {}, method=method), timeout=timeout)


# One opener per process, setting and proxy environment (build_opener reads the proxies and costs ~0.5 ms).
_OPENERS = {}


def http_opener(validate_certs=True, ca_path=None):
    """(opener, its cookie handler) for these settings and the proxies the environment names now."""
    key = (bool(validate_certs), ca_path, tuple(sorted(getproxies().items())))
    entry = _OPENERS.get(key)
    if entry is None:
        cookies = _RequestCookies()
        entry = _OPENERS[key] = (build_opener(_HTTPSHandler(validate_certs, ca_path), _SafeRedirects(), cookies), cookies)
    return entry


class _RequestCookies(BaseHandler):
    """HTTPCookieProcessor with a jar for one request, made when an answer sets a cookie: http.cookiejar
    takes ~4 ms to import, and CSM's answers set none."""

    handler_order = HTTPCookieProcessor.handler_order
    jar = None

    def http_request(self, request):
        if self.jar is not None:
            self.jar.add_cookie_header(request)
        return request

    def http_response(self, request, response):
        if self.jar is None and ('Set-Cookie' in response.headers or 'Set-Cookie2' in response.headers):
            from http.cookiejar import CookieJar
            self.jar = CookieJar()
        if self.jar is not None:
            self.jar.extract_cookies(response, request)
        return response

    https_request, https_response = http_request, http_response


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
