# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.modules import cfs_component
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

X = 'x3000c0s19b4n0'
PATH = '/apis/cfs/v3/components/' + X
CFG = '/apis/cfs/v3/configurations/builders'
LAYER = dict(clone_url='https://api-gw-service-nmn.local/vcs/cray/cray-csm.git', commit='a' * 40,
             playbook='playbooks/ims_computes.yml')
SHOWN = dict(id=X, desired_config='compute-23.7', enabled=True, error_count=2, tags={}, configuration_status='failed')


def run(monkeypatch, **args):
    args.setdefault('id', X)
    return run_module(cfs_component.main, args, monkeypatch)


def test_same_configuration_sends_no_patch(monkeypatch, fake_client):
    fake_client.on('GET', PATH, dict(SHOWN, desired_config='builders')).on('GET', CFG, dict(name='builders', layers=[LAYER]))
    result = run(monkeypatch, desired_config='builders', enabled=True)
    assert result['changed'] is False and fake_client.methods() == [('GET', PATH), ('GET', CFG)]
    assert result['configuration']['layers'] == [LAYER]


def test_patch_holds_only_what_differs_then_reads_again(monkeypatch, fake_client):
    fake_client.on('GET', PATH, SHOWN).on('GET', CFG, dict(name='builders', layers=[LAYER]))
    fake_client.on('PATCH', PATH, lambda body: dict(SHOWN, state=[], **body))
    result = run(monkeypatch, id='X3000C0S19B04N0', desired_config='builders', enabled=True, _ansible_diff=True)
    assert result['changed'] is True
    assert fake_client.methods() == [('GET', PATH), ('GET', CFG), ('PATCH', PATH), ('GET', PATH)]
    assert fake_client.calls[2]['body'] == {'desired_config': 'builders'}  # enabled is true already
    assert result['diff']['before'] == SHOWN


def test_check_mode_predicts_the_reset_error_count(monkeypatch, fake_client):
    fake_client.on('GET', PATH, SHOWN).on('GET', CFG, dict(name='builders', layers=[LAYER]))
    result = run(monkeypatch, desired_config='builders', _ansible_check_mode=True)
    assert result['changed'] is True and result['component']['error_count'] == 0
    assert result['component']['desired_config'] == 'builders'
    assert [call[0] for call in fake_client.methods()] == ['GET', 'GET']


@pytest.mark.parametrize('component,config,words', [
    (api_error(404, 'Component x3000c0s19b4n0 could not be found'), None, 'CFS has no component x3000c0s19b4n0'),
    (SHOWN, api_error(404, 'Configuration builders could not be found'), 'CFS configuration builders does not exist'),
])
def test_missing_component_or_configuration_fails_before_any_write(monkeypatch, fake_client, component, config, words):
    fake_client.on('GET', PATH, component)
    if config is not None:
        fake_client.on('GET', CFG, config)
    result = run(monkeypatch, desired_config='builders')
    assert result['failed'] is True and words in result['msg'], result
    assert 'PATCH' not in [call[0] for call in fake_client.methods()]
