# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names CSM's services validate, checked the same way before any request (xnames: xname.py), and the
architecture names each service uses.

Private to cray.csm (its modules and plugins use it); not a public API."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import uuid

# BOS session, session template and boot set names (bos api/openapi.yaml V2SessionName,
# SessionTemplateName, BootSetName: 1 to 127 characters).
BOS_NAME = re.compile(r'^[a-zA-Z0-9](?:[-._a-zA-Z0-9]{0,125}[a-zA-Z0-9])?$')


# CFS v3 session names: a Kubernetes name of at most 45 characters (config-framework-service
# api/openapi.yaml V3SessionCreate.name).
CFS_SESSION_NAME = re.compile(r'^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')

# Architectures. IMS names an image's x86_64 or aarch64 (ims src/server/models/images.py, arch); HSM components
# and BOS boot sets name them X86, ARM, Other or Unknown (bos api/openapi.yaml, boot set arch); uname prints
# x86_64 or aarch64, Debian says arm64. IMAGE_ARCH: each name the collection takes, to IMS's.
IMAGE_ARCH = {'x86_64': 'x86_64', 'aarch64': 'aarch64', 'X86': 'x86_64', 'ARM': 'aarch64', 'x86': 'x86_64',
              'arm64': 'aarch64'}
HSM_ARCHES = ('X86', 'ARM', 'Other', 'Unknown')
HSM_ARCH = dict((IMAGE_ARCH[a], a) for a in ('X86', 'ARM'))  # IMS's name -> HSM's and BOS's


def cfs_session_name_error(name):
    """An error message, with a name CFS would take, for a CFS session name CFS would refuse, or None."""
    if len(name) <= 45 and CFS_SESSION_NAME.match(name):
        return None
    fixed = re.sub(r'[^-a-z0-9.]', '-', name.lower()).strip('-.')[:45].strip('-.')
    return ('Invalid CFS session name %r: CFS v3 takes 1 to 45 lowercase letters, digits, - and ., '
            'starting and ending with a letter or digit (no _). Try %r.' % (name, fixed))


def bos_name_error(kind, name):
    """An error message for a BOS name the API would refuse, or None."""
    if BOS_NAME.match(name):
        return None
    return ('Invalid %s %r: BOS takes 1 to 127 letters, digits, ., - and _, starting and ending with a letter '
            'or digit.' % (kind, name))


def cfs_configuration_name_error(name):
    """CFS v3 configuration names are 1 to 60 characters (config-framework-service api/openapi.yaml:
    configuration_id, V3SessionCreate.configuration_name)."""
    if 1 <= len(name) <= 60:
        return None
    return 'Invalid CFS configuration name %r: CFS v3 takes 1 to 60 characters; it has %d.' % (name, len(name))


def is_uuid(value):
    """IMS image ids are UUIDs (ims src/server/models/images.py: id = fields.UUID), as CFS checks
    (config-framework-service controllers/sessions.py _validate_session_target: UUID(member))."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def image_id_error(values, where='IMS image id'):
    """An error message for values that are not IMS image ids, or None."""
    bad = [v for v in values if not is_uuid(v)]
    if not bad:
        return None
    return ('%s: not a UUID: %s. IMS image ids are UUIDs (for example 4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61); '
            'find one by name with cray.csm.ims_image_info.' % (where, ', '.join(repr(v) for v in bad)))
