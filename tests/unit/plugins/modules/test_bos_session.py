# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.modules import bos_session
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

X = 'x3000c0s19b4n0'
ARGS = dict(template_name='bos_ims_remote_node', operation='boot', limit=X)


def session(name='s1', error=None, status='complete'):
    return dict(name=name, operation='boot', template_name='bos_ims_remote_node', limit=X, stage=False,
                components=X, include_disabled=False, tenant=None,
                status=dict(status=status, error=error, start_time='t', end_time=None))


def ext(percent_failed=0.0, status='complete'):
    return dict(status=status, percent_successful=100.0 - percent_failed, percent_failed=percent_failed,
                error_summary={'Simulated failure': {'count': 1, 'list': X}} if percent_failed else {},
                phases={}, managed_components_count=1)


def run(monkeypatch, **args):
    return run_module(bos_session.main, dict(ARGS, **args), monkeypatch)


def test_unnamed_session_posts_the_v2_body(monkeypatch, fake_client):
    fake_client.on('POST', '/apis/bos/v2/sessions', session())
    result = run(monkeypatch)
    assert result['changed'] is True and fake_client.methods() == [('POST', '/apis/bos/v2/sessions')]
    assert fake_client.calls[0]['body'] == dict(ARGS, stage=False, include_disabled=False)


def test_named_existing_session_is_reused_whatever_the_operation(monkeypatch, fake_client):
    fake_client.on('GET', '/apis/bos/v2/sessions/s1', session())
    fake_client.on('GET', '/apis/bos/v2/sessions/s1/status', ext())
    result = run(monkeypatch, name='s1', operation='reboot', wait=True)
    assert result['changed'] is False and result['reused'] is True
    assert all(m == 'GET' for m, _unused in fake_client.methods())


def test_no_nodes_explains_locks(monkeypatch, fake_client):
    fake_client.on('POST', '/apis/bos/v2/sessions', session(status='pending'))
    fake_client.on('GET', '/apis/bos/v2/sessions/s1/status', ext())
    fake_client.on('GET', '/apis/bos/v2/sessions/s1', session(error='No nodes were found to act upon.'))
    result = run(monkeypatch, wait=True, poll_interval=0)
    assert result['failed'] and 'locked in HSM' in result['msg'] and 'boot before locking' in result['msg']


def test_failed_nodes_fail(monkeypatch, fake_client):
    fake_client.on('POST', '/apis/bos/v2/sessions', session(status='pending'))
    fake_client.on('GET', '/apis/bos/v2/sessions/s1/status', ext(percent_failed=100.0))
    fake_client.on('GET', '/apis/bos/v2/sessions/s1', session())
    result = run(monkeypatch, wait=True, poll_interval=0)
    assert result['failed'] and 'failed on 100.0% of its nodes' in result['msg']


def test_check_mode_posts_nothing(monkeypatch, fake_client):
    fake_client.on('GET', '/apis/bos/v2/sessions/s2', api_error(404, 'not found'))
    result = run(monkeypatch, name='s2', _ansible_check_mode=True, wait=True)
    assert result['changed'] is True and fake_client.methods() == [('GET', '/apis/bos/v2/sessions/s2')]


def test_limit_xnames_are_sent_canonical(monkeypatch, fake_client):
    """BOS matches limit terms exactly against HSM's canonical names (bos operators/session_setup.py)."""
    fake_client.on('POST', '/apis/bos/v2/sessions', session())
    run(monkeypatch, limit='X3000C0S19B04N0,&Compute,!x3000c0s19b02n0,group_01')
    assert fake_client.calls[0]['body']['limit'] == 'x3000c0s19b4n0,&Compute,!x3000c0s19b2n0,group_01'


def test_failure_after_the_post_reports_changed_and_the_session(monkeypatch, fake_client):
    """CsmModule.wrote: a task that created the session and then failed changed the system."""
    fake_client.on('POST', '/apis/bos/v2/sessions', session())
    fake_client.on('GET', '/apis/bos/v2/sessions/s1/status', api_error(500, 'boom'))
    result = run(monkeypatch, wait=True)
    assert result['failed'] is True and result['changed'] is True
    assert result['session']['name'] == 's1' and 'boom' in result['msg']


def test_failure_before_any_write_is_unchanged(monkeypatch, fake_client):
    fake_client.on('POST', '/apis/bos/v2/sessions', api_error(500, 'boom'))
    result = run(monkeypatch, wait=True)
    assert result['failed'] is True and result.get('changed', False) is False


def test_named_session_created_meanwhile_is_read_and_compared(monkeypatch, fake_client):
    """A 409 to the POST: another run created the session between the GET and the POST."""
    gets = []
    fake_client.on('GET', '/apis/bos/v2/sessions/s1',
                   lambda body: gets.append(1) or (dict(session(), limit='x3000c0s19b4n1') if len(gets) > 1 else api_error(404, 'none')))
    fake_client.on('POST', '/apis/bos/v2/sessions', api_error(409, 'exists', method='POST'))
    result = run(monkeypatch, name='s1')
    assert result['failed'] and 'exists for another limit' in result['msg'] and len(gets) == 2
    assert 'changed' not in result or result['changed'] is False
