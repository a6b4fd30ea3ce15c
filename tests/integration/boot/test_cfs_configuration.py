"""cray.csm.cfs_configuration against the simulator."""
CFG = '/apis/cfs/v3/configurations/remote-ims-node'
URL = 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git'
COMMIT = '3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c'


def task(name='cfg', **kw):
    args = dict(name='remote-ims-node', layers=[dict(clone_url=URL, commit=COMMIT, playbook='ims_computes.yml')])
    args.update(kw)
    return {'name': name, 'cray.csm.cfs_configuration': args, 'register': 'r', 'ignore_errors': True}


def test_create_rerun_check_delete(csm_play):
    check = csm_play([task()], check=True, diff=True)
    assert check['cfg']['changed'] is True, check
    assert check['cfg']['diff']['before'] == {}
    assert csm_play.writes() == []
    assert csm_play.get(CFG)[0] == 404

    first = csm_play([task()], diff=True)
    assert first['cfg']['changed'] is True, first
    status, stored = csm_play.get(CFG)
    assert status == 200
    assert stored['layers'] == [dict(clone_url=URL, commit=COMMIT, playbook='ims_computes.yml')]
    puts = [e for e in csm_play.writes() if e['method'] == 'PUT']
    assert len(puts) == 1 and puts[0]['status'] == 200
    # check mode predicted exactly the layers the run stored
    assert check['cfg']['configuration']['layers'] == stored['layers']

    csm_play.sim.clear_log()
    again = csm_play([task()])
    assert again['cfg']['changed'] is False, again
    assert csm_play.writes() == []

    # a changed layer is written, keeping the description that was not given
    csm_play([task(description='kept')])
    newer = task(layers=[dict(clone_url=URL, commit='a' * 40, playbook='ims_computes.yml')])
    csm_play.sim.clear_log()
    changed = csm_play([newer])
    assert changed['cfg']['changed'] is True
    stored = csm_play.get(CFG)[1]
    assert stored['layers'][0]['commit'] == 'a' * 40 and stored['description'] == 'kept'
    assert [e['status'] for e in csm_play.writes()] == [200]

    csm_play.removes(task(state='absent'), 'cfg', CFG)


def test_bad_layers_fail_before_any_request(csm_play):
    bad = {
        'both': dict(clone_url=URL, commit=COMMIT, branch='main', playbook='p.yml'),
        'neither': dict(commit=COMMIT, playbook='p.yml'),
        'short': dict(clone_url=URL, commit='abc', playbook='p.yml'),
        'two sources': dict(clone_url=URL, source='s', commit=COMMIT, playbook='p.yml'),
    }
    tasks = [task(name=k, layers=[v]) for k, v in bad.items()]
    csm_play.sim.clear_log()
    play = csm_play(tasks)
    for name, fragment in (('both', 'commit or branch, not both'), ('neither', 'give clone_url'),
                           ('short', 'not a full commit id'), ('two sources', 'clone_url or source, not both')):
        assert play[name]['failed'] is True
        assert fragment in play[name]['msg'], play[name]['msg']
    assert [e for e in csm_play.sim.log() if e['path'].startswith('/apis/')] == []


def test_delete_in_use_explains(csm_play):
    csm_play([task()])
    # a BOS boot with a template naming the configuration makes it the node's desired configuration
    boot = [
        {'name': 'tpl', 'cray.csm.bos_sessiontemplate': {
            'name': 't1', 'cfs_configuration': 'remote-ims-node', 'boot_sets': {'compute': {
                'path': 's3://boot-images/4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61/manifest.json', 'type': 's3',
                'node_roles_groups': ['Compute'], 'arch': 'x86_64'}}}},
        {'name': 'boot', 'cray.csm.bos_session': {'template_name': 't1', 'operation': 'boot',
                                                  'limit': 'x3000c0s19b2n0', 'wait': True, 'poll_interval': 1}},
    ]
    assert csm_play(boot).rc == 0
    play = csm_play([task(state='absent')])
    assert play['cfg']['failed'] is True
    assert 'Configuration is in use' in play['cfg']['msg'] and 'components' in play['cfg']['msg']
    assert csm_play.get(CFG)[0] == 200
