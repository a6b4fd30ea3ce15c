"""cray.csm.bos_sessiontemplate and cray.csm.bos_session against the simulator."""
IMAGE = '4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61'  # x86_64 in the seed
ARM_IMAGE = '7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e62'
TPL = '/apis/bos/v2/sessiontemplates/bos_ims_remote_node'


def boot_set(image=IMAGE, arch='x86_64', **kw):
    bs = {'kernel_parameters': 'ip=dhcp quiet spire_join_token=${SPIRE_JOIN_TOKEN} '
                               'root=live:s3://boot-images/%s/rootfs' % image,
          'node_roles_groups': ['Compute'], 'etag': 'e93dacac642f1e3bffe3be275a090049', 'arch': arch,
          'path': 's3://boot-images/%s/manifest.json' % image, 'type': 's3'}
    bs.update(kw)
    return bs


def template(task_name='t', **kw):
    args = dict(name='bos_ims_remote_node', cfs_configuration='remote-ims-node', boot_sets={'compute': boot_set()})
    args.update(kw)
    return {'name': task_name, 'cray.csm.bos_sessiontemplate': args, 'ignore_errors': True}


def boot(task_name='b', **kw):
    args = dict(template_name='bos_ims_remote_node', operation='boot', limit='x3000c0s19b2n0', wait=True,
                poll_interval=1, wait_timeout=60)
    args.update(kw)
    return {'name': task_name, 'cray.csm.bos_session': args, 'ignore_errors': True}


def test_template_create_rerun_check_delete(csm_play):
    check = csm_play([template()], check=True, diff=True)
    assert check['t']['changed'] is True and csm_play.writes() == []
    first = csm_play([template()], diff=True)
    assert first['t']['changed'] is True, first
    status, stored = csm_play.get(TPL)
    assert status == 200
    assert stored['boot_sets']['compute']['arch'] == 'X86'  # x86_64 mapped
    assert stored['cfs'] == {'configuration': 'remote-ims-node'} and stored['enable_cfs'] is True
    assert first['t']['diff']['after']['boot_sets'] == stored['boot_sets']
    for key in ('boot_sets', 'cfs', 'enable_cfs'):
        assert check['t']['sessiontemplate'][key] == stored[key]

    csm_play.sim.clear_log()
    again = csm_play([template(boot_sets={'compute': boot_set(arch='X86')})])
    assert again['t']['changed'] is False and csm_play.writes() == []

    changed = csm_play([template(boot_sets={'compute': boot_set(etag='0' * 32)})])
    assert changed['t']['changed'] is True
    assert csm_play.get(TPL)[1]['boot_sets']['compute']['etag'] == '0' * 32
    # One PUT, accepted: it carries no read-only field (the simulator validates bodies against the BOS spec)
    assert [(e['method'], e['status']) for e in csm_play.writes()] == [('PUT', 200)]

    csm_play.removes(template(state='absent'), 't', TPL)


def test_template_bad_input_fails_before_any_request(csm_play):
    csm_play.sim.clear_log()
    play = csm_play([
        template('unknown field', boot_sets={'compute': boot_set(bogus=1)}),
        template('no nodes', boot_sets={'compute': boot_set(node_roles_groups=[])}),
        template('bad arch', boot_sets={'compute': boot_set(arch='sparc')}),
        template('no path', boot_sets={'compute': boot_set(path=None)}),
        template('bad name', name='-x'),
        template('no boot sets', boot_sets={}),
    ])
    assert 'unknown field(s) bogus' in play['unknown field']['msg']
    assert 'node_list, node_roles_groups or node_groups' in play['no nodes']['msg']
    assert "arch 'sparc'" in play['bad arch']['msg']
    assert 'path required' in play['no path']['msg']
    assert 'Invalid template name' in play['bad name']['msg']
    assert 'at least one boot set' in play['no boot sets']['msg']
    assert all(play[t]['failed'] for t in play.order)
    assert [e for e in csm_play.sim.log() if e['path'].startswith('/apis/')] == []


def test_template_arch_mismatch_is_bos_error(csm_play):
    play = csm_play([template(boot_sets={'compute': boot_set(image=ARM_IMAGE, arch='x86_64')})])
    assert play['t']['failed'] is True and 'BootSetArchMismatch' in play['t']['msg']


def test_boot_named_session_is_reused(csm_play):
    csm_play([template()])
    csm_play.sim.clear_log()
    check = csm_play([boot(name='boot-1')], check=True)
    assert check['b']['changed'] is True and csm_play.writes() == []
    first = csm_play([boot(name='boot-1')])
    assert first['b']['changed'] is True and first['b'].get('failed') is not True, first
    assert first['b']['status']['percent_successful'] == 100.0
    assert first['b']['session']['components'] == 'x3000c0s19b2n0'
    assert csm_play.get('/apis/smd/hsm/v2/State/Components/x3000c0s19b2n0')[1]['State'] == 'Ready'
    assert [e['path'] for e in csm_play.writes()] == ['/apis/bos/v2/sessions']

    # the node is on now: a playbook would ask for reboot; the named session is still reused
    csm_play.sim.clear_log()
    again = csm_play([boot(name='boot-1', operation='reboot')])
    assert again['b']['changed'] is False and again['b']['reused'] is True
    assert csm_play.writes() == []
    other = csm_play([boot(name='boot-1', limit='x3000c0s19b4n0')])
    assert other['b']['failed'] is True and 'another limit' in other['b']['msg']
    assert csm_play.writes() == []


def test_unnamed_sessions_always_start(csm_play):
    csm_play([template()])
    csm_play.sim.clear_log()
    play = csm_play([boot('one', wait=False), boot('two', wait=False)])
    assert play['one']['changed'] and play['two']['changed']
    assert play['one']['session']['name'] != play['two']['session']['name']
    assert len(csm_play.writes()) == 2


def test_locked_node_explained(csm_play):
    csm_play.sim.config(csm_version='1.7')
    csm_play([template()])
    status, _unused = csm_play.sim.request(
        'POST', '/apis/smd/hsm/v2/locks/lock', {'ComponentIDs': ['x3000c0s19b2n0']},
        headers={'Authorization': 'Bearer %s' % csm_play.token})
    assert status == 200
    play = csm_play([boot()])
    assert play['b']['failed'] is True
    assert 'No nodes were found to act upon' in play['b']['msg'] and 'locked in HSM' in play['b']['msg']
    assert 'unlock' in play['b']['msg']


def test_failing_session_and_timeout(csm_play):
    csm_play([template()])
    csm_play.sim.config(bos_fail_sessions=['^fails'])
    failed = csm_play([boot(name='fails-1')])
    assert failed['b']['failed'] is True
    assert 'failed on 100.0% of its nodes' in failed['b']['msg'] and 'Simulated failure' in failed['b']['msg']
    csm_play.sim.config(bos_session_seconds=120)
    slow = csm_play([boot(name='slow-1', wait_timeout=3)])
    assert slow['b']['failed'] is True and 'Timed out after 3s' in slow['b']['msg']
    assert 'Last status: ' in slow['b']['msg']
    # both sessions were created by these runs
    assert failed['b']['changed'] is True and failed['b']['session']['name'] == 'fails-1'
    assert slow['b']['changed'] is True and slow['b']['session']['name'] == 'slow-1'


def test_unknown_template_says_create_it(csm_play):
    play = csm_play([boot(template_name='nope')])
    assert play['b']['failed'] is True
    assert 'Session Template Name invalid' in play['b']['msg'] and 'bos_sessiontemplate' in play['b']['msg']


def test_bad_session_name_fails_before_any_request(csm_play):
    csm_play.sim.clear_log()
    play = csm_play([boot(name='has space')])
    assert play['b']['failed'] is True and 'Invalid BOS session name' in play['b']['msg']
    assert [e for e in csm_play.sim.log() if e['path'].startswith('/apis/')] == []


def test_template_rerun_as_bos_stores_it(csm_play):
    """BOS sanitises boot sets (QUIRKS.md Q-BOS-5): such a template is unchanged on a re-run."""
    bs = boot_set(node_list=['X3000C0S19B04N0', 'x3000c0s19b2n0'], cfs={'configuration': ''})
    del bs['arch']
    first = csm_play([template(boot_sets={'compute': bs})])
    assert first['t']['changed'] is True
    stored = csm_play.get(TPL)[1]['boot_sets']['compute']
    assert stored['node_list'] == ['x3000c0s19b4n0', 'x3000c0s19b2n0'] and stored['arch'] == 'X86'
    csm_play.sim.clear_log()
    again = csm_play([template(boot_sets={'compute': dict(bs, name='compute')})], diff=True)
    assert again['t']['changed'] is False and csm_play.writes() == []
    assert again['t']['diff']['before'] == again['t']['diff']['after']
    # only a real difference shows
    etag = csm_play([template(boot_sets={'compute': dict(bs, etag='1' * 32)})], diff=True)['t']
    before, after = etag['diff']['before']['boot_sets'], etag['diff']['after']['boot_sets']
    assert [k for k in after['compute'] if after['compute'][k] != before['compute'].get(k)] == ['etag']


def test_template_bos_would_reject_fails_before_writing(csm_play):
    csm_play.sim.clear_log()
    play = csm_play([template(boot_sets={'compute': boot_set(name='other')})])
    assert play['t']['failed'] is True
    assert ("BOS would reject it: boot_sets key (compute) does not match 'name' field of corresponding boot set "
            "(other)") in play['t']['msg']
    assert [e for e in csm_play.sim.log() if e['path'].startswith('/apis/')] == []


def test_named_session_of_other_stage_is_refused(csm_play):
    """A staged session of the name is not reused by a stage: false run (its wait would never end), nor the
    other way round."""
    csm_play([template()])
    staged = csm_play([boot(name='ims23-staged', stage=True, wait=False)])
    assert staged['b']['changed'] is True and staged['b']['session']['stage'] is True, staged
    csm_play.sim.clear_log()
    now = csm_play([boot(name='ims23-staged')])
    assert now['b']['failed'] is True and 'another stage' in now['b']['msg'], now['b']
    assert 'stage=True' in now['b']['msg']
    assert csm_play.writes() == []
    csm_play([boot(name='ims23-now')])
    again = csm_play([boot(name='ims23-now', stage=True, wait=False)])
    assert again['b']['failed'] is True and 'another stage' in again['b']['msg'], again['b']
