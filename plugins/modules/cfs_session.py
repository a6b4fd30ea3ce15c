#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: cfs_session
short_description: Start a CFS v3 session (for example an image customization) and wait for it
version_added: 0.1.0
description:
  - Creates the CFS session O(name) (C(POST /apis/cfs/v3/sessions)) unless one with that name exists.
  - A session with the same name and the same request (configuration, target, image map, limit, tags) is
    reused, not recreated, so a second run starts nothing and returns the first run's results.
    The same name with a different request fails and says what differs.
  - With O(wait), returns when the session's C(status.session.status) is C(complete). A session that did not
    succeed fails the task with its details; a timeout fails with the last status seen.
  - This is the CFS v3 form of C(cray cfs sessions create --target-definition image ...), which in the docs
    actually calls CFS v2.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.cfs_configuration
    description: The configuration a session runs.
  - module: cray.csm.ims_image_info
    description: The image a customization session produced (its C(result_id)).
options:
  name:
    description:
      - Session name, 1 to 45 characters of lowercase letters, digits, C(-) and C(.), starting and ending with
        a letter or digit (a Kubernetes name). No C(_), so for C(x86_64) use C(x86-64).
    type: str
    required: true
  configuration_name:
    description: The CFS configuration to apply, 1 to 60 characters. Required to create a session.
    type: str
  target_definition:
    description: C(image) customizes IMS images; C(dynamic) configures booted nodes.
    type: str
    choices: [dynamic, image, spec, repo]
    default: dynamic
  target_groups:
    description:
      - Inventory groups. For O(target_definition=image) the members are IMS image ids, and the group name is
        the Ansible group the playbook targets (C(ims_computes.yml) targets C(Application) or C(Compute)).
      - Checked before any request as CFS checks them, and a failure names CFS's rule. They are required, with
        members, for C(image) and C(spec), and not allowed for C(dynamic) and C(repo); C(image) members must be
        UUIDs.
    type: list
    elements: dict
    suboptions:
      name:
        description: Group name.
        type: str
        required: true
      members:
        description: Group members (image ids for image customization).
        type: list
        elements: str
        required: true
  image_map:
    description: For O(target_definition=image), the name of the new image made from each source image.
    type: list
    elements: dict
    suboptions:
      source_id:
        description: IMS id of the image to customize.
        type: str
        required: true
      result_name:
        description: Name of the new image.
        type: str
        required: true
  ansible_limit:
    description: Ansible C(--limit) for the session.
    type: str
  tags:
    description: Key-value tags stored with the session.
    type: dict
  wait:
    description: Wait until the session is complete and fail unless it succeeded.
    type: bool
    default: false
  state:
    description: C(absent) deletes the session record (and stops it if it still runs).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.wait
  - cray.csm.attributes
  - cray.csm.attributes.changes
notes:
  - In check mode a new session is not created and not waited for; RV(result_id) is then null.
'''

EXAMPLES = r'''
- name: Customize the barebones image into an IMS remote build node image
  cray.csm.cfs_session:
    name: build-ims-remote-image-x86-64
    configuration_name: remote-ims-node
    target_definition: image
    target_groups:
      - name: Application
        members: [f6d9cfc7-9291-4c46-8350-c252b919d396]
    image_map:
      - source_id: f6d9cfc7-9291-4c46-8350-c252b919d396
        result_name: ims-remote-image-x86_64
    wait: true
  register: cfs

- name: The new image
  ansible.builtin.debug:
    var: cfs.result_id
'''

RETURN = r'''
session:
  description: The session record (C(V3SessionData)); null when absent. Predicted in check mode.
  returned: always
  type: dict
artifacts:
  description: C(status.artifacts) of the session, for image sessions one per image.
  returned: always
  type: list
  elements: dict
  sample: [{image_id: adb5abcb-45c8-4352-bc36-df47220d13e1, result_id: 295aa9a1-f56c-4307-acad-21b58d02321c,
            type: ims_customized_image}]
result_id:
  description: The C(result_id) of the first artifact, the new image's IMS id; null until the session made one.
  returned: always
  type: str
reused:
  description: True when a session with this name and request already existed.
  returned: always
  type: bool
'''

from ansible_collections.cray.csm.plugins.module_utils.errors import CsmError
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule, drop_none, wait_spec
from ansible_collections.cray.csm.plugins.module_utils.names import (
    cfs_configuration_name_error, cfs_session_name_error, image_id_error)
from ansible_collections.cray.csm.plugins.module_utils.paths import cfs_session, ims_job


def target_error(p):
    """What CFS refuses in a target (config-framework-service controllers/sessions.py
    _validate_session_target), or None."""
    groups = p['target_groups'] or []
    if p['target_definition'] in ('dynamic', 'repo'):
        return ("target_groups: CFS refuses groups with target_definition %s ('%s' target definitions must not "
                "contain groups specifications)." % (p['target_definition'], p['target_definition'])
                if groups else None)
    if not groups or any(not g['members'] for g in groups):
        return ('target_definition %s needs target_groups with members (CFS: at least one target group, and '
                'group member lists must not be empty).' % p['target_definition'])
    if p['target_definition'] == 'image':
        for g in groups:
            error = image_id_error(g['members'], 'target_groups %s (CFS takes only IMS image ids as members of '
                                                 'an image target)' % g['name'])
            if error:
                return error
    return None


def request_body(p):
    target = drop_none(dict(definition=p['target_definition'], groups=p['target_groups'],
                            image_map=p['image_map']))
    return drop_none(dict(name=p['name'], configuration_name=p['configuration_name'], target=target,
                          ansible_limit=p['ansible_limit'], tags=p['tags']))


def differences(body, session):
    """The request fields that a stored session does not match."""
    target = body['target']
    have = dict(configuration_name=(session.get('configuration') or {}).get('name'),
                target_definition=(session.get('target') or {}).get('definition'),
                target_groups=(session.get('target') or {}).get('groups') or [],
                image_map=(session.get('target') or {}).get('image_map') or [],
                ansible_limit=(session.get('ansible') or {}).get('limit') or '',
                tags=session.get('tags') or {})
    want = dict(configuration_name=body['configuration_name'], target_definition=target['definition'],
                target_groups=target.get('groups') or [], image_map=target.get('image_map') or [],
                ansible_limit=body.get('ansible_limit') or '', tags=body.get('tags') or {})
    return sorted(k for k in want if want[k] != have[k])


def summary(session):
    st = (session.get('status') or {}).get('session') or {}
    return ('status %s, succeeded %s, job %s, ims_job %s; see its logs with kubectl -n services logs '
            '-l cfsession=%s --all-containers, or %s' % (st.get('status'), st.get('succeeded'), st.get('job'),
                                                         st.get('ims_job'), session.get('name'), session.get('logs')))


def progress(module, session):
    """One progress line of a CFS session: its status, and its IMS job with that job's status."""
    st = session['status']['session']
    text = 'CFS session %s' % st.get('status')
    if st.get('ims_job'):
        text += ', IMS job %s %s' % (st['ims_job'], ims_job_status(module, st['ims_job']))
    return text


def ims_job_status(module, job_id):
    """The IMS job's status, asked only where progress is shown (the in-process path)."""
    if module.progress_hook is None:
        return ''
    try:
        return (module.client.get(ims_job(job_id), missing_ok=True) or {}).get(
            'status', 'unknown to IMS')
    except CsmError as e:
        return '(status not readable: %s)' % e


ARGUMENTS = dict(
    name=dict(type='str', required=True),
    configuration_name=dict(type='str'),
    target_definition=dict(type='str', choices=['dynamic', 'image', 'spec', 'repo'], default='dynamic'),
    target_groups=dict(type='list', elements='dict', options=dict(
        name=dict(type='str', required=True), members=dict(type='list', elements='str', required=True))),
    image_map=dict(type='list', elements='dict', options=dict(
        source_id=dict(type='str', required=True), result_name=dict(type='str', required=True))),
    ansible_limit=dict(type='str'),
    tags=dict(type='dict'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    **wait_spec())


def request_error(p):
    """What CFS would refuse in the request, or None."""
    error = cfs_session_name_error(p['name'])
    if p['state'] == 'present' and not error:
        error = cfs_configuration_name_error(p['configuration_name']) or target_error(p)
    if p['image_map'] and p['target_definition'] != 'image':
        error = 'image_map is only used with target_definition image.'
    return error


def refusal(name, body):
    """refuse() for ensure_created: a session of this name made from another request."""
    def refuse(session):
        diff = differences(body, session)
        return diff and ('CFS session %s exists with a different request (%s differ): delete it (state=absent) '
                         'or choose another name.' % (name, ', '.join(diff)))
    return refuse


def wait_outcome(module, path, exists):
    """The session at `path` once complete, failing the task unless it succeeded; None without a wait.
    An existing session is polled in check mode too (reads only)."""
    def timed_out(e):
        return dict(msg='%s Last seen: %s' % (e, summary(e.last)), session=e.last)
    session = module.waiter('CFS session %s' % module.params['name'], lambda: module.client.get(path, expect=dict),
                            lambda s: s['status']['session']['status'] == 'complete',
                            lambda s: progress(module, s), timed_out, in_check_mode=exists).wait()
    if session is not None and session['status']['session'].get('succeeded') != 'true':
        module.fail_json(msg='CFS session %s did not succeed: %s. Fix the cause, delete the session (state=absent) '
                             'and run again.' % (module.params['name'], summary(session)), session=session)
    return session


def exit_absent(module, path, before):
    if before is not None and not module.check_mode:
        module.client.delete(path, missing_ok=True)
    module.exit_with(changed=before is not None, before=before, after=None, key='session', artifacts=[],
                     result_id=None, reused=False)


def main():
    module = CsmModule(argument_spec=ARGUMENTS, required_if=[('state', 'present', ['configuration_name'])],
                       supports_check_mode=True)
    p = module.params
    error = request_error(p)
    if error:
        module.fail_json(msg=error)
    path = cfs_session(p['name'])
    with module.api_errors():
        found = module.client.get(path, missing_ok=True, expect=dict)
        if p['state'] == 'absent':
            exit_absent(module, path, found)
        body = request_body(p)
        before, session = module.ensure_created(
            'session', found, lambda: module.client.post(cfs_session(), body, expect=dict), body, path=path,
            refuse=refusal(p['name'], body))
        session = wait_outcome(module, path, before is not None) or session
    artifacts = (session.get('status') or {}).get('artifacts') or []
    module.exit_with(changed=before is None, before=before, after=session, key='session', artifacts=artifacts,
                     result_id=artifacts[0].get('result_id') if artifacts else None, reused=before is not None)


if __name__ == '__main__':
    main()
