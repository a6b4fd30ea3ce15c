# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.modules import ims_image_info
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

IMG = dict(id='i1', name='n', arch='x86_64', created='2024-01-02', link=dict(path='s3://b/i1/manifest.json',
                                                                            etag='e1', type='s3'))


def test_by_id(monkeypatch, fake_client):
    fake_client.on('GET', '/apis/ims/v3/images/i1', IMG)
    result = run_module(ims_image_info.main, dict(id='i1'), monkeypatch)
    assert result['image'] == IMG and result['images'] == [IMG] and result['changed'] is False


def test_missing_id_is_empty(monkeypatch, fake_client):
    fake_client.on('GET', '/apis/ims/v3/images/i9', api_error(404, 'Requested resource does not exist.'))
    result = run_module(ims_image_info.main, dict(id='i9'), monkeypatch)
    assert result['image'] is None and result['images'] == []


def test_by_name_oldest_first(monkeypatch, fake_client):
    newer = dict(IMG, id='i2', created='2024-05-01')
    fake_client.on('GET', '/apis/ims/v3/images', [newer, dict(IMG, name='other', id='i3'), IMG])
    result = run_module(ims_image_info.main, dict(name='n'), monkeypatch)
    assert [i['id'] for i in result['images']] == ['i1', 'i2'] and result['image'] is None
