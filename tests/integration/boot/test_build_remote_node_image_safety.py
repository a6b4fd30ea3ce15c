"""build_remote_node_image: one deadline for the CFS sessions of all architectures, a CFS configuration it did not
create is never overwritten unless told, the CSM_* environment variables are honoured (issues 23, 25)."""
import os
import subprocess
import sys

import yaml
from testbed.ansible_env import ansible_env

PB = 'cray.csm.build_remote_node_image'
ROLE = 'cray.csm.remote_build_node_image : '
CONFIG = '/apis/cfs/v3/configurations/remote-ims-node'
# The seed's catalog: the latest CSM (1.6.1) configuration commit.
COMMIT = '3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c'
DEFAULT_LAYER = {'clone_url': 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git',
                 'commit': COMMIT, 'playbook': 'ims_computes.yml'}
# The README's own configuration: this repository's layer, under the same name.
README_LAYER = {'name': 'ims-remote-build-node', 'clone_url': 'https://api-gw-service-nmn.local/vcs/cray/cray-csm.git',
                'commit': 'a' * 40, 'playbook': 'playbooks/ims_computes.yml'}


def hsm_inventory(sim, tmp_path):
    path = tmp_path / 'builders.hsm.yml'
    path.write_text(yaml.safe_dump({'plugin': 'cray.csm.hsm', 'api_gateway': sim.url,
                                    'client_secret': sim.client_secret}))
    return ['-i', str(path)]


def put(sim, path, body):
    status, out = sim.request('PUT', path, body, headers={'Authorization': 'Bearer %s' % sim.token()})
    assert status == 200, out


def test_one_deadline_for_all_architectures(csm_play, tmp_path):
    """The CFS sessions of both architectures run side by side; their waits share one deadline, so the worst
    case is the timeout, not the timeout times the number of architectures."""
    sim = csm_play.sim
    # aarch64 (waited for first) is done after 20 s, x86_64 after 35 s: within 28 s of the start only one is.
    # Waited for in turn with 28 s each, both would pass (35 < 20 + 28).
    sim.config(cfs_slow_sessions={'aarch64': 20, 'x86-64': 35})
    extra = dict(remote_build_node_hosts='ims_builders', csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_token=csm_play.token, csm_poll_interval=1, remote_build_node_image_ssh_wait=False,
                 remote_build_node_image_cfs_wait_timeout=28,
                 # the name before 0.2.0, for a run of this test against the playbook before the fix
                 cfs_wait_timeout=28)
    sim.clear_log()
    play = csm_play.playbook(PB, extra, args=hsm_inventory(sim, tmp_path))
    assert play.rc != 0, play
    cfs = play[ROLE + 'Customize the barebones image of each architecture with CFS (start all, then wait for all)']
    waits = dict((r['_ansible_item_label'], r) for r in cfs['results'])
    assert waits['aarch64 wait'].get('failed') is not True, waits['aarch64 wait']
    assert waits['x86_64 wait']['failed'] is True
    assert 'Timed out' in waits['x86_64 wait']['msg'], waits['x86_64 wait']
    # it gave up before the x86_64 image existed: no BOS template, no boot
    assert [e for e in csm_play.writes() if '/bos/' in e['path']] == []


def test_a_configuration_it_did_not_create_is_not_overwritten(csm_play, tmp_path):
    sim = csm_play.sim
    put(sim, CONFIG, {'layers': [README_LAYER]})
    extra = dict(xname='x3000c0s19b4n0', csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_token=csm_play.token, csm_poll_interval=1, remote_build_node_image_ssh_wait=False)
    sim.clear_log()
    refused = csm_play.playbook(PB, extra)
    assert refused.rc != 0
    assert ('CFS configuration remote-ims-node exists and was not created by this playbook' in refused.output
            and 'remote_build_node_image_cfs_configuration_overwrite=true' in refused.output), refused
    assert csm_play.writes() == []
    assert csm_play.get(CONFIG)[1]['layers'] == [README_LAYER]

    # told to: check mode predicts the write, the run makes it and marks the configuration as the image build's
    told = dict(extra, remote_build_node_image_cfs_configuration_overwrite=True)
    check = csm_play.playbook(PB, told, check=True)
    assert check.rc == 0, check
    assert check[ROLE + 'Create the CFS configuration for the image (one it did not create only with '
                        '..._cfs_configuration_overwrite)']['changed'] is True
    assert csm_play.get(CONFIG)[1]['layers'] == [README_LAYER]
    assert csm_play.playbook(PB, told).rc == 0
    stored = csm_play.get(CONFIG)[1]
    assert stored['layers'] == [DEFAULT_LAYER]
    assert stored['description'] == 'IMS remote build node builder image (cray.csm.build_remote_node_image)'
    # from now on it is the image build's own: a run without the flag goes through
    assert csm_play.playbook(PB, extra, check=True).rc == 0


def test_a_configuration_of_its_own_layers_is_kept(csm_play, tmp_path):
    """A configuration with the layers the image build would write (as runs before 0.2.0 left it, without the
    description) is used as it is: nothing to overwrite."""
    sim = csm_play.sim
    put(sim, CONFIG, {'layers': [DEFAULT_LAYER], 'description': 'made by hand'})
    extra = dict(xname='x3000c0s19b4n0', csm_api_gateway=sim.url, csm_kubeconfig=sim.kubeconfig,
                 csm_token=csm_play.token, remote_build_node_image_ssh_wait=False)
    check = csm_play.playbook(PB, extra, check=True)
    assert check.rc == 0, check
    assert check[ROLE + 'Create the CFS configuration for the image (one it did not create only with '
                        '..._cfs_configuration_overwrite)']['changed'] is False
    assert csm_play.get(CONFIG)[1]['description'] == 'made by hand'


def test_the_gateway_from_the_environment(csm_play, tmp_path):
    """CSM_API_GATEWAY is honoured: the play sets no gateway of its own."""
    sim = csm_play.sim
    extra = tmp_path / 'extra.yml'
    extra.write_text(yaml.safe_dump(dict(xname='x3000c0s19b4n0', csm_kubeconfig=sim.kubeconfig, csm_token=csm_play.token,
                                         remote_build_node_image_ssh_wait=False)))
    env = ansible_env(str(tmp_path), localhost_warning='false', python_interpreter=sys.executable,
                      home=str(tmp_path / 'ansible-home'))
    env['CSM_API_GATEWAY'] = sim.url
    sim.clear_log()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                           PB, '--check', '-e', '@%s' % extra], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert [e['path'] for e in sim.log() if e['path'].startswith('/apis/smd/')] != []
