# -*- coding: utf-8 -*-
"""module.py: is_subset, without, drop_none, wait_for, CsmModule.ensure, ensure_created and waiter."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError, CsmTimeout
from ansible_collections.cray.csm.plugins.module_utils.module import (
    CsmModule, drop_none, is_subset, wait_for, without)
from ansible_collections.cray.csm.tests.unit.utils import api_error, module_args


@pytest.mark.parametrize('desired,current,expected', [
    ({'a': 1}, {'a': 1, 'b': 2}, True),
    ({'a': 1}, {'a': 2}, False),
    ({'a': 1}, {}, False),
    ({'a': {'b': 1}}, {'a': {'b': 1, 'c': 2}}, True),
    ({'l': [{'x': 1}]}, {'l': [{'x': 1, 'y': 2}]}, True),
    ({'l': [{'x': 1}]}, {'l': [{'x': 1}, {'x': 2}]}, False),
    ({'l': [1, 2]}, {'l': [2, 1]}, False),
    ({'a': None}, {'a': None}, True),
    ({'a': {}}, {'a': 'x'}, False),
    ('x', 'x', True),
])
def test_is_subset(desired, current, expected):
    assert is_subset(desired, current) is expected


def test_without_and_drop_none():
    obj = {'name': 'n', 'layers': [{'a': 1}], 'last_updated': 't'}
    copy = without(obj, ('name', 'last_updated'))
    assert copy == {'layers': [{'a': 1}]}
    copy['layers'][0]['a'] = 2
    assert obj['layers'][0]['a'] == 1  # a deep copy
    assert drop_none({'a': None, 'b': 0, 'c': False}) == {'b': 0, 'c': False}


class Clock(object):
    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, s):
        self.sleeps.append(s)
        self.now += s


def test_wait_for_polls_until_done():
    clock = Clock()
    states = iter([1, 2, 3])
    assert wait_for(lambda: next(states), lambda s: s == 3, 60, 5, 'three',
                    sleep=clock.sleep, clock=clock.time) == 3
    assert clock.sleeps == [5, 5]


def test_wait_for_times_out_with_last_state():
    clock = Clock()
    with pytest.raises(CsmTimeout) as e:
        wait_for(lambda: {'n': len(clock.sleeps)}, lambda s: False, 12, 5, 'never',
                 sleep=clock.sleep, clock=clock.time)
    assert clock.sleeps == [5, 5, 2]  # the last sleep is cut to the deadline
    assert e.value.last == {'n': 3} and 'Timed out after 12s waiting for never.' == str(e.value)


def test_wait_for_done_at_once_does_not_sleep():
    clock = Clock()
    assert wait_for(lambda: 'x', lambda s: True, 0, 5, 'x', sleep=clock.sleep, clock=clock.time) == 'x'
    assert clock.sleeps == []


def test_wait_for_reports_each_change_and_a_heartbeat():
    clock = Clock()
    states = iter(['pending', 'pending', 'running'] + ['running'] * 70 + ['complete'])
    lines = []
    assert wait_for(lambda: next(states), lambda s: s == 'complete', 3600, 5, 'x', sleep=clock.sleep,
                    clock=clock.time, describe=lambda s: 'session ' + s, report=lines.append) == 'complete'
    # 71 polls of 'running' span 350 s: one heartbeat after PROGRESS_HEARTBEAT (300 s) of no change
    assert lines == ['session pending', 'session running', 'still session running', 'session complete']


def test_wait_for_without_report_is_quiet():
    clock = Clock()
    states = iter(['a', 'b'])
    seen = []
    wait_for(lambda: next(states), lambda s: s == 'b', 60, 5, 'x', sleep=clock.sleep, clock=clock.time,
             describe=lambda s: seen.append(s) or s)
    assert seen == []  # describe is not even called when nobody shows the lines


P = '/apis/cfs/v3/configurations/c1'


def ensure(fake, check=False, **kw):
    with module_args({'_ansible_check_mode': check}):
        module = CsmModule(argument_spec={}, supports_check_mode=True)
    return module.ensure(P, **kw)


def test_ensure_unchanged_is_one_get(fake_client):
    fake_client.on('GET', P, {'name': 'c1', 'layers': [{'playbook': 'a.yml'}], 'last_updated': 't'})
    assert ensure(fake_client, desired={'layers': [{'playbook': 'a.yml'}]})[0] is False
    assert fake_client.methods() == [('GET', P)]


@pytest.mark.parametrize('check', [False, True])
def test_ensure_puts_writable_fields_overlaid(fake_client, check):
    before = {'name': 'c1', 'description': 'd', 'layers': [{'playbook': 'a.yml'}], 'last_updated': 't'}
    fake_client.on('GET', P, before)
    fake_client.on('PUT', P, lambda body: dict(body, name='c1', last_updated='t2'))
    changed, was, after = ensure(fake_client, check=check, desired={'layers': [{'playbook': 'b.yml'}]},
                                 read_only=('name', 'last_updated'))
    assert changed is True and was == before
    if check:
        assert fake_client.methods() == [('GET', P)]
        assert after['layers'] == [{'playbook': 'b.yml'}] and after['description'] == 'd'
    else:
        assert fake_client.calls[1]['body'] == {'description': 'd', 'layers': [{'playbook': 'b.yml'}]}
        assert after['last_updated'] == 't2'


NODES = '/apis/ims/v3/remote-build-nodes'


def created(fake, found, check=False, failed=None, **kw):
    with module_args({'_ansible_check_mode': check, 'wait': True}):
        module = CsmModule(argument_spec={'wait': {'type': 'bool'}}, supports_check_mode=True)
    made, failed = [], [] if failed is None else failed

    def create():
        made.append(1)
        return fake.post(NODES, {'xname': 'x3000c0s19b4n0'}, expect=dict)

    def fail_json(msg, **kwargs):
        failed.append(dict(kwargs, msg=msg))
        raise SystemExit(1)
    module.fail_json, module.failed = fail_json, failed
    return module, made, module.ensure_created('session', found, create, {'name': 'predicted'}, **kw)


@pytest.mark.parametrize('check', [False, True])
def test_ensure_created_creates_once_and_records_the_write(fake_client, check):
    fake_client.on('POST', NODES, {'xname': 'x3000c0s19b4n0'})
    module, made, (before, after) = created(fake_client, None, check=check)
    assert before is None
    if check:
        assert made == [] and after == {'name': 'predicted'} and module.written is None
    else:
        assert made == [1] and after == {'xname': 'x3000c0s19b4n0'} and module.written == {'session': after}


def test_ensure_created_takes_a_409_as_created_meanwhile(fake_client):
    fake_client.on('POST', NODES, api_error(409, 'exists', method='POST', path=NODES))
    fake_client.on('GET', P, {'name': 's1', 'theirs': True})
    module, made, (before, after) = created(fake_client, None, path=P)
    assert before == after == {'name': 's1', 'theirs': True} and module.written is None
    with pytest.raises(CsmApiError) as e:  # without a path to read it again, the 409 stands
        created(fake_client, None)
    assert e.value.status == 409


def test_ensure_created_refuses_a_found_object_that_differs(fake_client):
    found = {'name': 's1', 'limit': 'x1'}
    module, made, (before, after) = created(fake_client, found, refuse=lambda s: None)
    assert before is after is found and made == [] and fake_client.methods() == []
    refused, failed = [], []
    with pytest.raises(SystemExit):
        created(fake_client, found, failed=failed, refuse=lambda s: refused.append(s) or 'differs: limit')
    assert refused == [found] and failed == [{'msg': 'differs: limit', 'session': found}]
    assert fake_client.methods() == []


@pytest.mark.parametrize('check,in_check_mode,waits', [(False, False, True), (True, False, False), (True, True, True)])
def test_waiter_does_nothing_in_check_mode_unless_asked(check, in_check_mode, waits):
    with module_args({'_ansible_check_mode': check, 'wait': True, 'wait_timeout': 5, 'poll_interval': 1}):
        module = CsmModule(argument_spec=dict(wait=dict(type='bool'), wait_timeout=dict(type='int'),
                                              poll_interval=dict(type='int')), supports_check_mode=True)
    polls = []
    waiter = module.waiter('x', lambda: polls.append(1) or 'done', lambda s: s == 'done', str, None,
                           in_check_mode=in_check_mode)
    assert waiter.wait() == ('done' if waits else None) and len(polls) == (1 if waits else 0)


@pytest.mark.parametrize('exists', [True, False])
def test_ensure_absent(fake_client, exists):
    if exists:
        fake_client.on('GET', P, {'name': 'c1'})
        fake_client.on('DELETE', P, None)
    changed, before, after = ensure(fake_client, desired={}, state='absent')
    assert changed is exists and after is None
    assert [m for m, p in fake_client.methods()] == (['GET', 'DELETE'] if exists else ['GET'])


def test_exit_with_takes_keywords_only():
    import inspect
    from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
    params = inspect.signature(CsmModule.exit_with).parameters
    assert [n for n, p in params.items() if p.kind == p.KEYWORD_ONLY] == ['changed', 'before', 'after', 'key']
