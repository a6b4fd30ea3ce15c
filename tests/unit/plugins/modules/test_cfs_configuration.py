# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.modules import cfs_configuration
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

PATH = '/apis/cfs/v3/configurations/remote-ims-node'
URL = 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git'
LAYER = dict(clone_url=URL, commit='545dd8f97645ee6882a8cef2f7dfdf25a63c1d8e', playbook='ims_computes.yml')
STORED = dict(name='remote-ims-node', last_updated='2024-04-23T16:44:55Z', layers=[LAYER],
              additional_inventory=dict(clone_url=URL, commit='a' * 40))


def run(monkeypatch, **args):
    args.setdefault('name', 'remote-ims-node')
    return run_module(cfs_configuration.main, args, monkeypatch)


def test_same_layers_is_one_get(monkeypatch, fake_client):
    fake_client.on('GET', PATH, STORED)
    result = run(monkeypatch, layers=[LAYER])
    assert result['changed'] is False and fake_client.methods() == [('GET', PATH)]


def test_changed_layer_puts_without_read_only_fields_and_keeps_others(monkeypatch, fake_client):
    fake_client.on('GET', PATH, STORED).on('PUT', PATH, lambda body: dict(body, name='remote-ims-node'))
    layer = dict(LAYER, commit='b' * 40)
    result = run(monkeypatch, layers=[layer], _ansible_diff=True)
    assert result['changed'] is True
    body = fake_client.calls[1]['body']  # checked against the CFS spec by the fake client
    assert body == dict(layers=[layer], additional_inventory=STORED['additional_inventory'])
    assert result['diff']['before'] == STORED


def test_missing_configuration_is_created_and_drop_branches_is_a_query(monkeypatch, fake_client):
    fake_client.on('GET', PATH, api_error(404, 'Configuration remote-ims-node could not be found'))
    fake_client.on('PUT', PATH, lambda body: dict(body, name='remote-ims-node'))
    result = run(monkeypatch, layers=[LAYER], drop_branches=True)
    assert result['changed'] is True
    assert fake_client.calls[1]['query'] == {'drop_branches': 'true'}


def test_branch_layer_matches_the_commit_cfs_added(monkeypatch, fake_client):
    stored = dict(STORED, layers=[dict(clone_url=URL, branch='main', commit='c' * 40, playbook='site.yml')])
    fake_client.on('GET', PATH, stored)
    result = run(monkeypatch, layers=[dict(clone_url=URL, branch='main', playbook='site.yml')])
    assert result['changed'] is False


def test_check_mode_writes_nothing(monkeypatch, fake_client):
    fake_client.on('GET', PATH, STORED)
    result = run(monkeypatch, layers=[dict(LAYER, playbook='other.yml')], _ansible_check_mode=True)
    assert result['changed'] is True and result['configuration']['layers'][0]['playbook'] == 'other.yml'
    assert fake_client.methods() == [('GET', PATH)]


def test_bad_layers_fail_before_any_call(monkeypatch, fake_client):
    result = run(monkeypatch, layers=[dict(LAYER, branch='main'), dict(playbook='p.yml'),
                                      dict(LAYER, commit='ABC')])
    assert result['failed'] and fake_client.calls == []
    for fragment in ('layers[0]: give commit or branch, not both', 'layers[1]: give clone_url',
                     "layers[2]: commit 'ABC' is not a full commit id"):
        assert fragment in result['msg']


def test_delete_in_use_says_what_to_do(monkeypatch, fake_client):
    fake_client.on('GET', PATH, STORED)
    fake_client.on('DELETE', PATH, api_error(400, 'Configuration is in use.', 'DELETE', PATH))
    result = run(monkeypatch, state='absent')
    assert result['failed'] and 'Configuration is in use.' in result['msg']
    assert '--config-name remote-ims-node' in result['msg']


def test_delete_missing_is_unchanged(monkeypatch, fake_client):
    fake_client.on('GET', PATH, api_error(404, 'not found'))
    assert run(monkeypatch, state='absent')['changed'] is False
    assert fake_client.methods() == [('GET', PATH)]
