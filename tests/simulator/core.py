"""Shared core of the CSM simulator: routing, store, auth, faults, request log, problem+json.

Imports nothing from plugins/ (independent second reading of the upstream specs).
"""
import copy
import json
import os
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

# The API contracts: the upstream specs as tests/contract/extract.py reduces them.
CONTRACT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'contract')
CONTRACTS = ('ims', 'cfs', 'bos', 'smd', 'sls')


def now_iso():
    return datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def naive_iso():
    """datetime.now().isoformat(timespec='seconds'): the zone-less times of CFS and BOS records
    (config-framework-service controllers/sessions.py; bos src/bos/common/utils.py get_current_timestamp)."""
    return datetime.now().isoformat(timespec='seconds')


def new_id():
    return str(uuid.uuid4())


class Response(object):
    def __init__(self, status, body=None, content_type='application/json', headers=None):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers or {}

    def payload(self):
        if self.body is None:
            return b''
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body, sort_keys=True).encode()


def ok(body, status=200):
    return Response(status, body)


def no_content():
    """204 with the JSON content type and no body, as IMS, CFS and BOS answer it (flask-restful's output_json
    and connexion set application/json; werkzeug drops a 204's body)."""
    return Response(204, None, content_type='application/json')


def problem(status, detail, title=None, problem_type='about:blank', **extra):
    """RFC 7807 answer, as all five services use (their specs; ims src/server/errors.py).

    problem_type=None leaves `type` out, as IMS does (httpproblem.problem() sets only what it is given).
    """
    titles = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
              405: 'Method Not Allowed', 409: 'Conflict', 415: 'Unsupported Media Type',
              422: 'Unprocessable Entity', 500: 'Internal Server Error', 503: 'Service Unavailable'}
    body = {'title': title or titles.get(status, 'Error'), 'status': status, 'detail': detail}
    if problem_type:
        body['type'] = problem_type
    body.update(extra)
    return Response(status, body, content_type='application/problem+json')


class Request(object):
    def __init__(self, method, raw_path, headers, body):
        parts = urlsplit(raw_path)
        self.method = method
        self.path = unquote(parts.path)
        self.query_string = parts.query
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self._json = None

    def arg(self, name, default=None):
        vals = self.query.get(name)
        return vals[-1] if vals else default

    def json(self):
        """Parsed JSON body; raises ValueError when not JSON."""
        if self._json is None:
            self._json = json.loads(self.body.decode() if self.body else '')
        return self._json


# ---- schema validation against the upstream specs, the way connexion 2 reports it ----

class SpecSchemas(object):
    """A service's API contract (tests/contract/NAME.json); validates bodies like connexion 2 does
    (spec-first/connexion connexion/json_schema.py, 2.x)."""
    _cache = {}

    def __init__(self, name):
        with open(os.path.join(CONTRACT_DIR, name + '.json')) as f:
            self.doc = json.load(f)

    @classmethod
    def get(cls, name):
        if name not in cls._cache:
            cls._cache[name] = cls(name)
        return cls._cache[name]

    @classmethod
    def load_all(cls):
        """Read every contract now: a missing one stops the simulator at start, not mid-test."""
        for name in CONTRACTS:
            cls.get(name)

    def _lookup(self, ref):
        node = self.doc
        for part in ref.lstrip('#/').split('/'):
            node = node[part]
        return node

    def resolve(self, schema, depth=0):
        """Inline $ref and turn OAS `nullable` into a JSON-schema null type."""
        if depth > 30:
            return {}
        if isinstance(schema, list):
            return [self.resolve(s, depth + 1) for s in schema]
        if not isinstance(schema, dict):
            return schema
        if '$ref' in schema:
            return self.resolve(self._lookup(schema['$ref']), depth + 1)
        out = {}
        for k, v in schema.items():
            if k in ('properties', 'definitions') and isinstance(v, dict):
                out[k] = dict((pk, self.resolve(pv, depth + 1)) for pk, pv in v.items())
            else:
                out[k] = self.resolve(v, depth + 1)
        if out.get('nullable') and isinstance(out.get('type'), str):
            out['type'] = [out['type'], 'null']
        return out

    def validate(self, schema_ref, body):
        """Return a connexion-style message for the first error, or None."""
        import jsonschema
        from jsonschema import validators

        def read_only(validator, ro, instance, schema):
            if ro:
                yield jsonschema.ValidationError('Property is read-only')

        # connexion 2.14 request validator: readOnly properties are rejected (connexion/json_schema.py
        # Draft4RequestValidator; CFS pins connexion>=2.14.2,<2.15 in constraints.txt)
        cls = validators.extend(jsonschema.Draft4Validator, {'readOnly': read_only})
        schema = self.resolve({'$ref': schema_ref})
        for err in cls(schema).iter_errors(body):
            path = '.'.join(str(p) for p in err.path)
            return err.message + (" - '%s'" % path if path else '')
        return None


# ---- the application ----

class App(object):
    def __init__(self, seed_path, csm_version=None):
        self.seed_path = seed_path
        self.cli_csm_version = csm_version
        self.lock = threading.RLock()
        self.routes = []
        self.base_url = ''
        self.tls_ca = None
        self.faults = []
        self.log = []
        self.crash = None
        self.tickers = []
        self.loaders = []
        self.ims_keys = {}
        SpecSchemas.load_all()
        # call reset() once every service has registered its loader

    # routing
    def route(self, method, pattern, auth=True):
        def deco(fn):
            self.routes.append((method, re.compile('^' + pattern + '$'), fn, auth))
            return fn
        return deco

    # store
    def reset(self):
        with self.lock:
            # parse the seed once per file version: resets stay cheap
            mtime = os.stat(self.seed_path).st_mtime
            if getattr(self, '_seed_mtime', None) != mtime:
                with open(self.seed_path) as f:
                    self._seed_cache = yaml.load(f, Loader=getattr(yaml, 'CSafeLoader', yaml.SafeLoader))
                self._seed_mtime = mtime
            self.seed = copy.deepcopy(self._seed_cache)
            self.config = {
                'csm_version': str(self.cli_csm_version or self.seed.get('csm_version', '1.6')),
                'token_ttl': 300,
                'cfs_session_seconds': 3.0,
                'bos_session_seconds': 3.0,
                'cfs_fail_sessions': [],
                'cfs_slow_sessions': {},
                'bos_fail_sessions': [],
                'ssh_timeout': 5.0,
                # BOS options reject_nids and ims_images_must_exist (bos src/bos/common/options.py)
                'bos_reject_nids': False,
                'bos_ims_images_must_exist': False,
                # smd's expired-reservation cleanup round (hms-smd cmd/smd/smd.go CompReservationCleanup)
                'hsm_reservation_cleanup_seconds': 30,
            }
            self.config.update(self.seed.get('config') or {})
            if self.cli_csm_version:
                self.config['csm_version'] = str(self.cli_csm_version)
            self.client_secret = self.seed['client_secret']
            self.tokens = {}
            self.faults = []
            self.log = []
            self.crash = None
            self.data = {}
            for fn in self.loaders:
                fn(self)

    def csm_version(self):
        return tuple(int(x) for x in str(self.config['csm_version']).split('.')[:2])

    # auth: one check for every CSM API call
    def authorized(self, req):
        h = req.headers.get('Authorization', '')
        if not h.startswith('Bearer '):
            return False
        exp = self.tokens.get(h[7:].strip())
        return exp is not None and exp > time.time()

    # faults
    def match_fault(self, req):
        for f in list(self.faults):
            if f.get('method') and f['method'].upper() != req.method:
                continue
            if not re.search(f['path'], req.path):
                continue
            if f.get('times') is not None:
                f['times'] -= 1
                if f['times'] <= 0:
                    self.faults.remove(f)
            return f
        return None

    # crash point (tests/crash): signal a client's process group at the Nth matching request
    def match_crash(self, req):
        c = self.crash
        if not c or c.get('fired') or not re.search(c['method'], req.method) or not re.search(c['path'], req.path):
            return None
        if c.get('exclude') and re.search(c['exclude'], req.path):
            return None
        c['seen'] += 1
        if c['seen'] < c['nth']:
            return None
        c['fired'] = {'method': req.method, 'path': req.path}
        return c

    def dispatch(self, req):
        path_matched = False
        for method, rx, fn, auth in self.routes:
            m = rx.match(req.path)
            if not m:
                continue
            path_matched = True
            if method != req.method:
                continue
            if auth and not self.authorized(req):
                return problem(401, 'Missing, invalid or expired bearer token', title='Unauthorized')
            with self.lock:
                for tick in self.tickers:
                    tick(self)
            return fn(self, req, **m.groupdict())
        if path_matched:
            return problem(405, 'The method is not allowed for the requested URL.')
        return problem(404, 'The requested URL was not found on the server.')


def fire_crash(crash):
    """Send the crash point's signal to the client's process group; wait (up to 10 s) until it has ended."""
    try:
        os.killpg(crash['pgid'], crash['signal'])
    except OSError:
        return
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.killpg(crash['pgid'], 0)
        except OSError:
            return
        if crash['signal'] != 9:  # Ctrl-C: the client winds down itself; a short grace is enough here
            time.sleep(1)
            return
        time.sleep(0.05)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'csm-simulator/1.0'
    # The headers and the body are two writes: with Nagle's algorithm on, the body of an answer on a kept-alive
    # connection waits for the client's delayed ACK (40 ms on Linux; the Kubernetes client keeps its
    # connections). The real front ends (Istio's Envoy, the Go API server) send with TCP_NODELAY.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):  # keep stdout to the banner
        pass

    def _handle(self):
        app = self.server.app
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        req = Request(self.command, self.path, self.headers, body)
        entry = None
        if not req.path.startswith('/_sim/'):
            q = dict((k, v[-1] if len(v) == 1 else v) for k, v in req.query.items())
            entry = {'method': req.method, 'path': req.path, 'status': 0, 'query': q}
            with app.lock:
                app.log.append(entry)
                fault = app.match_fault(req)
                crash = app.match_crash(req)
            if crash and crash['when'] == 'before':
                # the client dies before the service sees the request: signal, hold until it is gone, drop
                fire_crash(crash)
                self.close_connection = True
                return
            if fault:
                if fault.get('delay'):
                    time.sleep(float(fault['delay']))
                if fault.get('drop'):
                    self.close_connection = True
                    return
                if 'body' in fault:
                    # a raw answer (e.g. a proxy's HTML login page with 200): status, body, content_type
                    resp = Response(int(fault.get('status') or 200), fault['body'],
                                    content_type=fault.get('content_type'))
                    entry['status'] = resp.status
                    return self._send(resp)
                if fault.get('status'):
                    headers = {}
                    if fault.get('retry_after') is not None:
                        headers['Retry-After'] = str(fault['retry_after'])
                    resp = problem(int(fault['status']), 'Injected fault', **{})
                    resp.headers = headers
                    entry['status'] = resp.status
                    return self._send(resp)
        try:
            resp = app.dispatch(req)
        except Exception as exc:  # a simulator bug must still answer
            resp = problem(500, 'Simulator error: %r' % exc)
        if entry is not None:
            entry['status'] = resp.status
            if crash:  # the service did the work; the client dies before it reads the answer
                fire_crash(crash)
        self._send(resp)

    def _send(self, resp):
        data = resp.payload()
        self.send_response(resp.status)
        if resp.content_type:
            self.send_header('Content-Type', resp.content_type)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if data and self.command != 'HEAD':
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # clients that hang up (timeouts, dropped faults, TLS probes) are normal here
        import sys
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) or 'ssl' in type(exc).__module__:
            return
        ThreadingHTTPServer.handle_error(self, request, client_address)


def make_server(app, port, ssl_context=None):
    srv = Server(('127.0.0.1', port), Handler)
    if ssl_context is not None:
        # handshake in the handler thread, so one slow client cannot block accept()
        srv.socket = ssl_context.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    srv.app = app
    return srv


def deepcopy(x):
    return copy.deepcopy(x)
