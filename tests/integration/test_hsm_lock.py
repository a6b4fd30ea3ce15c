# -*- coding: utf-8 -*-
"""cray.csm.hsm_lock and hsm_lock_info against the simulator, over HTTP."""
from __future__ import absolute_import, division, print_function

H = '/apis/smd/hsm/v2'
A, B, C = 'x3000c0s19b4n0', 'x3000c0s19b3n0', 'x3000c0s19b2n0'
BULK = ['x9000c%ds%db%dn%d' % (i // 64, (i // 8) % 8, (i // 2) % 4, i % 2) for i in range(512)] + \
       ['x9001c%ds%db%dn%d' % (i // 64, (i // 8) % 8, (i // 2) % 4, i % 2) for i in range(488)]


def lock(ids, **args):
    return {'cray.csm.hsm_lock': dict(args, component_ids=ids)}


def info(**args):
    return {'cray.csm.hsm_lock_info': args}


def locked(sim, ids):
    status, body = sim.request('POST', H + '/locks/status', {'ComponentIDs': ids},
                               headers={'Authorization': 'Bearer ' + sim.token()})
    assert status == 200, body
    return dict((c['ID'], c['Locked']) for c in body['Components'])


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
    assert len(res[0].result['changed_ids']) == 1000
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
    import threading
    import time
    token = csm_sim.token()
    csm_sim.fault(method='POST', path='/locks/lock$', delay=3, times=1)
    raced = []

    def other_client():
        deadline = time.time() + 120
        while time.time() < deadline:
            if any(e['path'].endswith('/locks/lock') for e in csm_sim.log()):
                status, body = csm_sim.request('POST', H + '/locks/lock', {'ComponentIDs': [B]},
                                               headers={'Authorization': 'Bearer ' + token})
                raced.append(status)
                return
            time.sleep(0.1)
    racer = threading.Thread(target=other_client)
    racer.start()
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
