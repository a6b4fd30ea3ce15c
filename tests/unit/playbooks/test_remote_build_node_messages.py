# -*- coding: utf-8 -*-
"""What remote_build_node.yml and its role cray.csm.remote_build_node tell a user must be true of what they do."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'roles', 'remote_build_node')
CREDENTIALS = os.path.join(ROLE, 'tasks', 'credentials.yml')


def tasks(node):
    """Every task mapping in a play tree."""
    if isinstance(node, list):
        for item in node:
            yield from tasks(item)
    elif isinstance(node, dict):
        yield node
        for key in ('tasks', 'block', 'rescue', 'always'):
            yield from tasks(node.get(key) or [])


def test_credential_rescue_says_only_the_private_key_may_be_a_path():
    # the public key goes into authorized_keys as it is (ims_ssh_key_public_key); only the
    # private key reaches a module that reads a path (ims_remote_node ssh_private_key)
    with open(CREDENTIALS) as f:
        play = yaml.safe_load(f)
    msgs = [t['ansible.builtin.fail']['msg'] for t in tasks(play) if t.get('name') == 'Say what is missing']
    assert len(msgs) == 1
    msg = ' '.join(msgs[0].split())
    assert 'remote_build_node_ims_public_key (text)' in msg
    assert 'remote_build_node_ims_private_key (text or path)' in msg
