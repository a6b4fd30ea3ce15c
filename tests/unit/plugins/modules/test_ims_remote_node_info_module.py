# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.modules import ims_remote_node_info
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

BASE = '/apis/ims/v3/remote-build-nodes'
A, B = 'x3000c0s19b4n0', 'x3000c0s19b3n0'


def run(monkeypatch, **args):
    return run_module(ims_remote_node_info.main, args, monkeypatch)


def test_all_with_status_is_two_requests(monkeypatch, fake_client):
    fake_client.on('GET', BASE, [{'xname': A}, {'xname': B}])
    fake_client.on('GET', BASE + '/status', [{'xname': A, 'ableToRunJobs': True}])
    result = run(monkeypatch, status=True)
    assert result['status_available'] is True
    assert result['remote_build_nodes'] == [{'xname': B, 'status': None},
                                            {'xname': A, 'status': {'xname': A, 'ableToRunJobs': True}}]
    assert fake_client.methods() == [('GET', BASE), ('GET', BASE + '/status')]


def test_one_missing_is_empty(monkeypatch, fake_client):
    fake_client.on('GET', BASE + '/' + A, api_error(404, 'nope'))
    result = run(monkeypatch, xname=A, status=True)
    assert result['remote_build_nodes'] == [] and result['changed'] is False
    assert fake_client.methods() == [('GET', BASE + '/' + A)]


def test_no_status_endpoint(monkeypatch, fake_client):
    fake_client.on('GET', BASE + '/' + A, {'xname': A})
    fake_client.on('GET', BASE + '/status/' + A, api_error(404, 'The requested URL was not found on the server.'))
    result = run(monkeypatch, xname=A, status=True)
    assert result['status_available'] is False
    assert result['remote_build_nodes'] == [{'xname': A, 'status': None}]


def test_bad_xname(monkeypatch, fake_client):
    result = run(monkeypatch, xname='x1')
    assert result['failed'] and 'x3000c0s19b4n0' in result['msg'] and fake_client.calls == []
