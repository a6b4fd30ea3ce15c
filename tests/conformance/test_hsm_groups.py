"""HSM v2 groups (read side, for the cray.csm.hsm inventory plugin), validated against smd.yaml."""
P = '/apis/smd/hsm/v2'


def test_groups_list_and_filters(api):
    r = api.call('GET', P + '/groups')
    assert r.status_code == 200
    groups = dict((g['label'], g) for g in r.json())
    assert sorted(groups) == ['blue', 'ims_builders', 'ims_builders_all']
    assert groups['ims_builders']['members'] == {'ids': ['x3000c0s19b4n0', 'x3000c0s17b2n0']}
    # hms-smd leaves exclusiveGroup and tags out when empty
    assert 'exclusiveGroup' not in groups['ims_builders'] and groups['blue']['exclusiveGroup'] == 'colours'
    assert [g['label'] for g in api.call('GET', P + '/groups', params={'tag': 'bench'}).json()] == ['ims_builders_all']
    # labels are lower case in HSM: a query in upper case finds the group
    assert [g['label'] for g in api.call('GET', P + '/groups', params={'group': 'BLUE'}).json()] == ['blue']


def test_group_by_label(api):
    r = api.call('GET', P + '/groups/ims_builders')
    assert r.status_code == 200 and r.json()['label'] == 'ims_builders'
    assert api.call('GET', P + '/groups/IMS_Builders').json()['label'] == 'ims_builders'
    missing = api.call('GET', P + '/groups/nosuch')
    assert missing.status_code == 404 and missing.headers['Content-Type'].startswith('application/problem+json')
