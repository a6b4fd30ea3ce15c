# -*- coding: utf-8 -*-
"""cray.csm.hsm_lock and hsm_lock_info against the simulator, over HTTP."""
from __future__ import absolute_import, division, print_function

import pytest

H = '/apis/smd/hsm/v2'
A, B, C = 'x3000c0s19b4n0', 'x3000c0s19b3n0', 'x3000c0s19b2n0'
BULK = ['x9000c%ds%db%dn%d' % (i // 64, (i // 8) % 8, (i // 2) % 4, i % 2) for i in range(512)] + \
       ['x9001c%ds%db%dn%d' % (i // 64, (i // 8) % 8, (i // 2) % 4, i % 2) for i in range(488)]


def lock(ids, **args):
    return {'cray.csm.hsm_lock': dict(args, component_ids=ids)}


def info(**args):
    return {'cray.csm.hsm_lock_info': args}


def hsm(sim, path, body, token=None):
    """One HSM call as another client (PCS, FAS, BOS, an admin) would make it."""
    status, answer = sim.request('POST', H + path, body, headers={'Authorization': 'Bearer ' + (token or sim.token())})
    assert status == 200, answer
    return answer


def locked(sim, ids):
    return dict((c['ID'], c['Locked']) for c in hsm(sim, '/locks/status', {'ComponentIDs': ids})['Components'])


def while_lock_in_flight(sim, path, body):
    """Delay our next lock call by 3 s and, while it is in flight, make another client's call; its status."""
    import threading
    import time
    token = sim.token()
    sim.fault(method='POST', path='/locks/lock$', delay=3, times=1)
    done = []

    def other_client():
        deadline = time.time() + 120
        while time.time() < deadline:
            if any(e['path'].endswith('/locks/lock') for e in sim.log()):
                done.append(sim.request('POST', H + path, body, headers={'Authorization': 'Bearer ' + token})[0])
                return
            time.sleep(0.1)
    racer = threading.Thread(target=other_client)
    racer.start()
    return racer, done


def test_lock_rerun_check_unlock(run_tasks, csm_sim):
    res = run_tasks([
        dict(lock([A, B]), check_mode=True, diff=True),
        dict(lock([A, B]), diff=True),
        lock([A, B]),
        dict(lock([A, B, C], state='unlocked'), check_mode=True),
        lock([A, B, C], state='unlocked'),
        lock([A, B, C], state='unlocked'),
    ])
    check, real, again, check_un, unlock, unlock_again = [r.result for r in res]
    for key in ('changed', 'changed_ids', 'components', 'diff'):
        assert check[key] == real[key], key
    assert real['changed_ids'] == [A, B]
    assert real['components'] == [dict(ID=A, locked_before=False, locked_after=True),
                                  dict(ID=B, locked_before=False, locked_after=True)]
    assert res[0].requests() == [('POST', H + '/locks/status')]
    assert res[1].requests() == [('POST', H + '/locks/status'), ('POST', H + '/locks/lock')]
    assert again['changed'] is False and res[2].requests() == [('POST', H + '/locks/status')]
    assert check_un['changed_ids'] == unlock['changed_ids'] == [A, B]
    assert check_un['components'] == unlock['components']
    assert res[4].requests() == [('POST', H + '/locks/status'), ('POST', H + '/locks/unlock')]
    assert unlock_again['changed'] is False
    assert locked(csm_sim, [A, B, C]) == {A: False, B: False, C: False}


def test_thousand_components_in_two_requests(run_tasks, csm_sim):
    res = run_tasks([lock(BULK), lock(BULK)])
    assert res[0].result['changed_ids'] == BULK  # the order given; HSM answers in a Go map's order
    assert len(res[0].requests()) == 2 and len(res[1].requests()) == 1
    assert res[1].result['changed'] is False
    assert set(locked(csm_sim, BULK).values()) == {True}


def test_partly_locked_sends_only_the_rest(run_tasks, csm_sim):
    run_tasks([lock([B])])
    res = run_tasks([lock([A, B, C])])
    assert res[0].result['changed_ids'] == [A, C]
    assert locked(csm_sim, [A, B, C]) == {A: True, B: True, C: True}


def test_unknown_ids_fail_and_nothing_changes(run_tasks, csm_sim):
    res = run_tasks([lock([A, 'x1234c0s0b0n0'])])
    r = res[0].result
    assert r['failed'] is True and 'x1234c0s0b0n0' in r['msg'] and r['not_found'] == ['x1234c0s0b0n0']
    assert res[0].requests() == [('POST', H + '/locks/status')]
    assert locked(csm_sim, [A]) == {A: False}


def test_bad_ids_fail_before_any_request(run_tasks):
    res = run_tasks([lock(['node1']), lock([])])
    for r in res:
        assert r.result['failed'] is True and 'x3000c0s19b4n0' in r.result['msg'] and r.log == []


def test_flexible_model_is_sent(run_tasks, csm_sim):
    res = run_tasks([lock([A], processing_model='flexible')])
    assert res[0].result['changed'] is True and locked(csm_sim, [A]) == {A: True}


def test_info_by_ids_and_filters(run_tasks):
    res = run_tasks([lock([A]), info(component_ids=[A, B]), info(type='Node', role='Compute', locked=True),
                     info(locked=False, state='Off'), info(component_ids=[A], locked=True)])
    by_ids = res[1].result
    assert [(c['ID'], c['Locked']) for c in by_ids['components']] == [(A, True), (B, False)]
    assert by_ids['not_found'] == []
    assert [c['ID'] for c in res[2].result['components']] == [A]
    assert res[2].log[-1]['query'] == {'type': 'Node', 'role': 'Compute', 'locked': 'true'}
    off = [c['ID'] for c in res[3].result['components']]
    assert C in off and A not in off and B not in off
    assert res[4].result['failed'] is True and res[4].log == []


def test_race_with_another_client_is_finished(run_tasks, csm_sim):
    """Another client locks B while our lock call is in flight: HSM (rigid) answers 400 "Component is
    Locked" and rolls back; the module reads the state again and locks the rest."""
    racer, raced = while_lock_in_flight(csm_sim, '/locks/lock', {'ComponentIDs': [B]})
    res = run_tasks([lock([A, B])])
    racer.join()
    assert raced == [200]
    r = res[0].result
    assert r['failed'] is False and r['changed_ids'] == [A]
    assert res[0].requests() == [('POST', H + '/locks/status'), ('POST', H + '/locks/lock'),
                                 ('POST', H + '/locks/lock'),  # the other client's
                                 ('POST', H + '/locks/status'), ('POST', H + '/locks/lock')]
    assert [e['status'] for e in res[0].log if e['path'].endswith('/locks/lock')] == [400, 200, 200]
    assert locked(csm_sim, [A, B]) == {A: True, B: True}


def test_only_unknown_ids(run_tasks, csm_sim):
    """HSM answers 400 "Component not found" to a status read of only unknown ids."""
    unknown = ['x1234c0s0b0n0', 'X1235C0S0B0N0']
    res = run_tasks([lock(unknown), info(component_ids=unknown), lock(unknown, processing_model='flexible')])
    for r in (res[0], res[2]):
        assert r.result['failed'] is True and r.result['changed'] is False
        assert r.result['not_found'] == ['x1234c0s0b0n0', 'x1235c0s0b0n0']
        assert 'x1234c0s0b0n0, x1235c0s0b0n0 (given as X1235C0S0B0N0)' in r.result['msg']
        assert r.requests() == [('POST', H + '/locks/status')]
    i = res[1].result
    assert i['failed'] is False and i['components'] == [] and i['not_found'] == ['x1234c0s0b0n0', 'x1235c0s0b0n0']
    assert i['rewritten_ids'] == {'X1235C0S0B0N0': 'x1235c0s0b0n0'}


def test_leading_zero_and_upper_case_xnames(run_tasks, csm_sim):
    given = ['x3000c0s19b04n0', 'X3000C0S19B3N0']
    res = run_tasks([lock(given), info(component_ids=given + ['x1234c0s0b0n0']), lock(given),
                     {'cray.csm.hsm_component_info': {'xname': 'X3000C0S19B04N0'}}])
    r = res[0].result
    assert r['failed'] is False and r['changed_ids'] == [A, B]
    assert [c['ID'] for c in r['components']] == [A, B]
    assert r['rewritten_ids'] == {'x3000c0s19b04n0': A, 'X3000C0S19B3N0': B}
    assert res[0].requests() == [('POST', H + '/locks/status'), ('POST', H + '/locks/lock')]
    i = res[1].result
    assert [(c['ID'], c['Locked']) for c in i['components']] == [(A, True), (B, True)]
    assert i['not_found'] == ['x1234c0s0b0n0']
    assert res[2].result['changed'] is False and len(res[2].requests()) == 1
    c = res[3].result
    assert c['component']['ID'] == A and c['rewritten_ids'] == {'X3000C0S19B04N0': A}
    assert res[3].requests() == [('GET', H + '/State/Components/' + A)]
    assert locked(csm_sim, [A, B]) == {A: True, B: True}


def test_duplicates_count_once(run_tasks, csm_sim):
    res = run_tasks([lock([B, A, 'x3000c0s19b04n0', B])])
    r = res[0].result
    assert r['changed_ids'] == [B, A] and [c['ID'] for c in r['components']] == [B, A]
    assert len(res[0].requests()) == 2


@pytest.mark.parametrize('model', ['rigid', 'flexible'])
def test_reserved_node(run_tasks, csm_sim, model):
    """PCS holds a 5-minute reservation on B: HSM would refuse to lock it (rigid: 400 "Component is
    Reserved"). The module fails before any lock call naming B, who may hold it and until when;
    flexible first locks the others."""
    until = hsm(csm_sim, '/locks/service/reservations', {'ComponentIDs': [B], 'ReservationDuration': 5})
    until = until['Success'][0]['ExpirationTime']
    res = run_tasks([lock([C, B, A], processing_model=model), info(component_ids=[B])])
    r = res[0].result
    assert r['failed'] is True and B in r['msg'] and 'until ' + until in r['msg'] and 'PCS, FAS or BOS' in r['msg']
    assert [b['ID'] for b in r['blocked']] == [B]
    if model == 'rigid':
        assert r['changed'] is False and r['changed_ids'] == [] and 'Nothing was changed' in r['msg']
        assert res[0].requests() == [('POST', H + '/locks/status')]
        assert locked(csm_sim, [A, B, C]) == {A: False, B: False, C: False}
    else:
        assert r['changed'] is True and r['changed_ids'] == [C, A]
        assert res[0].requests() == [('POST', H + '/locks/status'), ('POST', H + '/locks/lock')]
        assert locked(csm_sim, [A, B, C]) == {A: True, B: False, C: True}
    (rec,) = res[1].result['components']
    assert rec['Reserved'] is True and rec['ExpirationTime'] == until and rec['CreationTime']


def test_admin_reservation_blocks_unlock(run_tasks, csm_sim):
    hsm(csm_sim, '/locks/lock', {'ComponentIDs': [A]})
    hsm(csm_sim, '/locks/reservations', {'ComponentIDs': [A]})  # needs the lock
    res = run_tasks([lock([A]), lock([A], state='unlocked')])
    assert res[0].result['failed'] is False and res[0].result['changed'] is False  # already locked
    r = res[1].result
    assert r['failed'] is True and r['changed'] is False and 'admin' in r['msg'] and 'no expiry' in r['msg']
    assert res[1].requests() == [('POST', H + '/locks/status')]
    assert locked(csm_sim, [A]) == {A: True}


def test_reservations_disabled(run_tasks, csm_sim):
    hsm(csm_sim, '/locks/disable', {'ComponentIDs': [B]})
    res = run_tasks([lock([A, B]), lock([A, B], processing_model='flexible')])
    r = res[0].result
    assert r['failed'] is True and r['changed'] is False
    assert 'cray hsm locks repair create --component-ids ' + B in r['msg']
    assert res[0].requests() == [('POST', H + '/locks/status')]
    f = res[1].result
    assert f['failed'] is True and f['changed'] is True and f['changed_ids'] == [A]
    assert len(res[1].requests()) == 2
    assert locked(csm_sim, [A, B]) == {A: True, B: False}


def test_flexible_partial_success(run_tasks, csm_sim):
    """PCS reserves C while our flexible lock call is in flight: HSM locks A and B, not C (200 with
    Failure Reserved). The task fails naming C, and says it changed A and B."""
    racer, raced = while_lock_in_flight(csm_sim, '/locks/service/reservations',
                                        {'ComponentIDs': [C], 'ReservationDuration': 5})
    res = run_tasks([lock([B, C, A], processing_model='flexible')])
    racer.join()
    assert raced == [200]
    r = res[0].result
    assert r['failed'] is True and r['changed'] is True and r['changed_ids'] == [B, A]
    assert '%s (Reserved)' % C in r['msg']
    assert res[0].requests() == [('POST', H + '/locks/status'), ('POST', H + '/locks/lock'),
                                 ('POST', H + '/locks/service/reservations')]  # the last one is the other client's
    assert locked(csm_sim, [A, B, C]) == {A: True, B: True, C: False}


def test_info_bad_filter_fails_with_hsm_message(run_tasks):
    res = run_tasks([info(type='Bogus')])
    r = res[0].result
    assert r['failed'] is True and 'Argument was not a valid HMS Type' in r['msg']


@pytest.mark.parametrize('path, body, why', [
    ('/locks/service/reservations', {'ComponentIDs': [B], 'ReservationDuration': 5}, 'PCS, FAS or BOS'),
    ('/locks/disable', {'ComponentIDs': [B]}, 'cray hsm locks repair create --component-ids ' + B)])
def test_reserved_between_read_and_lock_is_named(run_tasks, csm_sim, path, body, why):
    """Another client reserves B (or disables its reservations) while our rigid lock call is in flight: HSM
    answers a bare 400 that names no component; the module reads the state again and fails naming B."""
    racer, raced = while_lock_in_flight(csm_sim, path, body)
    res = run_tasks([lock([A, B])])
    racer.join()
    assert raced == [200]
    r = res[0].result
    assert r['failed'] is True and r['changed'] is False and r['changed_ids'] == [], r
    assert 'Nothing was changed' in r['msg'] and why in r['msg'] and [b['ID'] for b in r['blocked']] == [B], r
    assert res[0].requests() == [('POST', H + '/locks/status'), ('POST', H + '/locks/lock'),
                                 ('POST', H + path),  # the other client's
                                 ('POST', H + '/locks/status')]
    assert locked(csm_sim, [A, B]) == {A: False, B: False}


def expire_reservation(sim, xname, ago):
    status, answer = sim.request('POST', '/_sim/hsm/reservations/expire', {'ComponentIDs': [xname], 'ago': ago})
    assert status == 200, answer


def test_expired_reservation_still_held_is_waited_out(run_tasks, csm_sim):
    """smd keeps an expired reservation until its cleanup round (every 30 s; 15 s here) and refuses locks
    meanwhile: the module waits for the release, then locks."""
    hsm(csm_sim, '/locks/service/reservations', {'ComponentIDs': [B], 'ReservationDuration': 1})
    csm_sim.config(hsm_reservation_cleanup_seconds=15)
    expire_reservation(csm_sim, B, 0)
    (rec,) = hsm(csm_sim, '/locks/status', {'ComponentIDs': [B]})['Components']
    assert rec['Reserved'] is True  # expired, still held
    res = run_tasks([lock([B])])
    r = res[0].result
    assert r['failed'] is False and r['changed_ids'] == [B], r
    reads = [p for p in res[0].requests() if p == ('POST', H + '/locks/status')]
    assert len(reads) >= 2 and res[0].requests()[-1] == ('POST', H + '/locks/lock')
    assert locked(csm_sim, [B]) == {B: True}


def test_expired_reservation_overdue_is_explained(run_tasks, csm_sim):
    """An expired reservation that smd should have released long ago: no wait, a message that says so."""
    hsm(csm_sim, '/locks/service/reservations', {'ComponentIDs': [B], 'ReservationDuration': 1})
    csm_sim.config(hsm_reservation_cleanup_seconds=3600)
    expire_reservation(csm_sim, B, 120)
    res = run_tasks([lock([B])])
    r = res[0].result
    assert r['failed'] is True and r['changed'] is False, r
    assert 'expired at' in r['msg'] and 'still holds' in r['msg'] and 'run again after' not in r['msg'], r
    assert res[0].requests() == [('POST', H + '/locks/status')]
