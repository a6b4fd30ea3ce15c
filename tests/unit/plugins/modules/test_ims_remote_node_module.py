# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.module_utils import ims_node
from ansible_collections.cray.csm.plugins.module_utils import preflight as pf
from ansible_collections.cray.csm.plugins.modules import ims_remote_node
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

X = 'x3000c0s19b4n0'
BASE = '/apis/ims/v3/remote-build-nodes'
ONE = BASE + '/' + X
READY = dict(xname=X, sshStatus='SSH connection established.', nodeArch='x86_64',
             podmanStatus='Podman present at /usr/bin/podman', numCurrentJobs=0, ableToRunJobs=True)


def no_paramiko():
    raise ImportError('No module named paramiko')


def run(monkeypatch, **args):
    args.setdefault('xname', X)
    return run_module(ims_remote_node.main, args, monkeypatch)


def registered(fake):
    return fake.on('GET', ONE, {'xname': X})


def missing(fake):
    fake.on('GET', ONE, api_error(404, 'Requested resource does not exist.'))
    fake.on('POST', BASE, dict)
    return fake


def test_existing_node_is_one_get(monkeypatch, fake_client):
    registered(fake_client)
    result = run(monkeypatch)
    assert result['changed'] is False
    assert result['node'] == {'xname': X}
    assert fake_client.methods() == [('GET', ONE)]


@pytest.mark.parametrize('check', [False, True])
def test_new_node_posts_once_and_check_mode_predicts_it(monkeypatch, fake_client, check):
    missing(fake_client)
    result = run(monkeypatch, _ansible_check_mode=check, _ansible_diff=True)
    assert result['changed'] is True
    assert result['node'] == {'xname': X}
    assert result['diff'] == {'before': {}, 'after': {'xname': X}}
    expected = [('GET', ONE)] if check else [('GET', ONE), ('POST', BASE)]
    assert fake_client.methods() == expected
    if not check:
        assert fake_client.calls[1]['body'] == {'xname': X}


@pytest.mark.parametrize('bad', ['x3000c0s19b4', 'node1', 'x3000c0s19b4n0n1', ''])
def test_bad_xname_fails_before_any_call(monkeypatch, fake_client, bad):
    result = run(monkeypatch, xname=bad)
    assert result['failed']
    assert 'x3000c0s19b4n0' in result['msg'] and repr(bad) in result['msg']
    assert fake_client.calls == []


@pytest.mark.parametrize('given', ['X3000C0S19B4N0', 'x3000c0s19b04n00', ' x3000c0s19b4n0 '])
def test_xname_is_sent_canonical(monkeypatch, fake_client, given):
    """IMS stores the name as given and SSHes to it: only the canonical form resolves in CSM."""
    fake_client.on('GET', ONE, api_error(404, 'not found')).on('POST', BASE, {'xname': X})
    result = run(monkeypatch, xname=given)
    assert result['changed'] is True and result['node'] == {'xname': X}
    assert fake_client.methods() == [('GET', ONE), ('POST', BASE)]
    assert fake_client.calls[1]['body'] == {'xname': X}


def test_absent_deletes_only_the_node(monkeypatch, fake_client):
    fake_client.on('DELETE', ONE, None)
    result = run(monkeypatch, state='absent', _ansible_diff=True)
    assert result['changed'] is True and result['node'] is None
    assert result['diff'] == {'before': {'xname': X}, 'after': {}}
    assert fake_client.methods() == [('DELETE', ONE)]


def test_absent_when_missing_is_unchanged(monkeypatch, fake_client):
    fake_client.on('DELETE', ONE, api_error(404, 'gone', 'DELETE', ONE))
    assert run(monkeypatch, state='absent')['changed'] is False


@pytest.mark.parametrize('exists', [True, False])
def test_absent_check_mode_only_reads(monkeypatch, fake_client, exists):
    if exists:
        registered(fake_client)
    result = run(monkeypatch, state='absent', _ansible_check_mode=True)
    assert result['changed'] is exists
    assert fake_client.methods() == [('GET', ONE)]


def test_wait_polls_status_until_able(monkeypatch, fake_client):
    missing(fake_client)
    answers = [dict(READY, ableToRunJobs=False), READY]
    fake_client.on('GET', BASE + '/status/' + X, lambda body: answers.pop(0))
    result = run(monkeypatch, wait=True, wait_timeout=10, poll_interval=0)
    assert result['status'] == READY
    assert [m for m, p in fake_client.methods()] == ['GET', 'POST', 'GET', 'GET']


def test_wait_timeout_names_the_reason(monkeypatch, fake_client):
    registered(fake_client)
    bad = dict(READY, ableToRunJobs=False, podmanStatus='Podman not installed on node.')
    fake_client.on('GET', BASE + '/status/' + X, bad)
    result = run(monkeypatch, wait=True, wait_timeout=0, poll_interval=0)
    assert result['failed']
    assert 'Podman not installed on node.' in result['msg'] and result['status'] == bad


def test_wait_without_status_endpoint_falls_back_to_preflight(monkeypatch, fake_client):
    registered(fake_client)
    fake_client.on('GET', BASE + '/status/' + X, api_error(404, 'The requested URL was not found on the server.'))
    checked = dict(READY, failed_check=None, fix=None)
    checked.pop('xname')
    monkeypatch.setattr(pf, 'load_paramiko', lambda: None)
    monkeypatch.setattr(pf, 'check_node', lambda host, port, key, timeout: dict(checked))
    result = run(monkeypatch, wait=True, preflight=True, ssh_private_key='-----BEGIN x')
    assert result['status'] == READY
    assert any('no remote build node status endpoint' in w for w in result.get('warnings', []))


def test_wait_in_check_mode_for_a_new_node_does_not_poll(monkeypatch, fake_client):
    missing(fake_client)
    result = run(monkeypatch, wait=True, _ansible_check_mode=True)
    assert result['changed'] and result['status'] is None
    assert fake_client.methods() == [('GET', ONE)]


def test_failed_preflight_registers_nothing(monkeypatch, fake_client):
    missing(fake_client)
    seen = {}

    def check(host, port, key, timeout):
        seen.update(host=host, port=port, key=key)
        return dict(sshStatus='SSH connection established.', podmanStatus='Unknown', numCurrentJobs=-1,
                    nodeArch='Undefined architecture type for node, result: unknown\n', ableToRunJobs=False,
                    failed_check='arch', fix=ims_node.FIX['arch'])
    monkeypatch.setattr(pf, 'load_paramiko', lambda: None)
    monkeypatch.setattr(pf, 'check_node', check)
    result = run(monkeypatch, preflight=True, ssh_private_key='/k', ssh_port=2222)
    assert result['failed']
    assert 'failed the arch check' in result['msg'] and 'uname -i' in result['msg']
    assert seen == dict(host=X, port=2222, key='/k')  # ssh_host defaults to the xname
    assert fake_client.methods() == [('GET', ONE)]  # nothing registered


@pytest.mark.parametrize('ssh_host,expected', [
    ('X3000C0S19B04N0', X),        # an inventory's xname, zero-padded and in capitals: DNS knows only the canonical
    (' x3000c0s19b04n0 ', X),
    ('127.0.0.1', '127.0.0.1'),    # not an xname: as given
    ('nid000001-nmn', 'nid000001-nmn'),
])
def test_preflight_ssh_host_that_is_an_xname_is_canonical(monkeypatch, fake_client, ssh_host, expected):
    """Bug: the role passes the inventory's raw xname when the host has no ansible_host; it was SSHed as given."""
    missing(fake_client)
    seen = {}

    def check(host, port, key, timeout):
        seen['host'] = host
        return dict(sshStatus=ims_node.SSH_OK, podmanStatus=ims_node.UNKNOWN, numCurrentJobs=-1, nodeArch=ims_node.UNKNOWN,
                    ableToRunJobs=False, failed_check='ssh', fix=ims_node.FIX['ssh'])
    monkeypatch.setattr(pf, 'load_paramiko', lambda: None)
    monkeypatch.setattr(pf, 'check_node', check)
    result = run(monkeypatch, preflight=True, ssh_private_key='/k', ssh_host=ssh_host)
    assert result['failed'] and seen == {'host': expected}
    assert '(SSH %s:22)' % expected in result['msg']


def test_registered_node_with_wait_is_checked_by_ims_not_by_preflight(monkeypatch, fake_client):
    registered(fake_client)
    fake_client.on('GET', BASE + '/status/' + X, dict(READY))

    def check(host, port, key, timeout):
        raise AssertionError('preflight ran although IMS reported the status')
    monkeypatch.setattr(pf, 'load_paramiko', lambda: None)
    monkeypatch.setattr(pf, 'check_node', check)
    result = run(monkeypatch, wait=True, preflight=True, ssh_private_key='/k')
    assert result['failed'] is False and result['changed'] is False
    assert result['status'] == READY and result['preflight'] is None
    assert fake_client.methods() == [('GET', ONE), ('GET', BASE + '/status/' + X)]


def test_preflight_without_paramiko_fails_clearly(monkeypatch, fake_client):
    monkeypatch.setattr(pf, 'load_paramiko', no_paramiko)
    result = run(monkeypatch, preflight=True, ssh_private_key='/k')
    assert result['failed'] and 'paramiko' in result['msg']
    assert fake_client.calls == []


def test_preflight_needs_a_key(monkeypatch, fake_client):
    result = run(monkeypatch, preflight=True)
    assert result['failed'] and 'ssh_private_key' in result['msg']


def test_paramiko_is_only_needed_for_preflight(monkeypatch, fake_client):
    monkeypatch.setattr(pf, 'load_paramiko', no_paramiko)
    registered(fake_client)
    assert run(monkeypatch)['failed'] is False


def test_api_error_becomes_failure(monkeypatch, fake_client):
    fake_client.on('GET', ONE, api_error(500, 'boom', 'GET', ONE, 'Internal Server Error'))
    result = run(monkeypatch)
    assert result['failed'] and 'boom' in result['msg'] and result['failure']['status'] == 500
