# -*- coding: utf-8 -*-
"""preflight key loading and messages; hsm helpers; xname checks."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import socket

import pytest

from ansible_collections.cray.csm.plugins.module_utils import ims_node
from ansible_collections.cray.csm.plugins.module_utils import preflight as pf
from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.hsm import lock_status, why_blocked
from ansible_collections.cray.csm.plugins.module_utils.xname import node_xname_error, unique, xname_list


def pem(kind):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    key = {'ecdsa': lambda: ec.generate_private_key(ec.SECP384R1()),
           'ed25519': ed25519.Ed25519PrivateKey.generate,
           'rsa': lambda: rsa.generate_private_key(65537, 2048)}[kind]()
    fmt = serialization.PrivateFormat.OpenSSH if kind == 'ed25519' else serialization.PrivateFormat.TraditionalOpenSSL
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


def test_preflight_socket_sends_at_once_and_words_a_refusal_as_paramiko():
    paramiko = pf.load_paramiko()
    server = socket.socket()
    server.bind(('127.0.0.1', 0))
    server.listen(1)
    port = server.getsockname()[1]
    try:
        sock = pf._open_socket(paramiko, '127.0.0.1', port, 5)
        # Nagle off: each SSH command would otherwise wait for the node's delayed ACK
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        sock.close()
    finally:
        server.close()
    with pytest.raises(paramiko.ssh_exception.NoValidConnectionsError) as e:
        pf._open_socket(paramiko, '127.0.0.1', port, 5)  # nothing listens there now
    assert 'Unable to connect to port %d on 127.0.0.1' % port in str(e.value)


@pytest.mark.parametrize('kind', ['ecdsa', 'ed25519', 'rsa'])
def test_load_private_key_text_and_path(tmp_path, kind):
    text = pem(kind)
    path = tmp_path / 'key'
    path.write_text(text)
    assert pf.load_private_key(text).get_bits() == pf.load_private_key(str(path)).get_bits()


def test_load_private_key_errors(tmp_path):
    with pytest.raises(pf.PreflightError) as e:
        pf.load_private_key(str(tmp_path / 'missing'))
    assert 'neither key text nor a readable file' in str(e.value)
    with pytest.raises(pf.PreflightError) as e:
        pf.load_private_key('-----BEGIN OPENSSH PRIVATE KEY-----\ngarbage\n-----END OPENSSH PRIVATE KEY-----\n')
    assert 'not an unencrypted' in str(e.value) and 'garbage' not in str(e.value)


@pytest.mark.parametrize('status,seen', [
    # the failed check names what it saw
    (dict(sshStatus='SSH connection established.', podmanStatus='Podman not installed on node.',
          failed_check='podman', fix=ims_node.FIX['podman']), 'Podman not installed on node'),
    # a connection lost during a check names the loss, not the check's "Unknown"
    (dict(sshStatus='Connection lost while checking the node: timed out', podmanStatus='Unknown',
          failed_check='arch', fix=pf.LOST_FIX), 'Connection lost while checking the node: timed out'),
])
def test_failure_message_names_check_what_was_seen_and_fix(status, seen):
    st = dict(status, nodeArch='Unknown', xname='x1c0s0b0n0')
    assert pf.failure_message('h', 22, st) == 'Preflight of x1c0s0b0n0 (SSH h:22) failed the %s check: %s. Fix: %s.' % (
        st['failed_check'], seen, st['fix'])


def test_paramiko_is_loaded_on_first_use_only():
    assert 'paramiko' not in pf.__dict__  # no module-level import: runs that check no node skip its cost
    assert pf.load_paramiko() is importlib.import_module('paramiko')  # tests/unit/requirements.txt


def component_ids(values):
    return xname_list(values, 'component_ids', nodes=False)


def test_unique_and_ids_errors():
    assert unique(['b', 'a', 'b', 'c', 'a']) == ['b', 'a', 'c']
    assert component_ids(['x3000c0s19b4n0', 'x3000c0s19b4', 'x1000c1']) == (
        None, ['x3000c0s19b4n0', 'x3000c0s19b4', 'x1000c1'], {})
    assert 'at least one' in component_ids([])[0]
    msg = component_ids(['x3000c0s19b4n0', 'n1', 'x3000-c0'])[0]
    assert "'n1'" in msg and "'x3000-c0'" in msg and 'x3000c0s19b4n0' in msg.split('Expected')[1]


def test_component_ids_are_canonical_without_repeats():
    """HSM normalises every xname (hms-xname NormalizeHMSCompID): the module asks and answers in that form."""
    error, ids, rewritten = component_ids(['X3000C0S19B04N0', 'x3000c0s19b4n0', ' x3000c0s19b3n0 ', 'x3000c0s19b04n0'])
    assert error is None and ids == ['x3000c0s19b4n0', 'x3000c0s19b3n0']
    assert rewritten == {'X3000C0S19B04N0': 'x3000c0s19b4n0', ' x3000c0s19b3n0 ': 'x3000c0s19b3n0',
                         'x3000c0s19b04n0': 'x3000c0s19b4n0'}


def test_node_xname_lists_are_canonical_unique_node_xnames():
    assert xname_list(['X3000C0S19B04N0', 'x3000c0s19b4n0'], 'xnames') == (
        None, ['x3000c0s19b4n0'], {'X3000C0S19B04N0': 'x3000c0s19b4n0'})
    assert xname_list([], 'xnames')[0] == 'xnames is empty: give at least one node xname, for example x3000c0s19b4n0.'
    error, ids, rewritten = xname_list(['x3000c0s19b4n0', 'x3000c0s19b4'], 'xnames')  # a BMC is no node
    assert ids == [] and rewritten == {} and error.startswith("Not a node xname: 'x3000c0s19b4'.")


def test_one_validator_for_xname_lists():
    """The modules that take a list of xnames check it with xname_list, none with its own loop."""
    import os
    coll = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
    for name in ('hsm_lock', 'hsm_lock_info', 'remote_node_boot_plan'):
        with open(os.path.join(coll, 'plugins', 'modules', name + '.py')) as f:
            text = f.read()
        assert 'xname_list(' in text and 'canonical_xnames(' not in text and 'component_ids(' not in text, name


class StatusClient(object):
    def __init__(self, answer):
        self.answer, self.calls = answer, []

    def post(self, path, body, safe=False):
        self.calls.append((path, body, safe))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_lock_status_is_one_safe_post():
    client = StatusClient({'Components': [{'ID': 'x1c0s0b0n0', 'Locked': True}], 'NotFound': ['x2c0s0b0n0']})
    records, missing = lock_status(client, ('x1c0s0b0n0', 'x2c0s0b0n0'))
    assert records == {'x1c0s0b0n0': {'ID': 'x1c0s0b0n0', 'Locked': True}} and missing == ['x2c0s0b0n0']
    assert client.calls == [('/apis/smd/hsm/v2/locks/status', {'ComponentIDs': ['x1c0s0b0n0', 'x2c0s0b0n0']}, True)]


def test_lock_status_when_hsm_knows_none():
    """HSM answers 400 "Component not found" instead of a NotFound list when it knows none of the ids."""
    client = StatusClient(CsmApiError('POST', '/locks/status', 400, 'Bad Request', 'Component not found'))
    assert lock_status(client, ['x1c0s0b0n0', 'x2c0s0b0n0']) == ({}, ['x1c0s0b0n0', 'x2c0s0b0n0'])
    client = StatusClient(CsmApiError('POST', '/locks/status', 400, 'Bad Request', 'Argument was not a valid xname ID'))
    with pytest.raises(CsmApiError):
        lock_status(client, ['x1c0s0b0n0'])


def test_lock_status_missing_without_not_found_key():
    """The unknown ids are what the records lack, whatever NotFound says (it is omitted when empty)."""
    client = StatusClient({'Components': [{'ID': 'x1c0s0b0n0', 'Locked': False}]})
    assert lock_status(client, ['x2c0s0b0n0', 'x1c0s0b0n0', 'x3c0s0b0n0'])[1] == ['x2c0s0b0n0', 'x3c0s0b0n0']


@pytest.mark.parametrize('record,words', [
    ({'ID': 'x1c0s0b0n0', 'Reserved': True, 'ExpirationTime': '2099-12-01T10:00:00Z'},
     ['x1c0s0b0n0', 'until 2099-12-01T10:00:00Z', 'PCS, FAS or BOS']),
    # expired, but smd releases it only at its next cleanup round (about every 30 s)
    ({'ID': 'x1c0s0b0n0', 'Reserved': True, 'ExpirationTime': '2020-12-01T10:00:00.123456+01:00'},
     ['x1c0s0b0n0', 'expired at 2020-12-01T10:00:00.123456+01:00', 'HSM still holds', 'every 30 s']),
    ({'ID': 'x1c0s0b0n0', 'Reserved': True, 'CreationTime': '2026-12-01T09:00:00Z'},
     ['x1c0s0b0n0', 'admin', 'no expiry', 'since 2026-12-01T09:00:00Z', '/locks/reservations/remove']),
    ({'ID': 'x1c0s0b0n0', 'Reserved': False, 'ReservationDisabled': True},
     ['x1c0s0b0n0', 'reservations disabled', 'cray hsm locks repair create --component-ids x1c0s0b0n0']),
])
def test_why_blocked_names_node_holder_and_time(record, words):
    msg = why_blocked(record)
    assert all(w in msg for w in words), msg


@pytest.mark.parametrize('name,ok', [('x3000c0s19b4n0', True), ('x1c0s0b0n0', True), ('x3000c0s19b4', False),
                                     ('x3000c0s19b4n0n1', False), ('nid000001', False), ('', False)])
def test_node_xname(name, ok):
    assert (node_xname_error([name]) is None) is ok


def test_expired_since_reads_rfc3339_with_offsets():
    from ansible_collections.cray.csm.plugins.module_utils.hsm import expired_since
    at = {'Reserved': True, 'ExpirationTime': '2026-12-01T10:00:00Z'}
    assert expired_since(at, now=1796119200 + 5) == 5  # 2026-12-01T10:00:00Z is 1796119200
    assert expired_since(dict(at, ExpirationTime='2026-12-01T11:00:00+01:00'), now=1796119200 + 5) == 5
    assert expired_since(at, now=1796119200 - 1) is None  # not yet expired
    assert expired_since(dict(at, Reserved=False), now=1796119205) is None
    assert expired_since({'Reserved': True}, now=1796119205) is None  # an admin's: no expiry
