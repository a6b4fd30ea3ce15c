"""HSM v2 locks and components, validated against smd.yaml (Swagger 2.0 via jsonschema)."""
import jsonschema
import pytest

from spec_check import validate_swagger

P = '/apis/smd/hsm/v2'
A, B = 'x3000c0s19b4n0', 'x3000c0s19b3n0'


def lock(api, ids, path='lock', model=None):
    body = {'ComponentIDs': ids}
    if model:
        body['ProcessingModel'] = model
    return api.call('POST', P + '/locks/' + path, body)


def status(api, ids):
    r = api.call('POST', P + '/locks/status', {'ComponentIDs': ids})
    assert r.status_code == 200
    return r.json()


def test_lock_unlock_roundtrip(api):
    r = lock(api, [A, B])
    assert r.status_code == 200
    assert r.json() == {'Counts': {'Total': 2, 'Success': 2, 'Failure': 0},
                        'Success': {'ComponentIDs': [A, B]}, 'Failure': []}
    comps = status(api, [A, B])['Components']
    assert [c['Locked'] for c in comps] == [True, True]
    assert lock(api, [A, B], 'unlock').status_code == 200
    assert [c['Locked'] for c in status(api, [A, B])['Components']] == [False, False]


def test_rigid_double_lock_400(api):
    """QUIRKS.md Q-HSM-3: default rigid; all or nothing."""
    assert lock(api, [A]).status_code == 200
    r = lock(api, [A, B])
    assert r.status_code == 400
    assert r.headers['Content-Type'] == 'application/problem+json'
    assert r.json()['detail'] == 'Component is Locked'
    assert status(api, [B])['Components'][0]['Locked'] is False  # rolled back


def test_rigid_unlock_unlocked_400(api):
    r = lock(api, [A], 'unlock')
    assert r.status_code == 400 and r.json()['detail'] == 'Component is Unlocked'


def test_rigid_not_found_400(api):
    r = lock(api, [A, 'x1c0s0b0n0'])
    assert r.status_code == 400 and r.json()['detail'] == 'Component not found'
    assert status(api, [A])['Components'][0]['Locked'] is False


def test_flexible(api):
    assert lock(api, [A]).status_code == 200
    r = lock(api, [A, B, 'x1c0s0b0n0'], model='flexible')
    assert r.status_code == 200
    body = r.json()
    assert body['Success'] == {'ComponentIDs': [B]}
    assert {'ID': 'x1c0s0b0n0', 'Reason': 'NotFound'} in body['Failure']
    assert {'ID': A, 'Reason': 'Locked'} in body['Failure']
    # Q-HSM-4: nothing left to change -> 400 "Component is Reserved"
    r = lock(api, [A, B], model='flexible')
    assert r.status_code == 400 and r.json()['detail'] == 'Component is Reserved'


def test_flexible_unlock_reason_unlocked(api):
    """Q-HSM-2: Reason "Unlocked" is outside the spec enum; strict validation proves it."""
    lock(api, [A])
    r = api.call('POST', P + '/locks/unlock', {'ComponentIDs': [A, B], 'ProcessingModel': 'flexible'})
    assert r.status_code == 200
    assert r.json()['Failure'] == [{'ID': B, 'Reason': 'Unlocked'}]
    with pytest.raises(jsonschema.ValidationError):
        validate_swagger(r, P + '/locks/unlock', 'POST', strict=True)


def test_lock_answer_lacks_code_message(api):
    """Q-HSM-1: the spec's XnameResponse requires code/message, the service sends neither."""
    r = lock(api, [A])
    assert 'code' not in r.json()
    with pytest.raises(jsonschema.ValidationError):
        validate_swagger(r, P + '/locks/lock', 'POST', strict=True)


def test_bulk_1000(api):
    ids = [c['ID'] for c in api.call('GET', P + '/State/Components', params={'role': 'Compute'}).json()
           ['Components'] if c['ID'].startswith('x900')]
    assert len(ids) == 1000
    r = lock(api, ids)
    assert r.status_code == 200 and r.json()['Counts']['Success'] == 1000
    locked = api.call('GET', P + '/locks/status', params={'locked': 'true'}).json()['Components']
    assert len(locked) == 1000


def test_status_not_found_and_bad_xname(api):
    body = status(api, [A, 'x1c0s0b0n0'])
    assert [c['ID'] for c in body['Components']] == [A]
    assert body['NotFound'] == ['x1c0s0b0n0']
    r = api.call('POST', P + '/locks/status', {'ComponentIDs': ['not-an-xname']})
    assert r.status_code == 400 and r.json()['detail'] == 'Argument was not a valid xname ID'
    r = lock(api, ['bogus!'])
    assert r.status_code == 400


def test_get_status_filters(api):
    lock(api, [A])
    r = api.call('GET', P + '/locks/status', params={'type': 'Node', 'locked': 'true'})
    assert [c['ID'] for c in r.json()['Components']] == [A]
    r = api.call('GET', P + '/locks/status', params={'role': 'Management'})
    assert [c['ID'] for c in r.json()['Components']] == ['x3000c0s1b0n0']
    r = api.call('GET', P + '/locks/status', params={'state': 'Off', 'locked': 'true'})
    assert r.json()['Components'] == []


def test_components(api):
    r = api.call('GET', P + '/State/Components/' + A)
    assert r.status_code == 200
    assert r.json()['Arch'] == 'X86' and r.json()['Role'] == 'Compute'
    arm = api.call('GET', P + '/State/Components/x3000c0s17b1n0').json()
    assert arm['Arch'] == 'ARM'
    r = api.call('GET', P + '/State/Components', params={'arch': 'ARM'})
    assert set(c['ID'] for c in r.json()['Components']) == {'x3000c0s17b1n0', 'x3000c0s17b2n0'}
    assert api.call('GET', P + '/State/Components/x1c0s0b0n0').status_code == 404
    assert api.call('GET', P + '/State/Components/bad_name', validate=False).status_code == 400
