"""cray.csm.cfs_component against the simulator (its CFS components behave as controllers/components.py,
QUIRKS.md Q-CFS-6). The integration_module stage runs the same tests with the modules as module processes."""
X = 'x3000c0s19b4n0'
COMP = '/apis/cfs/v3/components/' + X
LAYER = dict(clone_url='https://api-gw-service-nmn.local/vcs/cray/cray-csm.git', commit='3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c',
             playbook='playbooks/ims_computes.yml')


def task(name='comp', **kw):
    args = dict(id=X, desired_config='remote-ims-node')
    args.update(kw)
    return {'name': name, 'cray.csm.cfs_component': args, 'register': 'r', 'ignore_errors': True}


def setup(csm_play, **component):
    csm_play.sim.add_cfs_component(X, **component)
    token = csm_play.sim.token()
    answer = csm_play.sim.request('PUT', '/apis/cfs/v3/configurations/remote-ims-node', {'layers': [LAYER]},
                                  headers={'Authorization': 'Bearer %s' % token})
    assert answer[0] == 200
    csm_play.sim.clear_log()


def test_set_rerun_check_and_diff(csm_play):
    setup(csm_play, desired_config='compute-23.7', error_count=2, tags={'site': 'blue'})
    check = csm_play([task()], check=True, diff=True)
    assert check['comp']['changed'] is True, check
    assert check['comp']['diff']['before']['desired_config'] == 'compute-23.7'
    assert check['comp']['diff']['after']['desired_config'] == 'remote-ims-node'
    assert check['comp']['component']['error_count'] == 0  # as CFS will reset it
    assert check['comp']['configuration']['layers'] == [LAYER]
    assert csm_play.writes() == []
    assert csm_play.get(COMP)[1]['desired_config'] == 'compute-23.7'

    first = csm_play([task(xname='X3000C0S19B04N0', enabled=True)], diff=True)  # any spelling; enabled already
    assert first['comp']['changed'] is True, first
    patches = [(e['method'], e['path']) for e in csm_play.writes()]
    assert patches == [('PATCH', COMP)]
    stored = csm_play.get(COMP)[1]
    assert stored['desired_config'] == 'remote-ims-node' and stored['error_count'] == 0
    assert stored['tags'] == {'site': 'blue'} and stored['configuration_status'] == 'pending'
    assert first['comp']['component'] == stored  # read again after the PATCH: as GET shows it

    csm_play.sim.clear_log()
    again = csm_play([task(), task(name='check again')], check=False)
    assert again['comp']['changed'] is False and again['check again']['changed'] is False, again
    assert csm_play.writes() == []  # no PATCH: it would reset error_count again

    # only the field that differs is sent
    csm_play.sim.clear_log()
    off = csm_play([task(enabled=False)])
    assert off['comp']['changed'] is True
    bodies = [e for e in csm_play.sim.log() if e['method'] == 'PATCH']
    assert len(bodies) == 1
    assert csm_play.get(COMP)[1]['enabled'] is False


def test_clear_and_enabled_only(csm_play):
    setup(csm_play, desired_config='remote-ims-node')
    cleared = csm_play([task(desired_config='')])
    assert cleared['comp']['changed'] is True and cleared['comp']['configuration'] is None
    assert csm_play.get(COMP)[1]['desired_config'] == ''
    csm_play.sim.clear_log()
    only = csm_play([{'name': 'comp', 'cray.csm.cfs_component': {'id': X, 'enabled': True}, 'register': 'r'}])
    assert only['comp']['changed'] is False  # enabled already; no configuration read either
    assert [(e['method'], e['path']) for e in csm_play.sim.log() if e['path'].startswith('/apis/')] == [('GET', COMP)]


def test_missing_configuration_or_component_changes_nothing(csm_play):
    setup(csm_play, desired_config='compute-23.7')
    play = csm_play([task(name='no config', desired_config='no-such-config'),
                     task(name='no component', id='x3000c0s19b3n0'),
                     task(name='too long', desired_config='c' * 61)])
    msg = play['no config']['msg']
    assert play['no config']['failed'] is True
    assert 'CFS configuration no-such-config does not exist' in msg and 'cray.csm.cfs_configuration' in msg, msg
    assert play['no component']['failed'] is True
    assert 'CFS has no component x3000c0s19b3n0' in play['no component']['msg']
    assert play['too long']['failed'] is True and 'has 61' in play['too long']['msg']
    assert csm_play.writes() == []
    assert csm_play.get(COMP)[1]['desired_config'] == 'compute-23.7'


def test_transient_fault_on_the_patch_is_retried(csm_play):
    setup(csm_play)
    csm_play.sim.fault(method='PATCH', path='/components/', status=503, times=1)
    play = csm_play([task()])
    assert play['comp']['changed'] is True, play
    assert [e['status'] for e in csm_play.sim.log() if e['method'] == 'PATCH'] == [503, 200]
    assert csm_play.get(COMP)[1]['desired_config'] == 'remote-ims-node'
