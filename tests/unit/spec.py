# -*- coding: utf-8 -*-
"""Check a request against the API contracts (tests/contract/): path, method, query names, body schema."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

CONTRACT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'contract')
# gateway prefix the contract's paths start after -> contract file
SERVICES = (('/apis/ims', 'ims.json'), ('/apis/smd/hsm/v2', 'smd.json'), ('/apis/cfs', 'cfs.json'),
            ('/apis/bos', 'bos.json'), ('/apis/sls/v1', 'sls.json'))
_cache = {}


def _load(name):
    """A committed contract; a missing one fails the test that needs it."""
    if name not in _cache:
        with open(os.path.join(CONTRACT_DIR, name)) as f:
            _cache[name] = json.load(f)
    return _cache[name]


def resolve(doc, node, depth=0):
    """node with every $ref in it replaced by what it points at (in doc), to a depth of 40."""
    if depth > 40:
        return {}
    if isinstance(node, list):
        return [resolve(doc, n, depth + 1) for n in node]
    if not isinstance(node, dict):
        return node
    if '$ref' in node:
        target = doc
        for part in node['$ref'].lstrip('#/').split('/'):
            target = target[part.replace('~1', '/').replace('~0', '~')]
        return resolve(doc, target, depth + 1)
    return dict((k, resolve(doc, v, depth + 1)) for k, v in node.items())


def find_operation(method, path):
    """(spec document, operation) for a gateway path, or raise AssertionError."""
    path = path.split('?')[0]
    for prefix, name in SERVICES:
        if path.startswith(prefix + '/'):
            doc = _load(name)
            rel = path[len(prefix):]
            # literal segments win over templates (/status before /{xname})
            for tmpl in sorted(doc['paths'], key=lambda t: t.count('{')):
                rx = '^' + re.sub(r'\{[^}]+\}', '[^/]+', tmpl) + '$'
                if re.match(rx, rel):
                    ops = resolve(doc, doc['paths'][tmpl])
                    if method.lower() not in ops:
                        raise AssertionError('%s %s: the spec has no %s for %s' % (method, path, method, tmpl))
                    return doc, ops[method.lower()], ops.get('parameters') or []
            raise AssertionError('%s %s: no such path in %s' % (method, path, name))
    raise AssertionError('%s %s: not a known service prefix' % (method, path))


def check_request(method, path, body=None, query=None):
    """Raise AssertionError unless the request is one the spec defines, with a valid body."""
    import jsonschema
    doc, op, path_params = find_operation(method, path)
    params = list(path_params) + list(op.get('parameters') or [])
    names = set(p.get('name') for p in params if p.get('in') == 'query')
    for key in query or {}:
        if key not in names:
            raise AssertionError('%s %s: query parameter %r is not in the spec' % (method, path, key))
    schema = None
    if 'requestBody' in op:
        schema = op['requestBody'].get('content', {}).get('application/json', {}).get('schema')
    for p in params:
        if p.get('in') == 'body':
            schema = p.get('schema')
    if body is None:
        return
    if schema is None:
        raise AssertionError('%s %s: the spec takes no body' % (method, path))
    try:
        jsonschema.validate(body, schema)
    except jsonschema.ValidationError as e:
        raise AssertionError('%s %s: body does not match the spec: %s' % (method, path, e.message)) from None
