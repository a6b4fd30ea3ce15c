"""Validate simulator requests and responses against the API contracts (tests/contract/).

The contracts are the upstream specs as tests/contract/extract.py reduces them. OAS3 ones (ims,
cfs, bos, sls) go through openapi-core; smd (Swagger 2.0) through jsonschema against its
definitions. Imports nothing from the simulator or plugins/; $refs are resolved as the unit tests'
contract check resolves them (tests/unit/spec.py).
"""
import copy
import json
import os
import re
import sys

import jsonschema
import requests
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..')))
from ansible_collections.cray.csm.tests.unit.spec import resolve as _sw_resolve  # noqa: E402

CONTRACT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'contract')
GATEWAY = 'https://api-gw-service-nmn.local'  # the spec `servers` host
PREFIX = {'/apis/ims': 'ims', '/apis/cfs': 'cfs', '/apis/bos': 'bos', '/apis/sls': 'sls',
          '/apis/smd/hsm/v2': 'smd'}
_specs = {}
DESERIALIZERS = {'application/problem+json': lambda data, **kw: json.loads(data)}


class SpecMismatch(AssertionError):
    pass


def spec_for(path):
    for p, name in PREFIX.items():
        if path.startswith(p + '/'):
            return name
    raise AssertionError('no spec for %s' % path)


def contract(name):
    """The committed contract of a service, as a dict (a missing file fails the test)."""
    key = name + '.json'
    if key not in _specs:
        with open(os.path.join(CONTRACT_DIR, key)) as f:
            _specs[key] = json.load(f)
    return _specs[key]


def _cfs_patched(doc):
    """cfs with the real session status (QUIRKS.md Q-CFS-4): job, ims_job and completion_time are
    null until known, and the times carry no zone (so are no RFC 3339 date-time)."""
    props = doc['components']['schemas']['V3SessionStatusSessionSection']['properties']
    for key in ('job', 'ims_job', 'completion_time'):
        props[key]['nullable'] = True
    for key in ('start_time', 'completion_time'):
        props[key].pop('format', None)
    return doc


PATCHES = {'cfs': _cfs_patched}


def oas(name, strict=False):
    """The service's contract as an OpenAPI object; strict=False applies the quirk PATCHES."""
    key = name + ('-strict' if strict else '')
    if key not in _specs:
        doc = contract(name)
        if not strict and name in PATCHES:
            doc = PATCHES[name](copy.deepcopy(doc))
        # The contract leaves out what the spec validator requires but validation does not
        # read (response descriptions): no spec check, the schemas are what counts.
        _specs[key] = OpenAPI.from_dict(doc, config=Config(
            spec_validator_cls=None, extra_media_type_deserializers=DESERIALIZERS))
    return _specs[key]


def swagger():
    return contract('smd')


class _Req(object):
    def __init__(self, prep, path, query):
        self.method = prep.method.lower()
        self.host_url = GATEWAY
        self.path = path
        self.body = prep.body.encode() if isinstance(prep.body, str) else prep.body
        self.content_type = prep.headers.get('Content-Type', '')
        self.parameters = RequestParameters(query=ImmutableMultiDict(query),
                                            header=Headers(dict(prep.headers)),
                                            cookie=ImmutableMultiDict(), path={})


class _Resp(object):
    def __init__(self, r):
        self.status_code = r.status_code
        self.content_type = r.headers.get('Content-Type', '')
        self.headers = Headers(dict(r.headers))
        self.data = r.content


def swagger_patched():
    """The smd contract with the differences of the real HSM applied (QUIRKS.md Q-HSM-1, Q-HSM-2, Q-HSM-G1)."""
    if 'smd-patched' not in _specs:
        import copy
        doc = copy.deepcopy(swagger())
        x = doc['definitions']['XnameResponse_1.0.0']
        x['required'] = []  # the lock answer has no code/message
        doc['definitions']['FailedXnames.1.0.0']['properties']['Reason']['enum'].append('Unlocked')
        doc['definitions']['ResourceName']['pattern'] = '^[-a-z0-9:._]+$'  # Q-HSM-G1
        _specs['smd-patched'] = doc
    return _specs['smd-patched']


def _sw_operation(path, method, doc=None):
    doc = doc or swagger()
    rel = path[len(doc['basePath']):]
    for tpl, ops in doc['paths'].items():
        rx = '^' + re.sub(r'\{[^}]+\}', '[^/]+', tpl) + '$'
        if re.match(rx, rel) and method.lower() in ops:
            return ops[method.lower()]
    raise AssertionError('the smd contract has no operation %s %s' % (method, path))


def validate_swagger(r, path, method, strict=False):
    doc = swagger() if strict else swagger_patched()
    op = _sw_operation(path, method, doc)
    for p in op.get('parameters', []):
        p = _sw_resolve(doc, p)
        if p.get('in') == 'body' and r.request.body:
            jsonschema.validate(json.loads(r.request.body), _sw_resolve(doc, p['schema']))
    resp = op['responses'].get(str(r.status_code)) or op['responses'].get('default')
    assert resp is not None, 'smd contract: no response %s for %s %s' % (r.status_code, method, path)
    resp = _sw_resolve(doc, resp)
    if 'schema' in resp:
        jsonschema.validate(r.json(), resp['schema'])


class ApiClient(object):
    """Calls the simulator with a token and validates every exchange against the spec."""

    def __init__(self, sim):
        self.sim = sim
        self.session = requests.Session()
        self.session.headers['Authorization'] = 'Bearer ' + sim.token()

    def call(self, method, path, json_body=None, params=None, validate=True, data=None,
             headers=None, request_valid=True):
        """request_valid=False: the request is a deliberate error case, and the spec must
        reject it too; the response is still validated."""
        r = self.session.request(method, self.sim.url + path, json=json_body, params=params,
                                 data=data, headers=headers, timeout=60)
        if validate:
            self.validate(r, path, params or {}, request_valid)
        return r

    def validate(self, r, path, params, request_valid=True):
        name = spec_for(path)
        if name == 'smd':
            return validate_swagger(r, path, r.request.method)
        spec = oas(name)
        req = _Req(r.request, path, params)
        if request_valid:
            spec.validate_request(req)
        else:
            errors = list(spec.iter_request_errors(req))
            if not errors:
                raise SpecMismatch('spec accepts a request the test calls invalid')
        resp = _Resp(r)
        if resp.content_type.startswith('application/problem+json') and not declares_problem(
                path, r.request.method, r.status_code):
            # the spec declares errors as application/json, the service sends problem+json
            # (QUIRKS.md Q-IMS-5): validate the body under the declared type
            resp.content_type = 'application/json'
        spec.validate_response(req, resp)


def declares_problem(path, method, status):
    """Does the OAS operation declare application/problem+json for this status?"""
    doc = contract(spec_for(path))
    server = [p for p in PREFIX if path.startswith(p + '/')][0]
    rel = path[len(server):]
    if spec_for(path) == 'sls':
        rel = rel[len('/v1'):]
    for tpl, ops in doc['paths'].items():
        if re.match('^' + re.sub(r'\{[^}]+\}', '[^/]+', tpl) + '$', rel) and method.lower() in ops:
            resps = ops[method.lower()].get('responses', {})
            resp = resps.get(str(status)) or resps.get(status) or resps.get('default') or {}
            if '$ref' in resp:
                node = doc
                for part in resp['$ref'].lstrip('#/').split('/'):
                    node = node[part]
                resp = node
            return 'application/problem+json' in (resp.get('content') or {})
    return False
