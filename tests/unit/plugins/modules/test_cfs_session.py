# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.modules import cfs_session
from ansible_collections.cray.csm.tests.unit.utils import api_error, run_module

NAME = 'build-ims-remote-image-x86-64'
PATH = '/apis/cfs/v3/sessions/' + NAME
IMAGE = 'f6d9cfc7-9291-4c46-8350-c252b919d396'
ARGS = dict(name=NAME, configuration_name='remote-ims-node', target_definition='image',
            target_groups=[dict(name='Application', members=[IMAGE])],
            image_map=[dict(source_id=IMAGE, result_name='ims-remote-image-x86_64')])


def stored(status='complete', succeeded='true', result_name='ims-remote-image-x86_64'):
    return dict(name=NAME, configuration=dict(name='remote-ims-node', limit=''),
                ansible=dict(config='cfs-default-ansible-cfg', limit='', verbosity=0, passthrough=''),
                target=dict(definition='image', groups=[dict(name='Application', members=[IMAGE])],
                            image_map=[dict(source_id=IMAGE, result_name=result_name)]),
                status=dict(artifacts=[dict(image_id=IMAGE, result_id='new-id', type='ims_customized_image')],
                            session=dict(status=status, succeeded=succeeded, job='cfs-1')),
                tags={}, logs='ara')


def run(monkeypatch, **args):
    return run_module(cfs_session.main, dict(ARGS, **args), monkeypatch)


def test_new_session_posts_the_v3_body(monkeypatch, fake_client):
    fake_client.on('GET', PATH, api_error(404, 'Session not found.'))
    fake_client.on('POST', '/apis/cfs/v3/sessions', stored(status='pending', succeeded='none'))
    result = run(monkeypatch)
    assert result['changed'] is True and result['reused'] is False
    # the body is checked against V3SessionCreate by the fake client
    assert fake_client.calls[1]['body'] == dict(
        name=NAME, configuration_name='remote-ims-node',
        target=dict(definition='image', groups=ARGS['target_groups'], image_map=ARGS['image_map']))


def test_same_request_is_reused_and_waited_for(monkeypatch, fake_client):
    answers = [stored('running', 'none'), stored()]
    fake_client.on('GET', PATH, lambda body: answers.pop(0) if len(answers) > 1 else answers[0])
    result = run(monkeypatch, wait=True, poll_interval=0)
    assert result['changed'] is False and result['reused'] is True and result['result_id'] == 'new-id'
    assert all(m == 'GET' for m, _ in fake_client.methods())


def test_other_request_fails(monkeypatch, fake_client):
    fake_client.on('GET', PATH, stored(result_name='other'))
    result = run(monkeypatch)
    assert result['failed'] and '(image_map differ)' in result['msg']


def test_failed_session_fails_with_details(monkeypatch, fake_client):
    fake_client.on('GET', PATH, stored(succeeded='false'))
    result = run(monkeypatch, wait=True)
    assert result['failed'] and 'succeeded false' in result['msg'] and 'cfs-1' in result['msg']


@pytest.mark.parametrize('name,fix', [('build-ims-remote-image-x86_64', 'build-ims-remote-image-x86-64'),
                                      ('Upper', 'upper'), ('a' * 46, 'a' * 45), ('-x-', 'x')])
def test_bad_names_fail_before_any_call_with_a_suggestion(monkeypatch, fake_client, name, fix):
    result = run(monkeypatch, name=name)
    assert result['failed'] and ('Try %r' % fix) in result['msg'] and fake_client.calls == []
