"""The API contracts (tests/contract/): the extractor, their use, and their drift from upstream."""
import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

import spec_check
from contract import extract

SIMULATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'simulator')


def _diff(a, b, path=''):
    """The first few JSON pointers where a and b differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += ['%s/%s (only one side)' % (path, k)] if (k in a) != (k in b) else _diff(a[k], b[k], path + '/' + k)
        return out[:10]
    return [] if a == b else [path or '/']


def test_contract_matches_upstream():
    """The committed contracts are what extract.py makes of the upstream specs. The only test
    that needs them: without them it skips, saying why (a clone has no shared/ beside it)."""
    src = extract.default_openapi_dir()
    if not os.path.isdir(src):
        if os.environ.get('CSM_OPENAPI_DIR'):
            pytest.fail('CSM_OPENAPI_DIR=%s is not a directory' % src)
        pytest.skip('no upstream specs (CSM_OPENAPI_DIR is unset and no shared/upstream/openapi is beside '
                    'the checkout): the committed contract cannot be compared with them')
    drift = {}
    for name, (filename, _repo, _path) in sorted(extract.SOURCES.items()):
        fresh = json.loads(extract.dumps(extract.contract(os.path.join(src, filename), name)))
        where = _diff(extract.load(name), fresh)
        if where:
            drift[name] = where
    assert not drift, ('tests/contract differs from the upstream specs in %s: run '
                       'python tests/contract/extract.py %s and review the diff' % (drift, src))


SPEC = {
    'openapi': '3.0.2', 'info': {'title': 'T', 'version': '1', 'description': 'gone'},
    'tags': [{'name': 't'}],
    'paths': {'/things/{id}': {
        'summary': 'gone', 'x-private': True,
        'get': {'operationId': 'get_thing', 'tags': ['t'], 'description': 'gone',
                'parameters': [{'name': 'id', 'in': 'path', 'required': True, 'description': 'gone',
                                'schema': {'type': 'string', 'example': 'x1'}}],
                'responses': {200: {'description': 'gone', 'content': {'application/json': {
                    'schema': {'$ref': '#/components/schemas/Thing'}, 'example': {'name': 'a'}}}},
                    '404': {'$ref': '#/components/responses/NotFound'}}}}},
    'components': {
        'schemas': {
            'Thing': {'type': 'object', 'title': 'gone', 'required': ['name'], 'additionalProperties': False,
                      'properties': {'name': {'type': 'string', 'readOnly': True, 'description': 'gone'},
                                     'description': {'type': 'string'},
                                     'example': {'type': 'string', 'enum': ['a', 'b']},
                                     'part': {'$ref': '#/components/schemas/Part'}}},
            'Part': {'type': 'integer', 'default': 3, 'minimum': 1},
            'Unused': {'type': 'string'}},
        'responses': {'NotFound': {'description': 'gone', 'content': {'application/problem+json': {
            'schema': {'type': 'object'}}}}, 'Unused': {'description': 'gone'}}},
}


def test_extract_keeps_validation_and_drops_annotations(tmp_path):
    path = tmp_path / 'ims.yaml'
    path.write_text(yaml.safe_dump(SPEC))  # status code 200 as a YAML integer
    doc = extract.contract(str(path), 'ims')
    assert doc['x-contract']['source'] == 'Cray-HPE/ims api/openapi.yaml'
    assert doc['info'] == {'version': '1'} and 'tags' not in doc
    item = doc['paths']['/things/{id}']
    assert list(item) == ['get']
    assert item['get'] == {
        'parameters': [{'name': 'id', 'in': 'path', 'required': True, 'schema': {'type': 'string'}}],
        'responses': {'200': {'content': {'application/json': {'schema': {'$ref': '#/components/schemas/Thing'}}}},
                      '404': {'$ref': '#/components/responses/NotFound'}}}
    # properties named like dropped keywords stay; keywords inside them go
    assert doc['components']['schemas'] == {
        'Thing': {'type': 'object', 'required': ['name'], 'additionalProperties': False,
                  'properties': {'name': {'type': 'string', 'readOnly': True},
                                 'description': {'type': 'string'},
                                 'example': {'type': 'string', 'enum': ['a', 'b']},
                                 'part': {'$ref': '#/components/schemas/Part'}}},
        'Part': {'type': 'integer', 'default': 3, 'minimum': 1}}  # reached through Thing; Unused is gone
    assert doc['components']['responses'] == {
        'NotFound': {'content': {'application/problem+json': {'schema': {'type': 'object'}}}}}
    assert json.loads(extract.dumps(doc)) == doc


def test_contracts_keep_what_the_checks_read():
    """Spot checks on the committed contracts: read-only, required, enums, problem+json."""
    cfs = extract.load('cfs')['components']['schemas']
    assert cfs['V3ConfigurationData']['properties']['name']['readOnly'] is True
    assert set(cfs['V3SessionCreate']['required']) == {'name', 'configuration_name'}
    bos = extract.load('bos')['components']['schemas']
    assert bos['V2SessionOperation']['enum'] == ['boot', 'reboot', 'shutdown']
    smd = extract.load('smd')
    assert 'NotFound' in smd['definitions']['FailedXnames.1.0.0']['properties']['Reason']['enum']
    assert smd['basePath'] == '/apis/smd/hsm/v2'
    assert spec_check.declares_problem('/apis/cfs/v3/configurations/c1', 'GET', 404) is True
    assert spec_check.declares_problem('/apis/ims/v3/remote-build-nodes/x1', 'GET', 404) is False  # Q-IMS-5


def test_missing_contract_fails_the_check(monkeypatch, tmp_path):
    monkeypatch.setattr(spec_check, 'CONTRACT_DIR', str(tmp_path))
    monkeypatch.setattr(spec_check, '_specs', {})
    with pytest.raises(FileNotFoundError):
        spec_check.oas('ims')


def test_simulator_does_not_start_without_its_contract(tmp_path):
    """The simulator reads its contracts at start: without them it stops, naming the file."""
    sim = tmp_path / 'tests' / 'simulator'
    shutil.copytree(SIMULATOR, str(sim), ignore=shutil.ignore_patterns('__pycache__'))
    p = subprocess.run([sys.executable, str(sim / 'csm_simulator.py'), '--port', '0'], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=False)
    assert p.returncode != 0
    assert 'listening' not in p.stdout
    assert os.path.join('contract', 'ims.json') in p.stderr
