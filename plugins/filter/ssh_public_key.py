# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is wrong with an SSH public key given as text, without ever repeating the key.

roles/ims_ssh_key/filter_plugins/ssh_public_key.py is a link to this file: the role runs by path in CFS,
where cray.csm is not installed, on ansible-core 2.11. So this file imports only what 2.11 has, and
nothing from the collection.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: ssh_public_key_problem
short_description: What is wrong with an SSH public key line, as one word
version_added: 0.2.0
description:
  - Classifies the text of an OpenSSH public key (C(type blob [comment]), as in C(authorized_keys)) and returns the
    first problem found, or an empty string for a good key. Leading and trailing white space is ignored.
  - C(empty) nothing; C(private) a private key (C(PRIVATE KEY), or a C(-----BEGIN) block);
    C(lines) more than one line; C(type) the first field is not one of O(types);
    C(blob) the second field is missing, is not base64, is not a multiple of 4 long, does not start with the encoded
    length and name of its type (as every OpenSSH key blob does), or is not as long as O(blob_lengths) says for its
    type (80 characters at least for a type not in O(blob_lengths)).
  - The result never contains the key, so that a private key pasted by mistake is not shown.
  - Role cray.csm.ims_ssh_key uses it to refuse a bad IMS key before C(authorized_keys) is touched.
author:
  - cray.csm contributors (!UNKNOWN)
positional: _input, types, blob_lengths
options:
  _input:
    description: The key text.
    type: str
    required: true
  types:
    description: The key types accepted, such as C(ssh-ed25519) or C(ecdsa-sha2-nistp384).
    type: list
    elements: str
    required: true
  blob_lengths:
    description: The base64 length of the key blob of each fixed-size key type (C(ssh-ed25519) is 68), which
      catches a truncated copy.
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Refuse a bad key
  ansible.builtin.fail:
    msg: "The key is not a valid public key ({{ problem }})."
  vars:
    problem: "{{ key | cray.csm.ssh_public_key_problem(['ssh-ed25519', 'ssh-rsa'], {'ssh-ed25519': 68}) }}"
  when: problem | length > 0
'''

RETURN = r'''
_value:
  description: One of C(empty), C(private), C(lines), C(type), C(blob), or an empty string for a good key.
  type: str
'''

import base64
import re
import struct
from collections.abc import Mapping, Sequence

from ansible.errors import AnsibleFilterError
from jinja2 import Undefined

BASE64 = re.compile(r'^[A-Za-z0-9+/]+={0,2}$')


def _blob_head(key_type):
    """The base64 characters that only the blob's first bytes make, a 4-byte length and the key type again
    (RFC 4253 6.6): the characters before the first one that also depends on the bytes after them."""
    name = key_type.encode('utf-8')
    head = struct.pack('>I', len(name)) + name
    return base64.b64encode(head).decode('ascii')[:4 * ((4 + len(key_type)) // 3)]


def _blob_problem(key_type, blob, blob_lengths):
    if not BASE64.match(blob) or len(blob) % 4 != 0 or not blob.startswith(_blob_head(key_type)):
        return True
    if key_type in blob_lengths:
        return len(blob) != int(blob_lengths[key_type])
    return len(blob) < 80


def ssh_public_key_problem(key, types, blob_lengths):
    if isinstance(key, Undefined):
        return key  # Jinja then names the undefined variable where the result is used
    if not isinstance(key, str):
        # The value is not shown: it could be a private key.
        raise AnsibleFilterError('ssh_public_key_problem: expected the key as text, got a %s' % type(key).__name__)
    if isinstance(types, str) or not isinstance(types, Sequence) or not isinstance(blob_lengths, Mapping):
        raise AnsibleFilterError('ssh_public_key_problem: types must be a list and blob_lengths a mapping')
    key = key.strip()
    fields = key.split()
    if not key:
        return 'empty'
    if 'PRIVATE KEY' in key or key.startswith('-----BEGIN'):
        return 'private'
    if len(key.splitlines()) > 1:
        return 'lines'
    if fields[0] not in types:
        return 'type'
    if len(fields) < 2 or _blob_problem(fields[0], fields[1], blob_lengths):
        return 'blob'
    return ''


class FilterModule(object):
    def filters(self):
        return {'ssh_public_key_problem': ssh_public_key_problem}
