# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.modules import ims_image_info
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

I1 = '4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61'
I9 = '00000000-0000-4000-8000-000000000009'
IMG = dict(id=I1, name='n', arch='x86_64', created='2024-01-02',
           link=dict(path='s3://b/%s/manifest.json' % I1, etag='e1', type='s3'))


def test_by_id(monkeypatch, fake_client):
    fake_client.on('GET', '/apis/ims/v3/images/' + I1, IMG)
    result = run_module(ims_image_info.main, dict(id=I1), monkeypatch)
    assert result['image'] == IMG and result['images'] == [IMG] and result['changed'] is False


def test_missing_id_is_empty(monkeypatch, fake_client):
    fake_client.on('GET', '/apis/ims/v3/images/' + I9, api_error(404, 'Requested resource does not exist.'))
    result = run_module(ims_image_info.main, dict(id=I9), monkeypatch)
    assert result['image'] is None and result['images'] == []


def test_an_id_that_is_no_uuid_fails_before_any_call(monkeypatch, fake_client):
    """IMS image ids are UUIDs (ims src/server/models/images.py)."""
    result = run_module(ims_image_info.main, dict(id='compute-image'), monkeypatch)
    assert result['failed'] and "not a UUID: 'compute-image'" in result['msg'] and fake_client.calls == []


def test_by_name_oldest_first(monkeypatch, fake_client):
    newer = dict(IMG, id='i2', created='2024-05-01')
    fake_client.on('GET', '/apis/ims/v3/images', [newer, dict(IMG, name='other', id='i3'), IMG])
    result = run_module(ims_image_info.main, dict(name='n'), monkeypatch)
    assert [i['id'] for i in result['images']] == [I1, 'i2'] and result['image'] is None
