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
# ls: the listing of the port the client came to (SSH_CONNECTION's 4th field), else the common one; two
# ports stand for two nodes.
FAKE_LS = '#!/bin/sh\nset -- $SSH_CONNECTION\nf="%(d)s/tmp_listing_$4"\n[ -f "$f" ] || f="%(d)s/tmp_listing"\ncat "$f"\n'


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
    port, port2 = free_port(), free_port()
    cfg = os.path.join(d, 'sshd_config')
    with open(cfg, 'w') as f:
        f.write('\n'.join([
            'Port %d' % port, 'Port %d' % port2, 'ListenAddress 127.0.0.1', 'HostKey %s/host_key' % d,
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

    def setup(arch='x86_64', which='present', listing='/tmp/ims_1\n/tmp/ims_2\n/tmp/other\n', listing2=None):
        """listing2: what `ls` shows on the second port (port2), else the same listing."""
        for name, value in (('arch', arch + '\n'), ('which', which), ('tmp_listing', listing)):
            with open(os.path.join(d, name), 'w') as f:
                f.write(value)
        second = os.path.join(d, 'tmp_listing_%d' % port2)
        if listing2 is None:
            if os.path.exists(second):
                os.remove(second)
        else:
            with open(second, 'w') as f:
                f.write(listing2)
    setup.port = port
    setup.port2 = port2
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


# Where a new job goes (ims src/server/models/jobs.py find_remote_node_for_job): QUIRKS.md "IMS job placement".
Y = 'x3000c0s19b3n0'


def place(api, csm_sim, **kw):
    kw.setdefault('footprint', False)  # the fake commands here cannot run a job
    return csm_sim.place_job(**kw)


def test_new_job_skips_a_node_that_fails_the_check(api, csm_sim, sshd):
    """A registered node that IMS cannot log in to (its key not authorized, as after a reboot before the
    layer ran) gets no job: the job runs in Kubernetes; once the key is back, the next job goes to it."""
    sshd(listing='')
    csm_sim.set_nodes({X: '127.0.0.1:%d' % sshd.port})
    api.call('POST', P, {'xname': X})
    keys = os.path.join(sshd.dir, 'authorized_keys')
    saved = open(keys).read()
    try:
        with open(keys, 'w') as f:
            f.write('')
        job = place(api, csm_sim)
    finally:
        with open(keys, 'w') as f:
            f.write(saved)
    assert job['remote_build_node'] == '', job
    assert [c['sshStatus'] for c in job['_sim']['checked']] == ['Unable to connect to node. Error: Authentication failed.']
    assert api.call('GET', '/apis/ims/v3/jobs/' + job['id'], validate=False).json()['remote_build_node'] == ''
    job = place(api, csm_sim)
    assert job['remote_build_node'] == X and job['_sim']['checked'][0]['ableToRunJobs'] is True, job


def test_new_job_goes_to_the_node_with_the_fewest_jobs(api, csm_sim, sshd):
    """Both nodes pass: the one with fewer /tmp/ims_* wins, whichever was registered first; an unknown count
    (-1) never wins over a known one; a node of another arch, or one that does not resolve, is skipped."""
    sshd(listing='/tmp/ims_a\n/tmp/ims_b\n', listing2='/tmp/ims_c\n/tmp/other\n')
    csm_sim.set_nodes({X: '127.0.0.1:%d' % sshd.port, Y: '127.0.0.1:%d' % sshd.port2})
    for x in ('x9000c0s0b0n0', X, Y):  # the first one has no address: its check fails
        api.call('POST', P, {'xname': x})
    job = place(api, csm_sim)
    assert job['remote_build_node'] == Y, job
    assert [c['numCurrentJobs'] for c in job['_sim']['checked']] == [-1, 2, 1], job['_sim']
    sshd(listing='/tmp/ims_a\n', listing2='/tmp/ims_c\n')  # a tie: the first registered
    assert place(api, csm_sim)['remote_build_node'] == X
    assert place(api, csm_sim, arch='aarch64')['remote_build_node'] == ''  # no aarch64 node
