"""Extract the API contract of each CSM service from its upstream OpenAPI/Swagger spec.

The contract is the spec with everything validation does not read left out (descriptions,
summaries, examples, titles, tags, operation ids, vendor extensions) and with the components no
path reaches dropped. Paths, methods, parameters, request and response bodies and content types,
schemas with their types, enums, patterns, required and read-only fields stay, $refs unchanged
(they point into the contract's own components/definitions). The result is still an OpenAPI 3 /
Swagger 2.0 document, so the spec-driven checks read it like the spec itself.

Usage: python tests/contract/extract.py [--check] [OPENAPI_DIR]
  OPENAPI_DIR  the upstream specs (default: $CSM_OPENAPI_DIR, else shared/upstream/openapi beside
               the checkout); --check compares instead of writing, exit 1 on any difference.
"""
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
# contract name -> the upstream spec it is extracted from (file in OPENAPI_DIR, repository, path)
SOURCES = {
    'ims': ('ims.yaml', 'Cray-HPE/ims', 'api/openapi.yaml'),
    'cfs': ('cfs.yaml', 'Cray-HPE/config-framework-service', 'api/openapi.yaml'),
    'bos': ('bos.yaml', 'Cray-HPE/bos', 'api/openapi.yaml.in'),
    'smd': ('smd.yaml', 'Cray-HPE/hms-smd', 'api/swagger_v2.yaml'),
    'sls': ('sls.yaml', 'Cray-HPE/hms-sls', 'api/openapi.yaml'),
}
# Keys no validation reads, wherever they are a keyword (not a property or other name).
DROP = frozenset(('description', 'summary', 'example', 'examples', 'externalDocs', 'tags', 'operationId',
                  'title', 'deprecated', 'contact', 'license', 'termsOfService', 'produces', 'consumes',
                  'schemes', 'host'))
# Keywords whose value is a map from names (properties, paths, status codes, media types, ...) to objects.
NAME_MAPS = frozenset(('properties', 'patternProperties', 'definitions', 'paths', 'responses', 'content',
                       'schemas', 'parameters', 'requestBodies', 'headers', 'securitySchemes',
                       'securityDefinitions', 'encoding', 'variables', 'links', 'callbacks'))
# Keywords whose value is data, kept as it is.
LITERALS = frozenset(('enum', 'default', 'required', 'const', 'mapping'))
COMPONENT_MAPS = (('components', 'schemas'), ('components', 'responses'), ('components', 'parameters'),
                  ('components', 'requestBodies'), ('components', 'headers'), ('definitions',),
                  ('parameters',), ('responses',))


def _strip(node, names=False):
    if isinstance(node, list):
        return [_strip(n) for n in node]
    if not isinstance(node, dict):
        if not isinstance(node, (str, int, float, bool, type(None))):
            raise ValueError('not JSON data: %r' % (node,))
        return node
    out = {}
    for key, value in node.items():
        key = str(key)  # YAML status codes may be integers
        if names:
            out[key] = _strip(value)
        elif key in DROP or key.startswith('x-'):
            continue
        elif key in LITERALS:
            out[key] = json.loads(json.dumps(value))
        else:
            out[key] = _strip(value, names=key in NAME_MAPS and isinstance(value, dict))
    return out


def _refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == '$ref' and isinstance(value, str):
                found.add(value)
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def _get(doc, keys):
    for key in keys:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc if isinstance(doc, dict) else None


def _prune(doc):
    """Drop the components that no path reaches, directly or through other components."""
    roots = dict((k, v) for k, v in doc.items() if k not in ('components', 'definitions', 'parameters', 'responses'))
    wanted, todo = set(), _refs(roots, set())
    while todo:
        ref = todo.pop()
        if ref in wanted or not ref.startswith('#/'):
            continue
        wanted.add(ref)
        node = doc
        for part in ref[2:].split('/'):
            node = node[part.replace('~1', '/').replace('~0', '~')]
        todo |= _refs(node, set())
    for keys in COMPONENT_MAPS:
        comps = _get(doc, keys)
        if comps is None:
            continue
        prefix = '#/' + '/'.join(keys) + '/'
        for name in list(comps):
            if prefix + name.replace('~', '~0').replace('/', '~1') not in wanted:
                del comps[name]
    for key in ('components', 'definitions', 'parameters', 'responses'):
        comps = doc.get(key)
        if isinstance(comps, dict):
            for sub in [s for s, v in comps.items() if v == {}]:
                del comps[sub]
            if not comps:
                del doc[key]
    return doc


def contract(spec_path, name):
    """The contract (a dict) of the spec at spec_path, for the service `name` of SOURCES."""
    with open(spec_path) as f:
        doc = _prune(_strip(yaml.safe_load(f)))
    _unused, repo, path = SOURCES[name]
    doc['x-contract'] = {'source': '%s %s' % (repo, path), 'generated-by': 'tests/contract/extract.py'}
    return doc


def dumps(doc):
    return json.dumps(doc, indent=1, sort_keys=True) + '\n'


def load(name):
    """The committed contract of a service."""
    with open(os.path.join(HERE, name + '.json')) as f:
        return json.load(f)


def default_openapi_dir():
    return os.environ.get('CSM_OPENAPI_DIR') or os.path.normpath(
        os.path.join(HERE, '..', '..', '..', 'shared', 'upstream', 'openapi'))


def main(argv):
    check = '--check' in argv
    args = [a for a in argv if a != '--check']
    src = args[0] if args else default_openapi_dir()
    if not os.path.isdir(src):
        print('no upstream specs at %s (give OPENAPI_DIR or set CSM_OPENAPI_DIR)' % src, file=sys.stderr)
        return 2
    bad = 0
    for name, (filename, _repo, _path) in sorted(SOURCES.items()):
        text = dumps(contract(os.path.join(src, filename), name))
        target = os.path.join(HERE, name + '.json')
        if check:
            with open(target) as f:
                same = f.read() == text
            bad += not same
            print('%-4s %s' % ('ok' if same else 'DIFF', os.path.relpath(target)))
        else:
            with open(target, 'w') as f:
                f.write(text)
            print('wrote %s (%d bytes)' % (os.path.relpath(target), len(text)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
