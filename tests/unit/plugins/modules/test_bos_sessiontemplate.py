# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.modules import bos_sessiontemplate
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

PATH = '/apis/bos/v2/sessiontemplates/bos_ims_remote_node'
BS = dict(path='s3://boot-images/i/manifest.json', type='s3', etag='e', node_roles_groups=['Compute'],
          kernel_parameters='ip=dhcp quiet')


def run(monkeypatch, **args):
    args.setdefault('name', 'bos_ims_remote_node')
    return run_module(bos_sessiontemplate.main, args, monkeypatch)


def stored(**bs):
    return dict(name='bos_ims_remote_node', tenant=None, links=[{'href': 'x', 'rel': 'self'}],
                enable_cfs=True, cfs=dict(configuration='remote-ims-node'), boot_sets=dict(compute=dict(BS, **bs)))


def test_arch_is_mapped_and_read_only_fields_never_sent(monkeypatch, fake_client):
    fake_client.on('GET', PATH, stored(arch='X86'))
    fake_client.on('PUT', PATH, lambda body: dict(body, name='bos_ims_remote_node'))
    result = run(monkeypatch, cfs_configuration='remote-ims-node',
                 boot_sets=dict(compute=dict(BS, arch='aarch64')))
    assert result['changed'] is True
    body = fake_client.calls[1]['body']  # checked against V2SessionTemplate by the fake client
    assert body['boot_sets']['compute']['arch'] == 'ARM'
    assert not set(body) & {'name', 'tenant', 'links'}


def test_same_template_is_one_get(monkeypatch, fake_client):
    fake_client.on('GET', PATH, stored(arch='X86', name='compute'))
    result = run(monkeypatch, cfs_configuration='remote-ims-node', boot_sets=dict(compute=dict(BS, arch='x86_64')))
    assert result['changed'] is False and fake_client.methods() == [('GET', PATH)]


def test_extra_stored_boot_set_is_a_change(monkeypatch, fake_client):
    current = stored()
    current['boot_sets']['old'] = dict(BS)
    fake_client.on('GET', PATH, current).on('PUT', PATH, lambda body: body)
    result = run(monkeypatch, cfs_configuration='remote-ims-node', boot_sets=dict(compute=BS))
    assert result['changed'] is True and list(fake_client.calls[1]['body']['boot_sets']) == ['compute']


def test_missing_template_is_put(monkeypatch, fake_client):
    fake_client.on('GET', PATH, api_error(404, 'not found')).on('PUT', PATH, lambda body: body)
    result = run(monkeypatch, boot_sets=dict(compute=BS), enable_cfs=False)
    assert result['changed'] is True
    assert fake_client.calls[1]['body'] == dict(boot_sets=dict(compute=dict(BS, arch='X86')), enable_cfs=False)


def test_compared_as_bos_stores_it(monkeypatch, fake_client):
    """BOS drops the name and an empty cfs, sets arch X86 and canonicalises node_list (bos boot_set/sanitize.py)."""
    current = stored(arch='X86', node_list=['x3000c0s19b4n0'])
    del current['enable_cfs']  # BOS reads a missing enable_cfs as true
    fake_client.on('GET', PATH, current)
    bs = dict(BS, name='compute', cfs=dict(configuration=''), node_list=['X3000C0S19B04N0'])
    result = run(monkeypatch, cfs_configuration='remote-ims-node', boot_sets=dict(compute=bs))
    assert result['changed'] is False and fake_client.methods() == [('GET', PATH)]


def test_what_bos_rejects_fails_before_any_call(monkeypatch, fake_client):
    result = run(monkeypatch, boot_sets=dict(compute=dict(BS, name='other', node_list=['nid000001'])))
    assert result['failed'] and fake_client.calls == []
    assert ("BOS would reject it: boot_sets key (compute) does not match 'name' field of corresponding boot set "
            "(other)") in result['msg']
    assert "Not a node xname: 'nid000001'" in result['msg']


def test_bad_boot_sets_fail_before_any_call(monkeypatch, fake_client):
    result = run(monkeypatch, boot_sets=dict(compute=dict(BS, arch='mips', bogus=1, node_roles_groups=[])))
    assert result['failed'] and fake_client.calls == []
    assert 'unknown field(s) bogus' in result['msg'] and "arch 'mips'" in result['msg']
    assert 'node_list, node_roles_groups or node_groups' in result['msg']
