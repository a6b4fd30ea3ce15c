"""cray.csm.cfs_session against the simulator."""
URL = 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git'
COMMIT = '3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c'
BAREBONES = '4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61'  # compute-csm-1.6-6.2.25-x86_64 in the seed
SESSION = '/apis/cfs/v3/sessions/build-ims-remote-image-x86-64'

CONFIG = {'name': 'config', 'cray.csm.cfs_configuration': {
    'name': 'remote-ims-node', 'layers': [{'clone_url': URL, 'commit': COMMIT, 'playbook': 'ims_computes.yml'}]}}


def session(task_name='s', **kw):
    args = dict(name='build-ims-remote-image-x86-64', configuration_name='remote-ims-node',
                target_definition='image', target_groups=[{'name': 'Application', 'members': [BAREBONES]}],
                image_map=[{'source_id': BAREBONES, 'result_name': 'ims-remote-image-x86_64'}],
                wait=True, poll_interval=1, wait_timeout=60)
    args.update(kw)
    return {'name': task_name, 'cray.csm.cfs_session': args, 'ignore_errors': True}


def posts(play):
    return [e for e in play.writes() if e['method'] == 'POST' and e['path'] == '/apis/cfs/v3/sessions']


def test_create_wait_reuse_check_delete(csm_play):
    assert csm_play([CONFIG]).rc == 0
    csm_play.sim.clear_log()
    check = csm_play([session()], check=True)
    assert check['s']['changed'] is True and check['s']['result_id'] is None, check
    assert posts(csm_play) == [] and csm_play.get(SESSION)[0] == 404

    first = csm_play([session()])
    assert first['s']['changed'] is True and first['s'].get('failed') is not True, first
    result_id = first['s']['result_id']
    assert result_id and result_id != BAREBONES
    assert first['s']['artifacts'] == [{'image_id': BAREBONES, 'result_id': result_id,
                                        'type': 'ims_customized_image'}]
    assert len(posts(csm_play)) == 1 and posts(csm_play)[0]['status'] == 201
    status, image = csm_play.get('/apis/ims/v3/images/%s' % result_id)
    assert status == 200 and image['name'] == 'ims-remote-image-x86_64'
    stored = csm_play.get(SESSION)[1]
    assert stored['status']['session']['status'] == 'complete' and stored['status']['session']['succeeded'] == 'true'

    # same name, same request: reused, nothing posted, same image id (also in check mode)
    csm_play.sim.clear_log()
    again = csm_play([session()])
    again_check = csm_play([session()], check=True)
    for r in (again['s'], again_check['s']):
        assert r['changed'] is False and r['reused'] is True and r['result_id'] == result_id, r
    assert posts(csm_play) == []

    csm_play.removes(session(state='absent'), 's', SESSION)


def test_same_name_other_request_fails(csm_play):
    csm_play([CONFIG, session(wait=False)])
    csm_play.sim.clear_log()
    other = csm_play([session(image_map=[{'source_id': BAREBONES, 'result_name': 'other'}], wait=False)])
    assert other['s']['failed'] is True
    assert 'different request (image_map differ)' in other['s']['msg'] and 'state=absent' in other['s']['msg']
    assert posts(csm_play) == []


def test_bad_input_fails_before_any_request(csm_play):
    csm_play.sim.clear_log()
    play = csm_play([
        session('underscore', name='build-ims-remote-image-x86_64'),
        session('upper', name='Build'),
        session('long', name='a' * 46),
        session('no members', target_groups=[{'name': 'Application', 'members': []}]),
        session('map without image', target_definition='dynamic', target_groups=None),
        session('not an image id', target_groups=[{'name': 'Application', 'members': ['barebones-image']}],
                image_map=None),
        session('groups on dynamic', target_definition='dynamic', image_map=None),
    ])
    assert "Try 'build-ims-remote-image-x86-64'" in play['underscore']['msg']
    assert 'no _' in play['upper']['msg'] and 'no _' in play['long']['msg']
    assert 'group member lists must not be empty' in play['no members']['msg']
    # what CFS refuses (controllers/sessions.py _validate_session_target), refused before any request
    assert "target_groups Application (CFS takes only IMS image ids as members of an image target): not a UUID: " \
        "'barebones-image'" in play['not an image id']['msg']
    assert "'dynamic' target definitions must not contain groups" in play['groups on dynamic']['msg']
    assert 'image_map is only used with target_definition image' in play['map without image']['msg']
    assert all(play[t]['failed'] for t in play.order)
    assert [e for e in csm_play.sim.log() if e['path'].startswith('/apis/')] == []


def test_failing_session_fails_with_details(csm_play):
    csm_play.sim.config(cfs_fail_sessions=['^build-ims'])
    play = csm_play([CONFIG, session()])
    assert play['s']['failed'] is True
    assert 'did not succeed' in play['s']['msg'] and 'succeeded false' in play['s']['msg']
    assert play['s']['session']['status']['session']['status'] == 'complete'
    assert play['s']['changed'] is True  # this run created the session
    # a rerun does not start another session; it reports the same failure, and changes nothing
    csm_play.sim.clear_log()
    rerun = csm_play([session()])['s']
    assert rerun['failed'] is True and rerun['changed'] is False and posts(csm_play) == []


def test_timeout_fails_with_last_status(csm_play):
    csm_play.sim.config(cfs_session_seconds=120)
    play = csm_play([CONFIG, session(wait_timeout=3)])
    assert play['s']['failed'] is True
    assert 'Timed out after 3s' in play['s']['msg']
    assert 'status pending' in play['s']['msg'] or 'status running' in play['s']['msg']
    assert play['s']['changed'] is True and play['s']['session']['name'] == 'build-ims-remote-image-x86-64'


def test_unknown_configuration_fails(csm_play):
    play = csm_play([session()])
    assert play['s']['failed'] is True and 'No configurations exist named remote-ims-node' in play['s']['msg']
