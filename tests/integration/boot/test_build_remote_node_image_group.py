"""build_remote_node_image for a group of nodes of both architectures, the group from the cray.csm.hsm inventory."""
from datetime import datetime

import yaml

X86 = ['x3000c0s17b3n0', 'x3000c0s17b4n0', 'x3000c0s19b1n0', 'x3000c0s19b2n0', 'x3000c0s19b3n0', 'x3000c0s19b4n0']
ARM = ['x3000c0s17b1n0', 'x3000c0s17b2n0']
PB = 'cray.csm.build_remote_node_image'
# the json callback names a role's tasks "<role> : <task>"
ROLE = 'cray.csm.remote_build_node_image : '


def created(sim, what):
    """The POSTs that created CFS or BOS sessions, from the simulator's request log."""
    return [e for e in sim.log() if e['method'] == 'POST' and e['path'] == '/apis/%s/sessions' % what
            and e['status'] in (200, 201)]


def hsm_inventory(sim, tmp_path):
    path = tmp_path / 'builders.hsm.yml'
    path.write_text(yaml.safe_dump({'plugin': 'cray.csm.hsm', 'api_gateway': sim.url,
                                    'client_secret': sim.client_secret}))
    return ['-i', str(path)]


def when(text):
    # CFS gives its session times without a zone (QUIRKS.md Q-CFS-4); a trailing Z is taken too
    return datetime.strptime(text.rstrip('Z'), '%Y-%m-%dT%H:%M:%S')


def test_group_of_both_architectures(csm_play, tmp_path):
    sim = csm_play.sim
    sim.config(cfs_session_seconds=5, bos_session_seconds=2)
    extra = dict(remote_build_node_hosts='ims_builders_all', csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_poll_interval=1, remote_build_node_image_ssh_wait=False)
    inv = hsm_inventory(sim, tmp_path)

    sim.clear_log()
    check = csm_play.playbook(PB, extra, check=True, args=inv)
    assert check.rc == 0, check
    assert csm_play.writes() == []

    sim.clear_log()
    first = csm_play.playbook(PB, extra, args=inv)
    assert first.rc == 0, first
    # one CFS session and one BOS session per architecture, whatever the number of nodes
    assert len(created(sim, 'cfs/v3')) == 2 and len(created(sim, 'bos/v2')) == 2
    cfs = dict((s['name'], s) for s in csm_play.get('/apis/cfs/v3/sessions')[1]['sessions'])
    x86, arm = cfs['build-ims-remote-image-x86-64'], cfs['build-ims-remote-image-aarch64']
    # side by side: each started before the other completed
    for a, b in ((x86, arm), (arm, x86)):
        assert when(a['status']['session']['start_time']) < when(b['status']['session']['completion_time'])
    boots = dict((s['template_name'], s) for s in csm_play.get('/apis/bos/v2/sessions')[1])
    assert sorted(boots['bos_ims_remote_node_x86_64']['limit'].split(',')) == X86
    assert boots['bos_ims_remote_node_x86_64']['operation'] == 'reboot'  # some x86 nodes are on
    assert sorted(boots['bos_ims_remote_node_aarch64']['limit'].split(',')) == ARM
    for x in X86 + ARM:
        assert csm_play.get('/apis/smd/hsm/v2/State/Components/%s' % x)[1]['State'] == 'Ready'
    report = ' '.join(first.tasks[ROLE + 'Report']['msg'])
    assert 'x86_64: image ims-remote-image-x86_64' in report and 'aarch64: image ims-remote-image-aarch64' in report

    # a re-run (and its check mode) creates no session and boots nothing
    for check_mode in (True, False):
        sim.clear_log()
        again = csm_play.playbook(PB, extra, check=check_mode, args=inv)
        assert again.rc == 0, again
        assert again.stats['changed'] == 0, [n for n in again.order if again[n].get('changed')]
        assert csm_play.writes() == []
    assert len(csm_play.get('/apis/bos/v2/sessions')[1]) == 2


def test_nodes_added_later_boot_alone(csm_play, tmp_path):
    sim = csm_play.sim
    inv = hsm_inventory(sim, tmp_path)
    extra = dict(csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig, csm_poll_interval=1,
                 remote_node_ssh_wait=False)
    first = csm_play.playbook(PB, dict(extra, remote_node_hosts='ims_builders'), args=inv)
    assert first.rc == 0, first
    sim.clear_log()
    more = csm_play.playbook(PB, dict(extra, remote_node_hosts='ims_builders_all'), args=inv)
    assert more.rc == 0, more
    # the images exist: no CFS session; one boot per architecture for the nodes not booted yet
    assert created(sim, 'cfs/v3') == []
    limits = sorted(sorted(s['limit'].split(',')) for s in csm_play.get('/apis/bos/v2/sessions')[1])
    assert limits == sorted([['x3000c0s19b4n0'], ['x3000c0s17b2n0'],  # the first run
                             ['x3000c0s17b1n0'], [x for x in X86 if x != 'x3000c0s19b4n0']])
    assert len(created(sim, 'bos/v2')) == 2


def test_boot_failure_is_not_counted_as_booted(csm_play, tmp_path):
    sim = csm_play.sim
    extra = dict(remote_build_node_hosts='ims_builders', csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_poll_interval=1, remote_build_node_image_ssh_wait=False)
    inv = hsm_inventory(sim, tmp_path)
    sim.config(bos_fail_sessions=['aarch64'])
    failed = csm_play.playbook(PB, extra, args=inv)
    assert failed.rc != 0 and 'failed on 100.0% of its nodes' in failed.output
    # the failed session is no proof of a boot: the plan still lists the node
    sim.config(bos_fail_sessions=[])
    sim.clear_log()
    again = csm_play.playbook(PB, extra, args=inv, check=True)
    assert again.rc == 0, again
    plan = again[ROLE + 'Plan the boots, one BOS session per architecture']
    assert plan['boots']['aarch64']['pending'] == ['x3000c0s17b2n0']
    assert plan['boots']['x86_64']['pending'] == [] and plan['boots']['x86_64']['booted'] == ['x3000c0s19b4n0']
    # the failed session keeps its name; the next boot gets a new one
    failed_name = [s['name'] for s in csm_play.get('/apis/bos/v2/sessions')[1] if 'aarch64' in s['name']][0]
    assert plan['boots']['aarch64']['session_name'] == failed_name + '-2'
    fixed = csm_play.playbook(PB, extra, args=inv)
    assert fixed.rc == 0, fixed
    assert csm_play.get('/apis/smd/hsm/v2/State/Components/x3000c0s17b2n0')[1]['State'] == 'Ready'


def test_one_name_for_both_architectures_is_refused(csm_play, tmp_path):
    sim = csm_play.sim
    extra = dict(remote_node_hosts='ims_builders', csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_token=csm_play.token, bos_template_name='one-template', remote_node_ssh_wait=False)
    sim.clear_log()
    play = csm_play.playbook(PB, extra, args=hsm_inventory(sim, tmp_path))
    assert play.rc != 0
    assert ('remote_build_node_image_bos_template_name is one-template for architectures aarch64 and x86_64: '
            'keep {arch} in the name') in play.output
    assert csm_play.writes() == []
