# -*- coding: utf-8 -*-
"""The connection options fall back to CSM_* environment variables (plugins/doc_fragments/connection.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.module_utils.module import CONNECTION_SPEC, CsmModule
from ansible_collections.cray.csm.tests.unit.utils import module_args

ENV = {
    'CSM_API_GATEWAY': 'https://api.site.example',
    'CSM_TOKEN': 'tok-from-env',
    'CSM_CLIENT_ID': 'site-client',
    'CSM_CLIENT_SECRET': 'secret-from-env',
    'CSM_VALIDATE_CERTS': 'false',
    'CSM_CA_PATH': '/etc/cray/ca/certificate_authority.crt',
    'CSM_TIMEOUT': '7',
    'CSM_RETRIES': '2',
}


def module(args):
    with module_args(args):
        return CsmModule(argument_spec={}, supports_check_mode=True)


@pytest.fixture
def site_env(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)


def test_every_connection_option_has_an_env_fallback():
    names = {o: spec.get('fallback', (None, [None]))[1][0] for o, spec in CONNECTION_SPEC.items()}
    assert names == {o: 'CSM_' + o.upper() for o in CONNECTION_SPEC}


def test_environment_fills_every_connection_option(site_env):
    m = module({})
    assert m.params['api_gateway'] == 'https://api.site.example'
    assert m.params['token'] == 'tok-from-env'
    assert m.params['client_id'] == 'site-client'
    assert m.params['client_secret'] == 'secret-from-env'
    assert m.params['validate_certs'] is False
    assert m.params['ca_path'] == '/etc/cray/ca/certificate_authority.crt'
    assert m.params['timeout'] == 7
    assert m.params['retries'] == 2
    c = m.client
    assert (c.client_id, c.validate_certs, c.ca_path, c.timeout, c.retries) == (
        'site-client', False, '/etc/cray/ca/certificate_authority.crt', 7, 2)


def test_task_arguments_win_over_the_environment(site_env):
    m = module({'client_id': 'task-client', 'validate_certs': True, 'ca_path': '/tmp/ca.pem', 'timeout': 60})
    assert (m.params['client_id'], m.params['validate_certs'], m.params['ca_path'], m.params['timeout']) == (
        'task-client', True, '/tmp/ca.pem', 60)


def test_defaults_without_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    m = module({})
    assert (m.params['client_id'], m.params['validate_certs'], m.params['ca_path'], m.params['timeout'],
            m.params['retries']) == ('admin-client', True, None, 30, 5)


def test_a_bad_value_in_the_environment_is_rejected(monkeypatch):
    monkeypatch.setenv('CSM_TIMEOUT', 'soon')
    with pytest.raises(SystemExit):
        module({})
