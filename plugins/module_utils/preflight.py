# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IMS remote build node check, run over SSH before IMS is asked to use the node.

It repeats what IMS does in V3RemoteBuildNodeRecord.getStatus() (SSH as root with the IMS key,
`uname -i`, `which podman`, count of /tmp/ims_*) and returns the same fields as IMS's
/remote-build-nodes/status, plus the failed check and how to fix it. Unlike IMS it sets timeouts.

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import io
import os
import socket

from ansible_collections.cray.csm.plugins.module_utils import ims_node

LOST_FIX = 'check that the node is up and not overloaded, then run again (the SSH login worked, a command did not answer)'

JOB_COUNT_CMD = 'ls -d1 /tmp/* | grep /tmp/ims_ | wc -l'


class PreflightError(Exception):
    """The check could not be set up (bad key); not a node failure."""


def load_paramiko():
    """paramiko, imported on first use (later calls get it from sys.modules): loading it takes time, and a
    run that checks no node (a registered node whose status IMS reports) does not need it. Raises ImportError
    when missing."""
    return importlib.import_module('paramiko')


def load_private_key(value):
    """A paramiko key from PEM/OpenSSH text or from a file path holding it."""
    paramiko = load_paramiko()
    text = value
    if '-----BEGIN' not in value:
        path = os.path.expanduser(value)
        if not os.path.isfile(path):
            raise PreflightError('ssh_private_key is neither key text nor a readable file: %s' % value)
        with open(path) as f:
            text = f.read()
    classes = [getattr(paramiko, n) for n in ('ECDSAKey', 'Ed25519Key', 'RSAKey') if hasattr(paramiko, n)]
    for cls in classes:
        try:
            return cls.from_private_key(io.StringIO(text))
        except (paramiko.SSHException, ValueError, TypeError, IndexError):
            continue
    raise PreflightError('ssh_private_key is not an unencrypted ECDSA, Ed25519 or RSA private key.')


class _AcceptUnknownHost(object):
    """Accept any host key in memory only, as IMS (Fabric's AutoAddPolicy) does; nothing is written."""

    def missing_host_key(self, client, hostname, key):
        return None


def _open_socket(paramiko, host, port, timeout):
    """The TCP connection for paramiko, with Nagle's algorithm off: with it on, each command's small packets
    wait for the node's delayed ACK (about 40 ms per command here). Each failure raises what paramiko's own
    connect raises, so that sshStatus reads as IMS's: a timeout or an unknown name as it is, a refusal wrapped."""
    try:
        sock = socket.create_connection((host, port), timeout)
    except (socket.timeout, socket.gaierror):  # subclasses of socket.error: not wrapped
        raise
    except socket.error as e:
        raise paramiko.ssh_exception.NoValidConnectionsError({(host, port): e}) from e
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def check_node(host, port, private_key, timeout=10):
    """Run the IMS checks on host:port. Returns a dict with the IMS status fields plus
    `failed_check` (ssh, arch, podman or None) and `fix` (what to do, or None)."""
    st = dict(sshStatus=ims_node.UNKNOWN, podmanStatus=ims_node.UNKNOWN, nodeArch=ims_node.UNKNOWN, numCurrentJobs=-1,
              ableToRunJobs=False, failed_check=None, fix=None)
    paramiko = load_paramiko()
    pkey = load_private_key(private_key)
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(_AcceptUnknownHost())
    try:
        try:
            client.connect(host, port=port, sock=_open_socket(paramiko, host, port, timeout), username='root',
                           pkey=pkey, timeout=timeout, banner_timeout=timeout, auth_timeout=timeout,
                           look_for_keys=False, allow_agent=False)
        except (paramiko.SSHException, socket.error, EOFError) as e:
            st.update(sshStatus='Unable to connect to node. Error: %s' % (e or type(e).__name__),
                      failed_check='ssh', fix=ims_node.FIX['ssh'])
            return st
        st['sshStatus'] = ims_node.SSH_OK
        return _check_tools(client, st, timeout)
    except (paramiko.SSHException, socket.error, EOFError) as e:
        # the connection dropped or timed out while a command ran
        check = 'arch' if st['nodeArch'] == ims_node.UNKNOWN else 'podman'
        st.update(failed_check=check, fix=LOST_FIX,
                  sshStatus='Connection lost while checking the node: %s' % (e or type(e).__name__))
        return st
    finally:
        client.close()


def _check_tools(client, st, timeout):
    """IMS's checks over an open connection: the architecture, podman, the number of running jobs."""
    def run(cmd):
        out = client.exec_command(cmd, timeout=timeout)[1]
        text = out.read().decode('utf-8', 'replace')
        return out.channel.recv_exit_status(), text

    rc, out = run('uname -i')
    st['nodeArch'] = ims_node.arch(out)
    if st['nodeArch'] is None:
        st.update(nodeArch='Undefined architecture type for node, result: %s' % out,
                  failed_check='arch', fix=ims_node.FIX['arch'])
        return st
    rc, out = run('which podman')
    if rc != 0 or not ims_node.podman_ok(out):
        st.update(podmanStatus=ims_node.PODMAN_MISSING if rc == 0 else
                  'Unable determine if tools are installed on node. "which podman" exited %d' % rc,
                  failed_check='podman', fix=ims_node.FIX['podman'])
        return st
    st.update(podmanStatus=ims_node.PODMAN_OK, ableToRunJobs=True)
    rc, out = run(JOB_COUNT_CMD)
    try:
        st['numCurrentJobs'] = int(out.strip())
    except ValueError:
        pass  # best effort, as in IMS
    return st


def failure_message(host, port, st):
    """One sentence naming the failed check, what was seen and the fix."""
    check = st['failed_check']
    seen = {'ssh': st['sshStatus'], 'arch': st['nodeArch'], 'podman': st['podmanStatus']}[check]
    if check != 'ssh' and st['sshStatus'] != ims_node.SSH_OK:
        seen = st['sshStatus']  # the connection was lost during this check: that is what was seen
    return 'Preflight of %s (SSH %s:%s) failed the %s check: %s. Fix: %s.' % (
        st.get('xname') or host, host, port, check, seen.strip().rstrip('.'), st['fix'])
