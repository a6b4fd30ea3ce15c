# -*- coding: utf-8 -*-
"""The preflight and the simulator's IMS status against real container nodes over SSH.

Needs the podman test bed (tests/testbed/podman_setup.sh; tests/run builds it first); fails, saying why, without it.
"""
from __future__ import absolute_import, division, print_function

import os

X = 'x3000c0s19b4n0'
BASE = '/apis/ims/v3/remote-build-nodes'
READY = {'sshStatus': 'SSH connection established.', 'nodeArch': 'x86_64',
         'podmanStatus': 'Podman present at /usr/bin/podman', 'ableToRunJobs': True}


def node(target, **args):
    args.setdefault('xname', X)
    args.setdefault('ssh_host', '127.0.0.1')
    args.setdefault('ssh_port', target.port)
    return {'cray.csm.ims_remote_node': args}


def test_debian_node_fails_uname_and_is_not_registered(run_tasks, csm_sim, testbed_nodes):
    debian = testbed_nodes['debian']
    key = csm_sim.ims_private_key
    res = run_tasks([dict(node(debian, preflight=True, ssh_private_key=key), check_mode=True),
                     node(debian, preflight=True, ssh_private_key=key)])
    for r in res:
        assert r.result['failed'] is True
        assert r.result['msg'] == (
            'Preflight of %s (SSH 127.0.0.1:%d) failed the arch check: Undefined architecture type for node, '
            'result: unknown. Fix: IMS reads the architecture from "uname -i", which must print x86_64 or '
            'aarch64 (SLES does; Debian and some others print "unknown"): boot the node with a SLES-based remote '
            'build node image (playbook cray.csm.build_remote_node_image).' % (X, debian.port))
        assert r.result['preflight']['sshStatus'] == 'SSH connection established.'
        assert r.result['preflight']['failed_check'] == 'arch'
        # IMS was only asked whether the node is registered; nothing was registered
        assert r.requests() == [('GET', BASE + '/' + X)]


def known_hosts():
    path = os.path.expanduser('~/.ssh/known_hosts')
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return f.read()


def test_sles_like_node_passes_registers_and_ims_agrees(run_tasks, csm_sim, testbed_nodes):
    sles = testbed_nodes['sles']
    hosts_before = known_hosts()
    sles.sh('rm -rf /tmp/ims_*; mkdir -p /tmp/ims_job1 /tmp/ims_job2')
    csm_sim.set_nodes({X: sles.addr})  # where the simulated IMS SSHes for this xname
    with open(csm_sim.ims_private_key) as f:
        key_text = f.read()
    res = run_tasks([node(sles, preflight=True, ssh_private_key=key_text, wait=True, wait_timeout=60),
                     node(sles, preflight=True, ssh_private_key=csm_sim.ims_private_key)])
    first, again = res[0].result, res[1].result
    assert first['failed'] is False and first['changed'] is True
    for k, v in READY.items():
        assert first['preflight'][k] == v and first['status'][k] == v, k
    assert first['preflight']['numCurrentJobs'] == first['status']['numCurrentJobs'] == 2
    assert first['status']['xname'] == X
    assert res[0].requests() == [('GET', BASE + '/' + X), ('POST', BASE), ('GET', BASE + '/status/' + X)]
    assert again['changed'] is False and res[1].requests() == [('GET', BASE + '/' + X)]
    assert again['status'] == dict(READY, xname=X, numCurrentJobs=2)  # from the preflight
    assert known_hosts() == hosts_before  # unknown host key accepted, nothing written (as IMS)


def test_ims_status_rejects_the_debian_node(run_tasks, csm_sim, testbed_nodes):
    csm_sim.set_nodes({X: testbed_nodes['debian'].addr})
    res = run_tasks([node(testbed_nodes['debian'], wait=True, wait_timeout=1)])
    r = res[0].result
    assert r['failed'] is True and r['status']['ableToRunJobs'] is False
    assert r['status']['nodeArch'] == 'Undefined architecture type for node, result: unknown\n'
    assert "nodeArch 'Undefined architecture type for node, result: unknown\\n'" in r['msg']


def test_wrong_key_fails_the_ssh_check(run_tasks, csm_sim, testbed_nodes, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    other = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode()
    res = run_tasks([node(testbed_nodes['sles'], preflight=True, ssh_private_key=other)])
    r = res[0].result
    assert r['failed'] is True and 'failed the ssh check' in r['msg']
    assert 'Authentication failed' in r['msg'] and 'cray-ims-remote-keys' in r['msg']
    assert r['preflight']['failed_check'] == 'ssh'
    assert ('POST', BASE) not in res[0].requests()  # not registered
    assert other not in res.output


def test_closed_port_fails_fast(run_tasks, csm_sim, testbed_nodes):
    import socket
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    res = run_tasks([{'cray.csm.ims_remote_node': dict(xname=X, preflight=True, ssh_host='127.0.0.1',
                                                       ssh_port=port, ssh_private_key=csm_sim.ims_private_key)}])
    r = res[0].result
    assert r['failed'] is True and 'failed the ssh check' in r['msg'] and 'Unable to connect' in r['msg']


def test_csm_15_falls_back_to_the_preflight(run_tasks, csm_sim, testbed_nodes):
    sles = testbed_nodes['sles']
    sles.sh('rm -rf /tmp/ims_*')
    csm_sim.config(csm_version='1.5')
    res = run_tasks([node(sles, preflight=True, ssh_private_key=csm_sim.ims_private_key, wait=True)])
    r = res[0].result
    assert r['failed'] is False and r['status'] == dict(READY, xname=X, numCurrentJobs=0)
    assert any('no remote build node status endpoint' in w for w in r['warnings'])
    assert res[0].requests() == [('GET', BASE + '/' + X), ('POST', BASE), ('GET', BASE + '/status/' + X)]
