# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CSM API client's HTTP transport: one request out, (status, content type, body) back.

It sends a request as ansible-core's open_url(follow_redirects='safe', use_proxy=True) does (redirects,
proxies from the environment, cookies across the redirects of one request, gzip answers) with urllib alone,
so it runs unchanged on the controller, in CFS's execution environment and on Python 3.6 nodes, with no
dependency to install. Unlike open_url it keeps one SSLContext per process and setting (ssl_context):
open_url builds a new one from the system CA store on every request, and ansible-core 2.16's open_url
takes no ready one (what that costs: benchmarks/RESULTS.md).

Private to cray.csm (session.py uses it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import os
import ssl

from http.client import HTTPSConnection
from urllib.error import HTTPError
from urllib.request import (AbstractHTTPHandler, BaseHandler, HTTPCookieProcessor, HTTPRedirectHandler, HTTPSHandler,
                            Request, build_opener, getproxies)

# What open_url trusts besides the system store on Linux: the CA files in these directories (ansible-core
# module_utils/urls.py get_ca_certs). Not imported from there: that module is slow to import.
EXTRA_CA_DIRS = ('/etc/pki/ca-trust/extracted/pem', '/etc/pki/tls/certs', '/usr/share/ca-certificates/cacert.org',
                 '/etc/ansible')
CA_FILE_TYPES = ('.crt', '.pem', '.cer')


def send(method, url, data, headers, validate_certs=True, ca_path=None, timeout=30):
    """One HTTP request -> (status, content type, raw body, gzip decoded); raises HTTPError, URLError or OSError."""
    response = http_open(url, data=data, headers=headers, method=method, validate_certs=validate_certs,
                         ca_path=ca_path, timeout=timeout)
    head = getattr(response, 'headers', None) or {}
    raw = response.read()
    if raw and (head.get('Content-Encoding') or '').lower() == 'gzip':  # open_url's decompress=True
        raw = gzip.decompress(raw)
    return getattr(response, 'status', None) or response.getcode(), head.get('Content-Type'), raw


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
        # not HTTPSHandler's __init__: from Python 3.12 it builds a default context (the cost this avoids:
        # benchmarks/RESULTS.md)
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


# One opener per process, setting and proxy environment (build_opener reads the proxies, at a cost:
# benchmarks/RESULTS.md).
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
    is slow to import (benchmarks/RESULTS.md), and CSM's answers set none."""

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
