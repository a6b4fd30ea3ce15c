# -*- coding: utf-8 -*-
"""Role cray.csm.remote_build_node with remote_build_node_cfs_configuration, on the test bed's 'sles' node
(real SSH) against the simulator: refused with nothing changed when the configuration is missing or lacks the
ims_computes.yml layer; check mode changes nothing; the run makes it the node's CFS desired configuration; the
re-run changes nothing and sends no PATCH."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

from testbed.ansible_env import NODE_RUN, ansible_env
from testbed.nodes import SSH_COMMON_ARGS, controller_key

X = 'x3000c0s19b4n0'
COMP = '/apis/cfs/v3/components/' + X
LAYER = dict(clone_url='https://api-gw-service-nmn.local/vcs/cray/cray-csm.git',
             commit='3f1c2b4a5d6e7f8091a2b3c4d5e6f708192a3b4c', playbook='playbooks/ims_computes.yml')
SITE = dict(LAYER, playbook='site.yml')


def api(sim, method, path, body=None):
    return sim.request(method, path, body, headers={'Authorization': 'Bearer ' + sim.token()})


def writes(sim):
    return [(e['method'], e['path']) for e in sim.log()
            if e['method'] in ('POST', 'PUT', 'PATCH', 'DELETE') and e['path'].startswith('/apis/')
            and not e['path'].endswith('/locks/status')]  # a read sent as POST (hsm_lock reads first)


def run(sim, node, tmp_path, config, check=False):
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text(u'[remote_build_nodes]\n%s ansible_host=127.0.0.1 ansible_port=%d ansible_user=root '
                         u'ansible_ssh_private_key_file=%s ansible_python_interpreter=/usr/bin/python3 '
                         u'ansible_ssh_common_args="%s"\n' % (X, node.port, controller_key(), SSH_COMMON_ARGS))
    cmd = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', str(inventory),
           'cray.csm.remote_build_node', '-e', 'csm_api_gateway=' + sim.url, '-e', 'csm_kubeconfig=' + sim.kubeconfig,
           '-e', 'remote_build_node_min_free_gib=0', '-e', 'remote_build_node_warn_free_gib=0',
           '-e', 'remote_build_node_image_root_gib=0', '-e', 'remote_build_node_cfs_configuration=' + config]
    if check:
        cmd.append('--check')
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          env=ansible_env(str(tmp_path), **NODE_RUN), timeout=600, check=False)
    recap = re.search(r'^%s\s*:.*changed=(\d+)' % X, proc.stdout, re.M)
    return proc.returncode, proc.stdout, int(recap.group(1)) if recap else None


def test_cfs_configuration_opt_in(csm_sim, testbed_nodes, tmp_path):
    node = testbed_nodes['sles']
    csm_sim.set_nodes({X: node.addr})
    csm_sim.add_cfs_component(X, desired_config='compute-23.7')
    assert api(csm_sim, 'PUT', '/apis/cfs/v3/configurations/builders', {'layers': [SITE, LAYER]})[0] == 200
    assert api(csm_sim, 'PUT', '/apis/cfs/v3/configurations/compute-23.7', {'layers': [SITE]})[0] == 200
    csm_sim.clear_log()

    # unset (the default): CFS is left alone, and the role prints no more task headers than before the opt-in
    # (tests/e2e/test_remote_build_node.py bounds a first run at 15)
    rc, out, changed = run(csm_sim, node, tmp_path, '')
    assert rc == 0, out
    assert len(re.findall(r'^TASK \[', out, re.M)) <= 15, out
    assert not [w for w in writes(csm_sim) if '/cfs/' in w[1]] and api(csm_sim, 'GET', COMP)[1]['desired_config'] == 'compute-23.7'
    assert api(csm_sim, 'DELETE', '/apis/ims/v3/remote-build-nodes/' + X)[0] == 204  # a fresh start for the opt-in
    csm_sim.clear_log()

    # refused before any change: no layer, no configuration
    for config, words in (('compute-23.7', 'has no layer whose playbook ends with ims_computes.yml'),
                          ('no-such-config', 'CFS configuration no-such-config does not exist')):
        rc, out, changed = run(csm_sim, node, tmp_path, config)
        assert rc != 0 and words in out, out
        assert 'is not registered: ' in out, out  # the node's error, in the summary and the final failure
        assert changed == 0, out  # the node is not touched
        assert writes(csm_sim) == [], writes(csm_sim)  # nor CSM: no lock, no registration, no PATCH
    assert api(csm_sim, 'GET', COMP)[1]['desired_config'] == 'compute-23.7'

    rc, out, changed = run(csm_sim, node, tmp_path, 'builders', check=True)
    assert rc == 0 and changed > 0, out
    assert writes(csm_sim) == [], writes(csm_sim)
    assert api(csm_sim, 'GET', COMP)[1]['desired_config'] == 'compute-23.7'

    rc, out, changed = run(csm_sim, node, tmp_path, 'builders')
    assert rc == 0 and changed > 0, out
    assert ('PATCH', COMP) in writes(csm_sim) and ('POST', '/apis/ims/v3/remote-build-nodes') in writes(csm_sim)
    comp = api(csm_sim, 'GET', COMP)[1]
    assert comp['desired_config'] == 'builders' and comp['configuration_status'] == 'pending', comp
    # the site's configurations are never written
    assert not [w for w in writes(csm_sim) if '/configurations/' in w[1]]

    csm_sim.clear_log()
    rc, out, changed = run(csm_sim, node, tmp_path, 'builders')
    assert rc == 0 and changed == 0, out
    assert writes(csm_sim) == [], writes(csm_sim)
