"""The IMS node check against a real, throwaway sshd on 127.0.0.1 (ims src/server/models/remote_build_nodes.py getStatus).

The sshd runs as root with its own config, host key and AuthorizedKeysFile. An `environment=`
option on the IMS key puts a directory of fake commands first on PATH: `uname`, `which` and
`ls` print what the test asks for, so nothing on the machine (e.g. /usr/bin/podman) is touched
and /tmp is not counted for real.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from testbed.nodes import free_port

P = '/apis/ims/v3/remote-build-nodes'
X = 'x3000c0s19b4n0'
SSHD = '/usr/sbin/sshd'

FAKE_UNAME = '#!/bin/sh\ncat "%(d)s/arch"\n'
# which: mode file says what `which podman` does
FAKE_WHICH = '''#!/bin/sh
mode=$(cat "%(d)s/which")
case "$mode" in
  present) echo /usr/bin/podman ;;
  elsewhere) echo /opt/bin/podman ;;
  *) exit 1 ;;
esac
'''
FAKE_LS = '#!/bin/sh\ncat "%(d)s/tmp_listing"\n'


@pytest.fixture(scope='module')
def sshd(_csm_sim_process):
    assert os.path.exists(SSHD), 'no %s (bindep.txt: tests/run setup installs openssh-server)' % SSHD
    if os.geteuid() != 0:  # never on the machines here (root); a contributor's own may differ
        pytest.skip('sshd must run as root to log in as root')
    d = tempfile.mkdtemp(prefix='ims-sshd-')
    os.chmod(d, 0o755)
    bindir = os.path.join(d, 'bin')
    os.mkdir(bindir)
    for name, text in (('uname', FAKE_UNAME), ('which', FAKE_WHICH), ('ls', FAKE_LS)):
        path = os.path.join(bindir, name)
        with open(path, 'w') as f:
            f.write(text % {'d': d})
        os.chmod(path, 0o755)
    subprocess.check_call(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', os.path.join(d, 'host_key')])
    path_env = '%s:/usr/bin:/bin' % bindir
    with open(os.path.join(d, 'authorized_keys'), 'w') as f:
        f.write('environment="PATH=%s" %s\n' % (path_env, _csm_sim_process.ims_public_key))
    port = free_port()
    cfg = os.path.join(d, 'sshd_config')
    with open(cfg, 'w') as f:
        f.write('\n'.join([
            'Port %d' % port, 'ListenAddress 127.0.0.1', 'HostKey %s/host_key' % d,
            'PidFile %s/sshd.pid' % d, 'AuthorizedKeysFile %s/authorized_keys' % d,
            'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
            'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
            'PermitUserEnvironment PATH', 'Subsystem sftp internal-sftp', '']))
    os.makedirs('/run/sshd', exist_ok=True)  # privilege separation directory
    proc = subprocess.Popen([SSHD, '-D', '-e', '-f', cfg], stderr=subprocess.PIPE)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail('sshd did not start: %s' % proc.stderr.read().decode())

    def setup(arch='x86_64', which='present', listing='/tmp/ims_1\n/tmp/ims_2\n/tmp/other\n'):
        for name, value in (('arch', arch + '\n'), ('which', which), ('tmp_listing', listing)):
            with open(os.path.join(d, name), 'w') as f:
                f.write(value)
    setup.port = port
    setup.dir = d
    yield setup
    proc.terminate()
    proc.wait(10)
    shutil.rmtree(d, ignore_errors=True)


def check(api, csm_sim, sshd):
    csm_sim.set_nodes({X: '127.0.0.1:%d' % sshd.port})
    api.call('POST', P, {'xname': X})
    r = api.call('GET', P + '/status/' + X, validate=False)  # object: QUIRKS.md Q-IMS-3
    assert r.status_code == 200
    listed = api.call('GET', P + '/status').json()  # the array form conforms to the spec
    assert listed == [r.json()]
    return r.json()


def test_usable_x86_node(api, csm_sim, sshd):
    sshd()
    assert check(api, csm_sim, sshd) == {
        'xname': X, 'sshStatus': 'SSH connection established.', 'nodeArch': 'x86_64',
        'podmanStatus': 'Podman present at /usr/bin/podman', 'numCurrentJobs': 2, 'ableToRunJobs': True}


def test_aarch64_node_no_jobs(api, csm_sim, sshd):
    sshd(arch='aarch64', listing='/tmp/other\n')
    st = check(api, csm_sim, sshd)
    assert st['nodeArch'] == 'aarch64' and st['numCurrentJobs'] == 0 and st['ableToRunJobs'] is True


def test_unknown_arch(api, csm_sim, sshd):
    sshd(arch='unknown')
    st = check(api, csm_sim, sshd)
    assert st['sshStatus'] == 'SSH connection established.'
    assert st['nodeArch'].startswith('Undefined architecture type for node, result: unknown')
    assert st['podmanStatus'] == 'Unknown' and st['ableToRunJobs'] is False
    assert st['numCurrentJobs'] == -1


def test_podman_missing(api, csm_sim, sshd):
    sshd(which='absent')
    st = check(api, csm_sim, sshd)
    assert st['nodeArch'] == 'x86_64'
    assert st['podmanStatus'].startswith('Unable determine if tools are installed on node. Error: ')
    assert st['ableToRunJobs'] is False


def test_podman_elsewhere(api, csm_sim, sshd):
    sshd(which='elsewhere')
    st = check(api, csm_sim, sshd)
    assert st['podmanStatus'] == 'Podman not installed on node.' and st['ableToRunJobs'] is False


def test_key_not_authorized(api, csm_sim, sshd):
    sshd()
    keys = os.path.join(sshd.dir, 'authorized_keys')
    saved = open(keys).read()
    try:
        with open(keys, 'w') as f:
            f.write('')
        st = check(api, csm_sim, sshd)
    finally:
        with open(keys, 'w') as f:
            f.write(saved)
    assert st['sshStatus'] == 'Unable to connect to node. Error: Authentication failed.'
    assert st['ableToRunJobs'] is False


def test_private_key_file_logs_in(csm_sim, sshd):
    """The fixture's .ims_private_key is the key IMS uses: OpenSSH accepts it."""
    sshd()
    out = subprocess.check_output(
        ['ssh', '-i', csm_sim.ims_private_key, '-p', str(sshd.port), '-o', 'StrictHostKeyChecking=no',
         '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes',
         'root@127.0.0.1', 'uname -i'], stderr=subprocess.DEVNULL, timeout=30)
    assert out.decode().strip() == 'x86_64'
