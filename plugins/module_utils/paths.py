# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API paths of each CSM service behind the gateway, one place per service.

Each prefix is the service's upstream spec servers/basePath; each function gives the path of a collection
or, with an id, of one object in it, the id quoted as one path segment.

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

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


# IMS
def ims_image(image_id=None):
    return _path(IMS, '/images', image_id)


def ims_job(job_id=None):
    return _path(IMS, '/jobs', job_id)


def ims_remote_node(xname=None):
    return _path(IMS, '/remote-build-nodes', xname)


def ims_remote_node_status(xname=None):
    return _path(IMS, '/remote-build-nodes/status', xname)


# CFS v3
def cfs_session(name=None):
    return _path(CFS, '/sessions', name)


def cfs_configuration(name=None):
    return _path(CFS, '/configurations', name)


# BOS v2
def bos_session(name=None):
    return _path(BOS, '/sessions', name)


def bos_session_status(name):
    return bos_session(name) + '/status'


def bos_sessiontemplate(name=None):
    return _path(BOS, '/sessiontemplates', name)


# HSM (SMD)
def hsm_component(xname):
    return _path(HSM, '/State/Components', xname)


def hsm_locks(action):
    """Paths of HSM's lock API: lock, unlock, status, reservations, service/reservations."""
    return HSM + '/locks/' + action


# SLS
def sls_network(name=None):
    return _path(SLS, '/networks', name)
