# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.modules import hsm_lock, hsm_lock_info
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

H = '/apis/smd/hsm/v2'
A, B, C = 'x3000c0s19b4n0', 'x3000c0s19b3n0', 'x3000c0s19b2n0'


class Hsm(object):
    """A tiny lock table behind the fake client, answering as hms-smd does (UpdateCompLocksV2,
    GetCompLocksV2): unknown ids left out, 400 when none is known, Success in no particular order."""

    REFUSED = {'Locked': 'Component is Locked', 'Unlocked': 'Component is Unlocked',
               'Disabled': 'Component reservations are disabled', 'Reserved': 'Component is Reserved'}

    def __init__(self, fake, locked, known=None, reserved=None, disabled=()):
        self.locked = dict(locked)
        self.known = known if known is not None else set(locked)
        self.reserved = dict(reserved or {})  # id -> ExpirationTime (None: an admin's, no expiry)
        self.disabled = set(disabled)
        fake.on('POST', H + '/locks/status', self.status)
        fake.on('POST', H + '/locks/lock', lambda body: self.change(body, True))
        fake.on('POST', H + '/locks/unlock', lambda body: self.change(body, False))

    def table(self, ids):
        return [i for i in self.locked if i in self.known and i in ids]

    def record(self, i):
        rec = {'ID': i, 'Locked': self.locked[i], 'Reserved': i in self.reserved,
               'ReservationDisabled': i in self.disabled}
        if i in self.reserved:
            rec['CreationTime'] = '2026-12-01T09:00:00Z'
            if self.reserved[i]:
                rec['ExpirationTime'] = self.reserved[i]
        return rec

    def status(self, body):
        ids = body['ComponentIDs']
        found = self.table(ids)
        if not found:
            return api_error(400, 'Component not found', 'POST')
        answer = {'Components': [self.record(i) for i in found]}
        if len(found) != len(ids):
            answer['NotFound'] = [i for i in ids if i not in found]
        return answer

    def change(self, body, to):
        found = self.table(body['ComponentIDs'])
        if not found:
            return api_error(400, 'Component not found', 'POST')
        rigid = body.get('ProcessingModel', 'rigid') == 'rigid'
        done, failure = [], []
        for i in found:
            reason = 'Disabled' if i in self.disabled else None
            if self.locked[i] == to:
                reason = 'Locked' if to else 'Unlocked'
            if reason is None and i in self.reserved:
                reason = 'Reserved'
            if reason and rigid:
                return api_error(400, self.REFUSED[reason], 'POST')
            if reason:
                failure.append({'ID': i, 'Reason': reason})
            else:
                done.append(i)
        if not done:
            return api_error(400, 'Component is Reserved', 'POST')
        for i in done:
            self.locked[i] = to
        return {'Counts': {'Total': len(done) + len(failure), 'Success': len(done), 'Failure': len(failure)},
                'Success': {'ComponentIDs': done[::-1]}, 'Failure': failure}  # a Go map's order


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
    """B got reserved after our status read: HSM locked A only. The task fails, changed, naming both."""
    Hsm(fake_client, {A: False, B: False})
    fake_client.on('POST', H + '/locks/lock', {
        'Counts': {'Total': 2, 'Success': 1, 'Failure': 1}, 'Success': {'ComponentIDs': [A]},
        'Failure': [{'ID': B, 'Reason': 'Reserved'}]})
    result = run(monkeypatch, component_ids=[A, B], processing_model='flexible')
    assert result['failed'] and '%s (Reserved)' % B in result['msg'] and 'Changed %s' % A in result['msg']
    assert result['changed'] is True and result['changed_ids'] == [A]
    assert fake_client.calls[1]['body']['ProcessingModel'] == 'flexible'


def test_thousand_components_two_requests(monkeypatch, fake_client):
    ids = ['x9000c%ds%db0n%d' % (i // 100, (i // 10) % 10, i % 10) for i in range(1000)]
    Hsm(fake_client, dict((i, False) for i in ids))
    result = run(monkeypatch, component_ids=ids)
    assert result['changed_ids'] == ids and len(fake_client.calls) == 2  # the order given, not HSM's


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


def test_only_unknown_ids_fail_naming_them(monkeypatch, fake_client):
    """HSM answers 400 "Component not found" when it knows none of the ids: the task names them all."""
    hsm = Hsm(fake_client, {A: False}, known={A})
    result = run(monkeypatch, component_ids=[B, C])
    assert result['failed'] and result['not_found'] == [B, C] and B in result['msg'] and C in result['msg']
    assert result['changed'] is False and result['changed_ids'] == []
    assert fake_client.methods() == [('POST', H + '/locks/status')] and hsm.locked == {A: False}
    info = run_module(hsm_lock_info.main, dict(component_ids=[B, C]), monkeypatch)
    assert info['failed'] is False and info['components'] == [] and info['not_found'] == [B, C]


@pytest.mark.parametrize('given', [['X3000C0S19B04N0', 'x3000c0s19b03n0'], ['x3000c0s19b04n0', 'X3000C0S19B3N0']])
def test_xnames_are_canonical_in_requests_and_results(monkeypatch, fake_client, given):
    """HSM answers about x3000c0s19b4n0 when asked about x3000c0s19b04n0: ask in that form, report in it."""
    hsm = Hsm(fake_client, {A: False, B: False})
    result = run(monkeypatch, component_ids=given)
    assert result['failed'] is False and result['changed_ids'] == [A, B]
    assert [c['ID'] for c in result['components']] == [A, B]
    assert result['rewritten_ids'] == dict(zip(given, [A, B]))
    assert [c['body']['ComponentIDs'] for c in fake_client.calls] == [[A, B], [A, B]]
    assert hsm.locked == {A: True, B: True}
    info = run_module(hsm_lock_info.main, dict(component_ids=given + ['X1C0S0B0N0']), monkeypatch)
    assert [c['ID'] for c in info['components']] == [A, B] and info['not_found'] == ['x1c0s0b0n0']
    assert info['rewritten_ids']['X1C0S0B0N0'] == 'x1c0s0b0n0'


def test_duplicates_count_once(monkeypatch, fake_client):
    Hsm(fake_client, {A: False, B: False})
    result = run(monkeypatch, component_ids=[B, A, 'x3000c0s19b04n0', B])
    assert result['changed_ids'] == [B, A] and [c['ID'] for c in result['components']] == [B, A]
    assert fake_client.calls[0]['body'] == {'ComponentIDs': [B, A]}


@pytest.mark.parametrize('expires,words', [
    ('2099-12-01T10:00:00Z', ['until 2099-12-01T10:00:00Z', 'PCS, FAS or BOS']),
    (None, ['admin', 'no expiry']),
])
@pytest.mark.parametrize('state', ['locked', 'unlocked'])
def test_reserved_node_rigid_fails_before_any_change(monkeypatch, fake_client, expires, words, state):
    hsm = Hsm(fake_client, {A: state == 'unlocked', B: state == 'unlocked'}, reserved={B: expires})
    result = run(monkeypatch, component_ids=[A, B], state=state)
    assert result['failed'] and result['changed'] is False and result['changed_ids'] == []
    assert 'Nothing was changed' in result['msg'] and B in result['msg'] and A not in result['msg']
    assert all(w in result['msg'] for w in words), result['msg']
    assert [r['ID'] for r in result['blocked']] == [B]
    assert fake_client.methods() == [('POST', H + '/locks/status')]  # no lock call
    assert hsm.locked[A] == (state == 'unlocked')


def test_reserved_node_already_in_state_is_fine(monkeypatch, fake_client):
    """An admin reservation needs the node locked: locking it again is nothing to do, not a failure."""
    Hsm(fake_client, {A: True}, reserved={A: None})
    result = run(monkeypatch, component_ids=[A])
    assert result['failed'] is False and result['changed'] is False and len(fake_client.calls) == 1


def test_reserved_node_flexible_changes_the_others_then_fails(monkeypatch, fake_client):
    hsm = Hsm(fake_client, {A: False, B: False, C: False}, reserved={B: '2099-12-01T10:00:00Z'})
    result = run(monkeypatch, component_ids=[C, B, A], processing_model='flexible')
    assert result['failed'] and result['changed'] is True and result['changed_ids'] == [C, A]
    assert 'Changed %s, %s' % (C, A) in result['msg'] and 'until 2099-12-01T10:00:00Z' in result['msg']
    assert fake_client.calls[1]['body'] == {'ComponentIDs': [C, A], 'ProcessingModel': 'flexible'}
    assert len(fake_client.calls) == 2 and hsm.locked == {A: True, B: False, C: True}


def test_reservations_disabled_fails_before_any_change(monkeypatch, fake_client):
    Hsm(fake_client, {A: False, B: False}, disabled={A})
    result = run(monkeypatch, component_ids=[A, B])
    assert result['failed'] and result['changed'] is False and A in result['msg']
    assert 'cray hsm locks repair create --component-ids %s' % A in result['msg']
    assert len(fake_client.calls) == 1


def test_rigid_reserved_answer_is_not_nothing_to_do(monkeypatch, fake_client):
    """A rigid 400 "Component is Reserved" (reserved after our read) fails; it is no "already there". The status
    read again shows no reservation (released meanwhile), so the lock is sent once more, and fails again."""
    hsm = Hsm(fake_client, {A: False})
    fake_client.on('POST', H + '/locks/lock', api_error(400, 'Component is Reserved', 'POST'))
    result = run(monkeypatch, component_ids=[A])
    assert result['failed'] and 'Component is Reserved' in result['msg']
    assert [c['path'].rsplit('/', 1)[-1] for c in fake_client.calls] == ['status', 'lock', 'status', 'lock']
    assert hsm.locked == {A: False}


def test_id_left_out_of_the_answer_fails(monkeypatch, fake_client):
    """HSM skips an id it no longer knows, even in rigid mode, with no Failure entry."""
    Hsm(fake_client, {A: False, B: False})
    fake_client.on('POST', H + '/locks/lock', {'Counts': {'Total': 1, 'Success': 1, 'Failure': 0},
                                               'Success': {'ComponentIDs': [A]}, 'Failure': []})
    result = run(monkeypatch, component_ids=[A, B])
    assert result['failed'] and result['changed_ids'] == [A] and '%s (not in the answer' % B in result['msg']
