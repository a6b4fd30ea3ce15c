# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API paths of each CSM service behind the gateway, one place per service.

Each prefix is the servers/basePath of the service's upstream OpenAPI spec; each path function gives the path
of a collection or, with an id, of one object in it, the id quoted as one path segment.

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from functools import partial
from urllib.parse import quote

IMS = '/apis/ims/v3'
CFS = '/apis/cfs/v3'
BOS = '/apis/bos/v2'
HSM = '/apis/smd/hsm/v2'
SLS = '/apis/sls/v1'


def quote_id(value):
    """A path segment from a user value (xname, name, id)."""
    return quote(str(value), safe='')


def _path(prefix, collection, object_id=None):
    return prefix + collection + ('' if object_id is None else '/' + quote_id(object_id))


# Each: the collection's path, or with an id, that object's path.
ims_image = partial(_path, IMS, '/images')
ims_job = partial(_path, IMS, '/jobs')
ims_remote_node = partial(_path, IMS, '/remote-build-nodes')
ims_remote_node_status = partial(_path, IMS, '/remote-build-nodes/status')
cfs_session = partial(_path, CFS, '/sessions')
cfs_configuration = partial(_path, CFS, '/configurations')
cfs_component = partial(_path, CFS, '/components')
bos_session = partial(_path, BOS, '/sessions')
bos_sessiontemplate = partial(_path, BOS, '/sessiontemplates')
hsm_component = partial(_path, HSM, '/State/Components')
hsm_group = partial(_path, HSM, '/groups')
sls_network = partial(_path, SLS, '/networks')


def bos_session_status(name):
    return bos_session(name) + '/status'


def hsm_locks(action):
    """Paths of HSM's lock API: lock, unlock, status, reservations, service/reservations."""
    return HSM + '/locks/' + action
