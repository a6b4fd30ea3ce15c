# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.modules import remote_node_boot_plan
from ansible_collections.cray.csm.tests.unit.utils import run_module

COMPONENTS = {'Components': [
    {'ID': 'x1c0s0b0n0', 'Type': 'Node', 'Arch': 'X86', 'State': 'Ready'},
    {'ID': 'x1c0s0b1n0', 'Type': 'Node', 'Arch': 'X86', 'State': 'Off'},
    {'ID': 'x1c0s1b0n0', 'Type': 'Node', 'Arch': 'ARM', 'State': 'Off'},
]}
IMAGES = [{'id': 'img-x86', 'arch': 'x86_64'}, {'id': 'img-arm', 'arch': 'aarch64'}]
TEMPLATES = {'x86_64': 'tpl_x86_64', 'aarch64': 'tpl_aarch64'}
XNAMES = ['x1c0s0b0n0', 'x1c0s0b1n0', 'x1c0s1b0n0']


def session(name, template, limit, status='complete', error=None, operation='reboot'):
    return {'name': name, 'template_name': template, 'limit': limit, 'operation': operation,
            'status': {'status': status, 'error': error, 'start_time': '2025-01-01T00:00:00Z'}}


def plan(monkeypatch, fake_client, sessions, statuses=None):
    fake_client.on('GET', r'/apis/smd/hsm/v2/State/Components', COMPONENTS)
    fake_client.on('GET', '/apis/bos/v2/sessions', sessions)
    for name, st in (statuses or {}).items():
        fake_client.on('GET', '/apis/bos/v2/sessions/%s/status' % name, st)
    return run_module(remote_node_boot_plan.main, dict(xnames=XNAMES, images=IMAGES, templates=TEMPLATES),
                      monkeypatch)


def test_nothing_booted_yet(monkeypatch, fake_client):
    result = plan(monkeypatch, fake_client, [])
    assert result['failed'] is False and result['arches'] == ['aarch64', 'x86_64']
    x86, arm = result['boots']['x86_64'], result['boots']['aarch64']
    assert x86['pending'] == ['x1c0s0b0n0', 'x1c0s0b1n0'] and x86['operation'] == 'reboot'  # one of them is on
    assert x86['session_name'].startswith('tpl_x86_64-img-x86-') and len(x86['session_name']) == len('tpl_x86_64-img-x86-') + 10
    # one node: the name of the single-node form
    assert arm['pending'] == ['x1c0s1b0n0'] and arm['operation'] == 'boot'
    assert arm['session_name'] == 'tpl_aarch64-x1c0s1b0n0-img-arm'
    # one HSM read for all nodes, one BOS sessions read for all architectures
    assert fake_client.methods()[0][1].startswith('/apis/smd/hsm/v2/State/Components?type=Node&id=x1c0s0b0n0&id=')
    assert fake_client.methods()[1:] == [('GET', '/apis/bos/v2/sessions')]


def test_booted_nodes_are_left_alone(monkeypatch, fake_client):
    done = session('tpl_x86_64-img-x86-abc', 'tpl_x86_64', 'x1c0s0b0n0,x1c0s0b1n0')
    other_image = session('tpl_aarch64-old-image', 'tpl_aarch64', 'x1c0s1b0n0')
    running = session('tpl_aarch64-x1c0s1b0n0-img-arm', 'tpl_aarch64', 'x1c0s1b0n0', status='running')
    result = plan(monkeypatch, fake_client, [done, other_image, running],
                  statuses={done['name']: {'error_summary': {}}})
    x86, arm = result['boots']['x86_64'], result['boots']['aarch64']
    assert x86['pending'] == [] and x86['session_name'] is None
    assert x86['booted_by'] == {'x1c0s0b0n0': done['name'], 'x1c0s0b1n0': done['name']}
    # another image's session does not count; a running one is followed under its own name
    assert arm['pending'] == ['x1c0s1b0n0'] and arm['session_name'] == running['name']


def test_failed_nodes_and_failed_sessions_are_booted_again(monkeypatch, fake_client):
    partly = session('tpl_x86_64-img-x86-abc', 'tpl_x86_64', 'x1c0s0b0n0,x1c0s0b1n0')
    failed = session('tpl_aarch64-x1c0s1b0n0-img-arm', 'tpl_aarch64', 'x1c0s1b0n0', error='No nodes were found')
    result = plan(monkeypatch, fake_client, [partly, failed], statuses={
        partly['name']: {'error_summary': {'Power failed': {'count': 1, 'list': 'x1c0s0b1n0'}}}})
    x86, arm = result['boots']['x86_64'], result['boots']['aarch64']
    assert x86['booted'] == ['x1c0s0b0n0'] and x86['pending'] == ['x1c0s0b1n0']
    assert x86['operation'] == 'boot' and x86['session_name'] == 'tpl_x86_64-x1c0s0b1n0-img-x86'
    assert arm['pending'] == ['x1c0s1b0n0'] and arm['session_name'] == failed['name'] + '-2'


def test_bad_input_fails_before_any_request(monkeypatch, fake_client):
    result = run_module(remote_node_boot_plan.main, dict(xnames=['x1c0s0b0', 'nid001']), monkeypatch)
    assert result['failed'] and "Not a node xname: 'x1c0s0b0', 'nid001'" in result['msg']
    result = run_module(remote_node_boot_plan.main, dict(xnames=XNAMES, images=[{'id': 'i', 'arch': 'x86_64'}]),
                        monkeypatch)
    assert result['failed'] and 'templates has no BOS session template for x86_64' in result['msg']
    assert fake_client.calls == []


def test_unknown_node_and_architecture(monkeypatch, fake_client):
    fake_client.on('GET', r'/apis/smd/hsm/v2/State/Components', {'Components': [
        {'ID': 'x1c0s0b0n0', 'Type': 'Node', 'Arch': 'Other', 'State': 'On'}]})
    result = run_module(remote_node_boot_plan.main, dict(xnames=['X1C0S0B0N0', 'x1c0s9b0n0']), monkeypatch)
    assert result['failed'] and result['msg'] == 'HSM does not know x1c0s9b0n0.'
    result = run_module(remote_node_boot_plan.main, dict(xnames=['x1c0s0b0n0']), monkeypatch)
    assert result['failed'] and 'Not an x86_64 or aarch64 node: x1c0s0b0n0 (HSM Arch Other)' in result['msg']


def test_reads_the_cfs_configuration_when_asked(monkeypatch, fake_client):
    stored = {'name': 'remote-ims-node', 'description': 'd', 'layers': []}
    fake_client.on('GET', r'/apis/smd/hsm/v2/State/Components', COMPONENTS)
    fake_client.on('GET', '/apis/cfs/v3/configurations/remote-ims-node', stored)
    result = run_module(remote_node_boot_plan.main, dict(xnames=XNAMES, cfs_configuration='remote-ims-node'), monkeypatch)
    assert result['cfs_configuration'] == stored
    assert fake_client.methods()[-1] == ('GET', '/apis/cfs/v3/configurations/remote-ims-node')
    # not asked: not read
    fake_client.calls[:] = []
    assert run_module(remote_node_boot_plan.main, dict(xnames=XNAMES), monkeypatch)['cfs_configuration'] is None
    assert [m for m in fake_client.methods() if '/cfs/' in m[1]] == []
