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
    body = r.json()
    assert body['Counts'] == {'Total': 2, 'Success': 2, 'Failure': 0} and body['Failure'] == []
    assert sorted(body['Success']['ComponentIDs']) == sorted([A, B])  # Q-HSM-11: no order
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


@pytest.mark.parametrize('model', [None, 'flexible'])
def test_unknown_ids_are_ignored_when_one_is_known(api, model):
    """Q-HSM-5: [known, unknown] locks the known one, no Failure entry for the other."""
    r = lock(api, [A, 'x1c0s0b0n0'], model=model)
    assert r.status_code == 200
    assert r.json() == {'Counts': {'Total': 1, 'Success': 1, 'Failure': 0},
                        'Success': {'ComponentIDs': [A]}, 'Failure': []}
    assert status(api, [A])['Components'][0]['Locked'] is True
    r = lock(api, ['x1c0s0b0n0', 'x2c0s0b0n0'], model=model)  # none known
    assert r.status_code == 400 and r.json()['detail'] == 'Component not found'


def test_flexible(api):
    assert lock(api, [A]).status_code == 200
    r = lock(api, [A, B, 'x1c0s0b0n0'], model='flexible')
    assert r.status_code == 200
    body = r.json()
    assert body['Success'] == {'ComponentIDs': [B]}
    assert body['Failure'] == [{'ID': A, 'Reason': 'Locked'}]  # the unknown one is left out (Q-HSM-5)
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


def test_status_only_unknown_400_all_known_no_not_found_key(api):
    """Q-HSM-6."""
    r = api.call('POST', P + '/locks/status', {'ComponentIDs': ['x1c0s0b0n0', 'x2c0s0b0n0']})
    assert r.status_code == 400 and r.json()['detail'] == 'Component not found'
    assert r.headers['Content-Type'] == 'application/problem+json'
    assert 'NotFound' not in status(api, [A, B])


def test_status_empty_list_answers_every_component(api):
    """Q-HSM-6: no id and no filter selects every component."""
    every = api.call('GET', P + '/State/Components').json()['Components']
    assert len(status(api, [])['Components']) == len(every) > 1000


def test_xnames_are_normalised_and_de_duplicated(api):
    """Q-HSM-7: lower case, no leading zeros, in every request; answers carry the canonical id."""
    body = status(api, ['X3000C0S19B04N0', A, 'x3000c00s19b4n00'])
    assert body == {'Components': [{'ID': A, 'Locked': False, 'Reserved': False, 'ReservationDisabled': False}]}
    r = lock(api, ['x3000c0s19b04n0'])
    assert r.status_code == 200 and r.json()['Success'] == {'ComponentIDs': [A]}
    body = status(api, ['x3000c0s19b04n0', 'X1C0S0B0N0'])
    assert [c['ID'] for c in body['Components']] == [A] and body['NotFound'] == ['x1c0s0b0n0']
    r = api.call('GET', P + '/State/Components/X3000C0S19B04N0')
    assert r.status_code == 200 and r.json()['ID'] == A


def test_status_order_is_table_order_not_request_order(api):
    """Q-HSM-11."""
    body = status(api, [A, 'x3000c0s19b2n0', B])
    assert [c['ID'] for c in body['Components']] == [A, B, 'x3000c0s19b2n0']


def reserve(api, ids, minutes=None, model=None):
    body = {'ComponentIDs': ids}
    if minutes:
        body['ReservationDuration'] = minutes
    if model:
        body['ProcessingModel'] = model
    # the code answers 200, the spec says 202 (Q-HSM-8): no response validation
    path = '/locks/service/reservations' if minutes else '/locks/reservations'
    return api.call('POST', P + path, body, validate=False)


def test_admin_reservation_needs_the_lock(api):
    """Q-HSM-8: a non-expiring reservation needs the component locked; it has no ExpirationTime."""
    r = reserve(api, [A])
    assert r.status_code == 400 and r.json()['detail'] == 'Component is Unlocked'
    assert lock(api, [A]).status_code == 200
    r = reserve(api, [A])
    assert r.status_code == 200
    (ok,) = r.json()['Success']
    assert ok['ID'] == A and ok['DeputyKey'].startswith(A + ':dk:') and ok['ReservationKey'].startswith(A + ':rk:')
    assert 'ExpirationTime' not in ok and r.json()['Failure'] == []
    rec = status(api, [A])['Components'][0]
    assert rec['Reserved'] is True and rec['CreationTime'].endswith('Z') and 'ExpirationTime' not in rec
    assert 'CreatedTime' not in rec  # the spec's name; the code's is CreationTime
    r = lock(api, [A], 'unlock')
    assert r.status_code == 400 and r.json()['detail'] == 'Component is Reserved'
    r = api.call('POST', P + '/locks/reservations/release',
                 {'ReservationKeys': [{'ID': A, 'Key': ok['ReservationKey']}]}, validate=False)
    assert r.status_code == 200 and r.json()['Success'] == {'ComponentIDs': [A]}
    assert status(api, [A])['Components'][0]['Reserved'] is False


def test_service_reservation_blocks_locks(api):
    """Q-HSM-8, Q-HSM-9: what PCS, FAS and BOS take (1-15 minutes, the component unlocked)."""
    r = reserve(api, [B], minutes=16)
    assert r.status_code == 400 and r.json()['detail'] == 'Invalid Reservation Duration'
    r = api.call('POST', P + '/locks/service/reservations', {'ComponentIDs': [B]}, validate=False)
    assert r.status_code == 400 and r.json()['detail'] == 'ReservationDuration must be greater than 0'
    r = reserve(api, [B], minutes=5)
    assert r.status_code == 200
    (held,) = r.json()['Success']
    assert held['ExpirationTime'].endswith('Z')
    rec = status(api, [B])['Components'][0]
    assert rec['Reserved'] is True and rec['ExpirationTime'] == held['ExpirationTime'] and rec['CreationTime']
    r = reserve(api, [B], minutes=5)
    assert r.status_code == 400 and r.json()['detail'] == 'Component is Reserved'
    r = lock(api, [B])
    assert r.status_code == 400 and r.json()['detail'] == 'Component is Reserved'
    r = lock(api, [A, B], model='flexible')
    assert r.status_code == 200
    assert r.json()['Success'] == {'ComponentIDs': [A]} and r.json()['Failure'] == [{'ID': B, 'Reason': 'Reserved'}]
    r = api.call('POST', P + '/locks/service/reservations/check',
                 {'DeputyKeys': [{'ID': B, 'Key': held['DeputyKey']}]}, validate=False)
    assert r.status_code == 200 and r.json()['Success'][0]['ExpirationTime'] == held['ExpirationTime']
    r = api.call('POST', P + '/locks/reservations/remove', {'ComponentIDs': [A, B]}, validate=False)
    assert r.status_code == 400 and r.json()['detail'] == 'Component not found'  # rigid: A holds none
    r = api.call('POST', P + '/locks/reservations/remove', {'ComponentIDs': [B]}, validate=False)
    assert r.status_code == 200 and r.json()['Success'] == {'ComponentIDs': [B]}
    assert lock(api, [B]).status_code == 200


def test_disable_and_repair(api):
    """Q-HSM-10: disable drops the reservations and blocks locks until repair."""
    assert reserve(api, [A], minutes=3).status_code == 200
    r = lock(api, [A], 'disable')
    assert r.status_code == 200 and r.json()['Success'] == {'ComponentIDs': [A]}
    rec = status(api, [A])['Components'][0]
    assert rec['ReservationDisabled'] is True and rec['Reserved'] is False
    r = lock(api, [A])
    assert r.status_code == 400 and r.json()['detail'] == 'Component reservations are disabled'
    r = lock(api, [A, B], model='flexible')
    assert r.status_code == 200 and r.json()['Failure'] == [{'ID': A, 'Reason': 'Disabled'}]
    r = reserve(api, [A], minutes=3)
    assert r.status_code == 400 and r.json()['detail'] == 'Component reservations are disabled'
    assert lock(api, [A], 'repair').status_code == 200
    assert status(api, [A])['Components'][0]['ReservationDisabled'] is False
    assert lock(api, [A]).status_code == 200


def test_get_status_filters(api):
    lock(api, [A])
    r = api.call('GET', P + '/locks/status', params={'type': 'Node', 'locked': 'true'})
    assert [c['ID'] for c in r.json()['Components']] == [A]
    r = api.call('GET', P + '/locks/status', params={'role': 'Management'})
    assert [c['ID'] for c in r.json()['Components']] == ['x3000c0s1b0n0']
    r = api.call('GET', P + '/locks/status', params={'state': 'Off', 'locked': 'true'})
    assert r.json()['Components'] == []


@pytest.mark.parametrize('params,status_code,detail', [
    ({'type': 'Bogus'}, 400, 'Argument was not a valid HMS Type'),
    ({'state': 'Bogus'}, 400, 'Argument was not a valid HMS State'),
    ({'reserved': 'maybe'}, 400, "bad 'Reserved' query parameter: maybe"),
    ({'locked': 'maybe'}, 500, "operation 'GET' failed during query."),
])
def test_get_status_bad_filters(api, params, status_code, detail):
    """Q-HSM-12: the filter values are checked (the spec declares the booleans, not the types)."""
    r = api.call('GET', P + '/locks/status', params=params, validate=False)
    assert r.status_code == status_code and r.json()['detail'] == detail


def test_components(api):
    r = api.call('GET', P + '/State/Components/' + A)
    assert r.status_code == 200
    assert r.json()['Arch'] == 'X86' and r.json()['Role'] == 'Compute'
    assert 'Locked' not in r.json()  # omitempty: present only while locked (Q-HSM-13)
    arm = api.call('GET', P + '/State/Components/x3000c0s17b1n0').json()
    assert arm['Arch'] == 'ARM'
    r = api.call('GET', P + '/State/Components', params={'arch': 'ARM'})
    assert set(c['ID'] for c in r.json()['Components']) == {'x3000c0s17b1n0', 'x3000c0s17b2n0'}
    assert api.call('GET', P + '/State/Components/x1c0s0b0n0').status_code == 404
    r = api.call('GET', P + '/State/Components/bad_name', validate=False)
    assert r.status_code == 404 and r.json()['detail'] == 'no such xname.'  # no syntax check here
    lock(api, [A])
    assert api.call('GET', P + '/State/Components/' + A).json()['Locked'] is True


def test_components_enabled_filter(api):
    """smd filters components on `enabled` (internal/hmsds/query-shared.go doQueryArg("enabled", strToDbBool)):
    true/t/1, false/f/0, any case, ! negates; another value is ErrHMSDSArgNoMatch. The seed's nodes are all
    enabled."""
    every = [c['ID'] for c in api.call('GET', P + '/State/Components').json()['Components']]
    for value in ('true', 'T', '1', '!false'):
        r = api.call('GET', P + '/State/Components', params={'enabled': value})
        assert [c['ID'] for c in r.json()['Components']] == every, value
    for value in ('false', 'F', '0', '!true'):
        assert api.call('GET', P + '/State/Components', params={'enabled': value}).json()['Components'] == []
    r = api.call('GET', P + '/State/Components', params={'enabled': 'yes'}, validate=False)
    assert r.status_code == 400
    assert r.json()['detail'] == 'bad query param: a required argument did not match any valid input'
