"""The whole build_remote_node_image playbook against the simulator, on both architectures."""
import pytest

# The seed's product catalog: the latest CSM is 1.6.1, with these images and commit.
COMMIT = '3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c'
CASES = {
    'x86_64': dict(xname='x3000c0s19b4n0', barebones='4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61', session='x86-64',
                   bos_arch='X86', power='On', operation='reboot'),
    'aarch64': dict(xname='x3000c0s17b2n0', barebones='7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e62', session='aarch64',
                    bos_arch='ARM', power='Off', operation='boot'),
}


# the json callback names a role's tasks "<role> : <task>"
ROLE = 'cray.csm.remote_build_node_image : '


def api_requests(sim):
    return [e for e in sim.log() if e['path'].startswith('/apis/')]


def writes(sim):
    return [e for e in api_requests(sim) if e['method'] != 'GET']


@pytest.mark.parametrize('arch', sorted(CASES))
def test_build_and_boot(csm_play, tmp_path, arch):
    case = CASES[arch]
    sim = csm_play.sim
    # no token given: the play reads the client secret from the Kubernetes Secret and fetches one
    extra = dict(xname=case['xname'], csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_poll_interval=1, remote_build_node_image_ssh_wait=False)
    assert csm_play.get('/apis/smd/hsm/v2/State/Components/%s' % case['xname'])[1]['State'] == case['power']

    sim.clear_log()
    check = csm_play.playbook('cray.csm.build_remote_node_image', extra, check=True)
    assert check.rc == 0, check
    assert writes(sim) == [], 'check mode wrote: %s' % writes(sim)

    sim.clear_log()
    first = csm_play.playbook('cray.csm.build_remote_node_image', extra)
    assert first.rc == 0, first
    # the simulator checks each body against the upstream spec (400 if not); only reads of
    # not-yet-existing objects may answer 404
    assert [e for e in api_requests(sim) if e['status'] >= 400
            and not (e['method'] == 'GET' and e['status'] == 404)] == []
    # one configuration PUT, one CFS session, one template PUT, one BOS session
    assert sorted((e['method'], e['path']) for e in writes(sim)) == sorted([
        ('PUT', '/apis/cfs/v3/configurations/remote-ims-node'),
        ('POST', '/apis/cfs/v3/sessions'),
        ('PUT', '/apis/bos/v2/sessiontemplates/bos_ims_remote_node_%s' % arch),
        ('POST', '/apis/bos/v2/sessions')])

    config = csm_play.get('/apis/cfs/v3/configurations/remote-ims-node')[1]
    assert config['layers'] == [{'clone_url': 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git',
                                 'commit': COMMIT, 'playbook': 'ims_computes.yml'}]
    session_name = 'build-ims-remote-image-%s' % case['session']
    session = csm_play.get('/apis/cfs/v3/sessions/%s' % session_name)[1]
    assert session['configuration']['name'] == 'remote-ims-node'
    assert session['target'] == {'definition': 'image',
                                 # CSM's docs name the target group Compute since Dec 2024 (Application before)
                                 'groups': [{'name': 'Compute', 'members': [case['barebones']]}],
                                 'image_map': [{'source_id': case['barebones'],
                                                'result_name': 'ims-remote-image-%s' % arch}]}
    new_id = session['status']['artifacts'][0]['result_id']
    image = csm_play.get('/apis/ims/v3/images/%s' % new_id)[1]
    assert image['name'] == 'ims-remote-image-%s' % arch and image['arch'] == arch

    template = csm_play.get('/apis/bos/v2/sessiontemplates/bos_ims_remote_node_%s' % arch)[1]
    etag = image['link']['etag']
    assert template['cfs'] == {'configuration': 'remote-ims-node'} and template['enable_cfs'] is True
    assert template['boot_sets'] == {'compute': {
        'kernel_parameters': 'ip=dhcp quiet spire_join_token=${SPIRE_JOIN_TOKEN} root=live:s3://boot-images/%s/rootfs '
                             'nmd_data=url=s3://boot-images/%s/rootfs,etag=%s' % (new_id, new_id, etag),
        'node_roles_groups': ['Compute'], 'etag': etag, 'arch': case['bos_arch'],
        'path': 's3://boot-images/%s/manifest.json' % new_id, 'type': 's3'}}

    boot_name = 'bos_ims_remote_node_%s-%s-%s' % (arch, case['xname'], new_id)
    boot = csm_play.get('/apis/bos/v2/sessions/%s' % boot_name)[1]
    assert boot['operation'] == case['operation'] and boot['limit'] == case['xname']
    assert boot['components'] == case['xname'] and boot['status']['status'] == 'complete'
    assert csm_play.get('/apis/smd/hsm/v2/State/Components/%s' % case['xname'])[1]['State'] == 'Ready'
    assert csm_play.get('/apis/bos/v2/sessions')[1] == [boot]
    assert first[ROLE + 'Warn about the variable names removed in cray.csm 0.3.0'].get('skipped') is True
    result = first[ROLE + 'Keep the result (remote_build_node_image_result, documented in meta/argument_specs.yml)']
    published = result['ansible_facts']['remote_build_node_image_result']
    assert published['arches'][arch]['image']['id'] == new_id and published['arches'][arch]['boot']['pending'] == [
        case['xname']]

    # a second run (and its check mode) changes nothing and starts no session
    for check_mode in (True, False):
        sim.clear_log()
        again = csm_play.playbook('cray.csm.build_remote_node_image', extra, check=check_mode)
        assert again.rc == 0, again
        assert again.stats['changed'] == 0, [n for n in again.order if again[n].get('changed')]
        assert writes(sim) == []
    assert len(csm_play.get('/apis/bos/v2/sessions')[1]) == 1
    assert len(csm_play.get('/apis/cfs/v3/sessions')[1]['sessions']) == 1


def test_token_and_names_can_be_given(csm_play, tmp_path):
    """The names before 0.2.0 still work, with a deprecation warning each; the target group Application too."""
    sim = csm_play.sim
    extra = dict(remote_node_xname='x3000c0s19b2n0', csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_poll_interval=1, csm_token=csm_play.token, cfs_configuration_name='my-cfg',
                 cfs_session_name='my-session', bos_template_name='my-template', csm_version='1.5.2',
                 bos_operation='boot', remote_node_ssh_wait=False, cfs_target_group='Application')
    sim.clear_log()
    play = csm_play.playbook('cray.csm.build_remote_node_image', extra)
    assert play.rc == 0, play
    warned = play[ROLE + 'Warn about the variable names removed in cray.csm 0.3.0']['msg']
    assert warned == ['%s is deprecated: use %s (the old name is removed in cray.csm 0.3.0).' % names for names in [
        ('bos_operation', 'remote_build_node_image_bos_operation'),
        ('bos_template_name', 'remote_build_node_image_bos_template_name'),
        ('cfs_configuration_name', 'remote_build_node_image_cfs_configuration_name'),
        ('cfs_session_name', 'remote_build_node_image_cfs_session_name'),
        ('cfs_target_group', 'remote_build_node_image_cfs_target_group'),
        ('csm_version', 'remote_build_node_image_csm_version'),
        ('remote_node_ssh_wait', 'remote_build_node_image_ssh_wait'),
        ('remote_node_xname', 'xname')]]
    assert [e for e in sim.log() if e['path'].startswith('/keycloak') or '/secrets/' in e['path']] == []
    session = csm_play.get('/apis/cfs/v3/sessions/my-session')[1]
    assert session['configuration']['name'] == 'my-cfg'
    assert session['target']['groups'][0]['name'] == 'Application'
    assert csm_play.get('/apis/bos/v2/sessions')[1][0]['operation'] == 'boot'
    assert session['target']['groups'][0]['members'] == ['9d8c7b6a-5f4e-4d3c-8b2a-190817161564']  # CSM 1.5
    assert csm_play.get('/apis/cfs/v3/configurations/my-cfg')[1]['layers'][0]['commit'] == '1' * 40
    assert csm_play.get('/apis/bos/v2/sessiontemplates/my-template')[0] == 200


def test_bad_inputs_fail_before_any_change(csm_play, tmp_path):
    sim = csm_play.sim
    base = dict(csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig, csm_token=csm_play.token, remote_build_node_image_ssh_wait=False)
    sim.clear_log()
    no_node = csm_play.playbook('cray.csm.build_remote_node_image', base)
    assert no_node.rc != 0 and 'remote_build_node_hosts remote_build_nodes matches no host of the inventory. Set xname' in no_node.output
    bad_version = csm_play.playbook(
        'cray.csm.build_remote_node_image', dict(base, xname='x3000c0s19b4n0', remote_build_node_image_csm_version='9.9'))
    assert bad_version.rc != 0
    assert 'CSM version 9.9 is not in the product catalog; it has: 1.5.2, 1.6.0, 1.6.1.' in bad_version.output
    unknown_node = csm_play.playbook(
        'cray.csm.build_remote_node_image', dict(base, xname='x1000c0s0b0n0'))
    assert unknown_node.rc != 0 and 'HSM does not know x1000c0s0b0n0' in unknown_node.output
    # CSM 1.6.0 has no aarch64 barebones compute image (as on real 1.6.0 systems)
    no_arm = csm_play.playbook(
        'cray.csm.build_remote_node_image', dict(base, xname='x3000c0s17b2n0', remote_build_node_image_csm_version='1.6.0'))
    assert no_arm.rc != 0 and 'architectures with one: x86_64' in no_arm.output
    assert writes(sim) == []


def test_no_secret_in_output_at_any_verbosity(csm_play, tmp_path):
    sim = csm_play.sim
    extra = dict(xname='x3000c0s19b2n0', csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_poll_interval=1, remote_build_node_image_ssh_wait=False)
    play = csm_play.playbook('cray.csm.build_remote_node_image', extra, args=['-vvv'])
    assert play.rc == 0, play
    import base64
    assert sim.client_secret not in play.output
    assert base64.b64encode(sim.client_secret.encode()).decode() not in play.output
    # the simulator's tokens are JWT-shaped: base64 of a JSON object, so they start with eyJ
    assert 'eyJ' not in play.output and 'Bearer ' not in play.output
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in play.output  # -vvv did print module arguments
