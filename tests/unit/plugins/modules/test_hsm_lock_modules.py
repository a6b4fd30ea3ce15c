# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.modules import hsm_lock, hsm_lock_info
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

H = '/apis/smd/hsm/v2'
A, B, C = 'x3000c0s19b4n0', 'x3000c0s19b3n0', 'x3000c0s19b2n0'


class Hsm(object):
    """A tiny lock table behind the fake client."""

    def __init__(self, fake, locked, known=None):
        self.locked = dict(locked)
        self.known = known if known is not None else set(locked)
        fake.on('POST', H + '/locks/status', self.status)
        fake.on('POST', H + '/locks/lock', lambda body: self.change(body, True))
        fake.on('POST', H + '/locks/unlock', lambda body: self.change(body, False))

    def status(self, body):
        ids = body['ComponentIDs']
        return {'Components': [{'ID': i, 'Locked': self.locked[i], 'Reserved': False,
                                'ReservationDisabled': False} for i in ids if i in self.known],
                'NotFound': [i for i in ids if i not in self.known]}

    def change(self, body, to):
        ids = body['ComponentIDs']
        if any(self.locked[i] == to for i in ids):
            return api_error(400, 'Component is Locked' if to else 'Component is Unlocked', 'POST')
        for i in ids:
            self.locked[i] = to
        return {'Counts': {'Total': len(ids), 'Success': len(ids), 'Failure': 0},
                'Success': {'ComponentIDs': ids}, 'Failure': []}


def run(monkeypatch, **args):
    return run_module(hsm_lock.main, args, monkeypatch)


@pytest.mark.parametrize('check', [False, True])
def test_locks_only_what_needs_it(monkeypatch, fake_client, check):
    hsm = Hsm(fake_client, {A: False, B: True, C: False})
    result = run(monkeypatch, component_ids=[A, B, C, A], _ansible_check_mode=check, _ansible_diff=True)
    assert result['changed'] is True
    assert result['changed_ids'] == [A, C]
    assert result['components'] == [dict(ID=A, locked_before=False, locked_after=True),
                                    dict(ID=B, locked_before=True, locked_after=True),
                                    dict(ID=C, locked_before=False, locked_after=True)]
    assert result['diff'] == {'before': {A: {'Locked': False}, C: {'Locked': False}},
                              'after': {A: {'Locked': True}, C: {'Locked': True}}}
    if check:
        assert fake_client.methods() == [('POST', H + '/locks/status')]
        assert hsm.locked == {A: False, B: True, C: False}
    else:
        assert fake_client.methods() == [('POST', H + '/locks/status'), ('POST', H + '/locks/lock')]
        assert fake_client.calls[1]['body'] == {'ComponentIDs': [A, C], 'ProcessingModel': 'rigid'}
        assert fake_client.calls[0]['safe'] is True and fake_client.calls[1]['safe'] is False
        assert hsm.locked == {A: True, B: True, C: True}


def test_unlock_already_unlocked_is_one_request(monkeypatch, fake_client):
    Hsm(fake_client, {A: False})
    result = run(monkeypatch, component_ids=[A], state='unlocked')
    assert result['changed'] is False and result['changed_ids'] == []
    assert len(fake_client.calls) == 1


def test_unknown_ids_fail_before_any_change(monkeypatch, fake_client):
    hsm = Hsm(fake_client, {A: False, B: False}, known={A})
    result = run(monkeypatch, component_ids=[A, B])
    assert result['failed'] and B in result['msg'] and result['not_found'] == [B]
    assert len(fake_client.calls) == 1 and hsm.locked[A] is False


@pytest.mark.parametrize('ids', [[], ['node7'], [A, 'x3000 c0']])
def test_bad_ids_fail_before_any_call(monkeypatch, fake_client, ids):
    result = run(monkeypatch, component_ids=ids)
    assert result['failed'] and fake_client.calls == []


def test_race_rigid_rollback_is_finished(monkeypatch, fake_client):
    """Another client locked B between our status read and our lock call: rigid rolled all back."""
    hsm = Hsm(fake_client, {A: False, B: False})
    real_status = hsm.status
    reads = []

    def racing_status(body):
        answer = real_status(body)
        if not reads:
            hsm.locked[B] = True  # the other client acts right after our first read
        reads.append(1)
        return answer
    fake_client.on('POST', H + '/locks/status', racing_status)
    result = run(monkeypatch, component_ids=[A, B])
    assert result['failed'] is False and hsm.locked == {A: True, B: True}
    assert result['changed_ids'] == [A]
    assert [p for m, p in fake_client.methods()] == [H + '/locks/status', H + '/locks/lock',
                                                     H + '/locks/status', H + '/locks/lock']


def test_race_where_all_are_already_there_is_unchanged(monkeypatch, fake_client):
    hsm = Hsm(fake_client, {A: False})

    def locked_meanwhile(body):
        hsm.locked[A] = True  # another client won
        return api_error(400, 'Component is Locked', 'POST')
    fake_client.on('POST', H + '/locks/lock', locked_meanwhile)
    result = run(monkeypatch, component_ids=[A])
    assert result['changed'] is False and result['failed'] is False


def test_other_400_fails(monkeypatch, fake_client):
    Hsm(fake_client, {A: False})
    fake_client.on('POST', H + '/locks/lock', api_error(400, 'Component reservations are disabled', 'POST'))
    result = run(monkeypatch, component_ids=[A])
    assert result['failed'] and 'reservations are disabled' in result['msg']


def test_flexible_partial_failure_is_reported(monkeypatch, fake_client):
    Hsm(fake_client, {A: False, B: False})
    fake_client.on('POST', H + '/locks/lock', {
        'Counts': {'Total': 2, 'Success': 1, 'Failure': 1}, 'Success': {'ComponentIDs': [A]},
        'Failure': [{'ID': B, 'Reason': 'Reserved'}]})
    result = run(monkeypatch, component_ids=[A, B], processing_model='flexible')
    assert result['failed'] and '%s (Reserved)' % B in result['msg']
    assert fake_client.calls[1]['body']['ProcessingModel'] == 'flexible'


def test_thousand_components_two_requests(monkeypatch, fake_client):
    ids = ['x9000c%ds%db0n%d' % (i // 100, (i // 10) % 10, i % 10) for i in range(1000)]
    Hsm(fake_client, dict((i, False) for i in ids))
    result = run(monkeypatch, component_ids=ids)
    assert len(result['changed_ids']) == 1000 and len(fake_client.calls) == 2


def test_info_by_ids_and_by_filters(monkeypatch, fake_client):
    Hsm(fake_client, {A: True}, known={A})
    result = run_module(hsm_lock_info.main, dict(component_ids=[A, B]), monkeypatch)
    assert [c['ID'] for c in result['components']] == [A] and result['not_found'] == [B]
    fake_client.on('GET', H + '/locks/status', {'Components': [{'ID': A, 'Locked': True}]})
    result = run_module(hsm_lock_info.main, dict(type='Node', locked=True), monkeypatch)
    assert result['components'] == [{'ID': A, 'Locked': True}]
    assert fake_client.calls[-1]['query'] == {'type': 'Node', 'state': None, 'role': None,
                                              'locked': 'true', 'reserved': None}


def test_info_ids_and_filters_are_exclusive(monkeypatch, fake_client):
    result = run_module(hsm_lock_info.main, dict(component_ids=[A], locked=True), monkeypatch)
    assert result['failed'] and 'mutually exclusive' in result['msg'] and fake_client.calls == []
