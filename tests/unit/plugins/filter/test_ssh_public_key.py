# -*- coding: utf-8 -*-
"""cray.csm.ssh_public_key_problem: one test per class of key, and a good key of each kind."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from jinja2 import Undefined

from ansible_collections.cray.csm.plugins.filter.ssh_public_key import FilterModule, ssh_public_key_problem

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'ims_ssh_key')
with open(os.path.join(ROLE, 'vars', 'main.yml')) as f:
    VARS = yaml.safe_load(f)
TYPES, LENGTHS = VARS['__ims_ssh_key_types'], VARS['__ims_ssh_key_blob_lengths']

# Public keys made with ssh-keygen for these tests (their private keys were not kept).
ED25519 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDyh2ZRq4woYmArCYXTD5xM2eHkatdK/ytcHVSFC3EBW test@example'
ECDSA384 = ('ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBPGtuCx3BaZRztwzUqn+LrkCW9IX'
            '4YWn+1eHLJYQTiTp26JPvCDjeLYR2DcqsqzYm97xJy+/MhfRB8up73BVYzXfpJZqKfCibuqGsk9q36uBCm/QeDmLPutMU3KEVD8c'
            'wg== test')
RSA = ('ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCf5n3JZAR8Ak9OaWLTiLIc3+Amgyqe8Ad9dyTf0P9wjbzQeojs83NZn6R1JNPz'
       'ajDvaUhHzV+CmxZEyktqREZqY+FqsyFeoaMYHxq+BUiC9uwKXm/IurjpBqdHpaHae7uxQqvAxgm8b9nunFeIoK0oOaD+UqDI/p/a'
       'JWihQjHuQRSWrmP3Kobq2C2SyUsppR1TGxsM0SFoKHOYS4rV4xNTOeZ1jyVmfwITBeqzCnfZuzTaUYeiipCfD75LcEG0/3LnF5He'
       'oNZTx+2g4aJUxJnrabDITYfViFE034PZk+RiPHyWIvL/t9/Yz5XFVa2TxDe2pKqlXKnIC5Co37teaZn6LD7XY0kyqYjAwcieRE8y'
       'zpaz6J2qXJa+eB1bmkaYfr2HRLq4MJPtowpwtyVh85yndgV3P330n216KcfsVCy4XwquMP5G5NMGuUNa2dnKCvlR7xfFky53yTB3'
       'ifGGTWJpQcgyIZqW62QHBiGFBfkuUL5wMWFzC9qDL8vmeY+InCk= test@example')
PRIVATE = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----'


def problem(key):
    return ssh_public_key_problem(key, TYPES, LENGTHS)


@pytest.mark.parametrize('key', [ED25519, ECDSA384, RSA, ED25519 + ' another comment', '  ' + ECDSA384 + '\n',
                                 ED25519.rsplit(' ', 1)[0]])
def test_good_keys(key):
    assert problem(key) == ''


def test_type_without_a_fixed_length_needs_80_characters():
    # sk-ssh-ed25519@openssh.com has no length in the role's vars: its blob must start right and be long enough.
    head = 'AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t'
    assert problem('sk-ssh-ed25519@openssh.com ' + head + 'A' * 40) == ''
    assert problem('sk-ssh-ed25519@openssh.com ' + head + 'A' * 36) == 'blob'


@pytest.mark.parametrize('key, expected', [
    ('', 'empty'),
    (' \n\t', 'empty'),
    (PRIVATE, 'private'),
    ('ssh-ed25519 PRIVATE KEY', 'private'),
    ('-----BEGIN SSH2 PUBLIC KEY-----', 'private'),
    (ED25519 + '\n' + ED25519, 'lines'),
    ('ssh-foo ' + ED25519.split()[1], 'type'),
    (ED25519.split()[1], 'type'),
    ('ssh-ed25519', 'blob'),
    (ED25519[:60], 'blob'),
    (ED25519[:-len(' test@example') - 4], 'blob'),  # base64 and 4-aligned, but shorter than ssh-ed25519 blobs are
    (ED25519[:-len(' test@example') - 1], 'blob'),  # not a multiple of 4
    ('ssh-ed25519 ' + ED25519.split()[1][:-2] + '!!', 'blob'),  # not base64
    ('ssh-ed25519 ' + ECDSA384.split()[1], 'blob'),  # the blob of another type
    ('ssh-rsa ' + ED25519.split()[1], 'blob'),  # another type, and a type with no fixed length
    ('ssh-rsa AAAAB3NzaC1yc2EAAAADAQAB', 'blob'),  # the right start, but too short for an RSA key
])
def test_each_problem(key, expected):
    assert problem(key) == expected


def test_every_class_has_its_message_in_the_role():
    # The role shows __ims_ssh_key_messages[problem]: each class the filter returns has one.
    assert sorted(VARS['__ims_ssh_key_messages']) == ['blob', 'empty', 'lines', 'private', 'type']


@pytest.mark.parametrize('args', [(None, TYPES, LENGTHS), (PRIVATE.encode(), TYPES, LENGTHS),
                                  (ED25519, 'ssh-rsa', LENGTHS), (ED25519, TYPES, [])])
def test_bad_input_is_refused_without_showing_the_key(args):
    with pytest.raises(AnsibleFilterError) as err:
        ssh_public_key_problem(*args)
    assert 'PRIVATE' not in str(err.value) and 'AAAA' not in str(err.value)


def test_an_undefined_key_stays_undefined():
    # Jinja then names the missing variable where the result is used (ansible-lint templates roles so).
    key = Undefined(name='remote_build_node_ims_public_key')
    assert ssh_public_key_problem(key, TYPES, LENGTHS) is key


def test_the_role_link_is_this_file():
    # The role runs by path in CFS (no cray.csm there): its filter_plugins/ must be this very file.
    link = os.path.join(ROLE, 'filter_plugins', 'ssh_public_key.py')
    here = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'plugins', 'filter', 'ssh_public_key.py')
    assert os.path.islink(link) and os.path.samefile(link, here)


def test_registered():
    assert FilterModule().filters() == {'ssh_public_key_problem': ssh_public_key_problem}
