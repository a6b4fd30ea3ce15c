#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: bos_session
short_description: Boot, reboot or shut down nodes with a BOS v2 session and follow it
version_added: 0.1.0
description:
  - Creates a BOS session (C(POST /apis/bos/v2/sessions)) that applies the template O(template_name) to the
    nodes in O(limit), and with O(wait) follows it until it is complete
    (C(GET /apis/bos/v2/sessions/{name}) and its extended status C(/status)).
  - A BOS session is an action, not a state, so without O(name) every run starts a new session.
    To make a task idempotent, give O(name). A session with that name that already exists for the same
    template, limit and O(stage) is reused (followed with O(wait), never started again), which is how
    C(cray.csm.build_remote_node_image) avoids booting a node twice. A name whose session was for another
    template, limit or O(stage) fails (a staged session does nothing until it is started, so a wait on it
    would wait for a session BOS never runs). O(operation) is not compared, because a playbook that picks C(boot) or
    C(reboot) from the power state sees the node on after its own boot. BOS deletes completed sessions
    after its C(cleanup_completed_session_ttl) option (7 days by default), and after that the name is free and a
    run starts a new session.
  - A session that ends with an error or with failed nodes fails the task with BOS's error summary. The error
    C(No nodes were found to act upon) is explained, because BOS (CSM 1.7 and later) skips nodes locked in HSM.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.bos_sessiontemplate
    description: The session template a session boots from.
  - module: cray.csm.hsm_lock
    description: BOS skips locked nodes; unlock them first.
  - module: cray.csm.hsm_component_info
    description: Power state of a node, to choose boot or reboot.
options:
  template_name:
    description: The session template to apply.
    type: str
    required: true
  operation:
    description:
      - C(boot) boots nodes that are off and reboots nodes whose boot artifacts differ; C(reboot) always
        reboots; C(shutdown) powers nodes off. The CSM docs use C(reboot) for a node that is on and C(boot) for
        a node that is off.
    type: str
    choices: [boot, reboot, shutdown]
    required: true
  limit:
    description:
      - Comma-separated xnames, groups or roles the session is limited to (C(&) and, C(!) not).
      - Node xnames are sent canonical (lower case, no leading zeros), because BOS compares them exactly with
        HSM's names.
    type: str
  name:
    description:
      - Session name, 1 to 127 letters, digits, C(.), C(-) and C(_). When not given BOS makes a UUID and every
        run starts a session.
    type: str
  stage:
    description: Stage the session instead of acting now.
    type: bool
    default: false
  include_disabled:
    description: Include nodes disabled in HSM.
    type: bool
    default: false
  wait:
    description: Wait until the session is complete and fail when it has an error or failed nodes.
    type: bool
    default: false
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.wait
  - cray.csm.attributes
  - cray.csm.attributes.changes
notes:
  - In check mode no session is created; a session that would be created is returned as the request.
'''

EXAMPLES = r'''
- name: Boot the remote build node (once per image)
  cray.csm.bos_session:
    name: "bos_ims_remote_node-x3000c0s19b4n0-{{ image_id }}"
    template_name: bos_ims_remote_node
    operation: "{{ 'reboot' if node.component.State in ['On', 'Ready'] else 'boot' }}"
    limit: x3000c0s19b4n0
    wait: true
  register: boot
'''

RETURN = r'''
session:
  description: The session (C(V2Session)); predicted in check mode.
  returned: always
  type: dict
status:
  description: The extended status from C(/status) (C(percent_successful), C(percent_failed), C(error_summary),
    C(phases), C(timing)); empty when not waited for or in check mode.
  returned: always
  type: dict
reused:
  description: True when a session named O(name) already existed.
  returned: always
  type: bool
'''

from ansible_collections.cray.csm.plugins.module_utils.client import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule, drop_none, wait_spec
from ansible_collections.cray.csm.plugins.module_utils.names import bos_name_error
from ansible_collections.cray.csm.plugins.module_utils.paths import bos_session, bos_session_status
from ansible_collections.cray.csm.plugins.module_utils.xname import NODE_XNAME, canonical_xname

NO_NODES = 'No nodes were found to act upon'


def canonical_limit(limit):
    """The limit with its node xnames canonical: BOS matches limit terms exactly against HSM's canonical
    names (bos src/bos/operators/session_setup.py _apply_limit), so X3000C0S19B04N0 would match nothing."""
    terms = []
    for term in limit.split(','):
        op = term[:1] if term[:1] in ('&', '!') else ''
        name = canonical_xname(term[len(op):])
        terms.append(op + name if NODE_XNAME.match(name) else term)
    return ','.join(terms)


def failure_message(session, status):
    """Why a completed session failed, or None when it succeeded."""
    error = (session.get('status') or {}).get('error')
    msg = None
    if error:
        msg = 'BOS session %s failed: %s' % (session['name'], error)
        if NO_NODES in error:
            msg += (' BOS skips nodes that are locked in HSM (CSM 1.7 and later), and disabled nodes unless '
                    'include_disabled: unlock the node (cray.csm.hsm_lock state=unlocked) and run again, or '
                    'boot before locking.')
    elif (status or {}).get('percent_failed'):
        msg = 'BOS session %s failed on %s%% of its nodes: %s' % (
            session['name'], status['percent_failed'], status.get('error_summary') or {})
    return msg


def progress(status):
    """One progress line of a BOS session: status, phase percentages, failed nodes."""
    phases = status.get('phases') or {}
    text = 'BOS session %s: %s%% complete, powering on %s%%, powering off %s%%, configuring %s%%, %s%% failed' % (
        status.get('status'), phases.get('percent_complete', 0), phases.get('percent_powering_on', 0),
        phases.get('percent_powering_off', 0), phases.get('percent_configuring', 0), status.get('percent_failed', 0))
    failed = ['%s (%s)' % (e.get('list'), reason) for reason, e in sorted((status.get('error_summary') or {}).items())]
    return text + ('; failed nodes: ' + ', '.join(failed) if failed else '')


ARGUMENTS = dict(
    template_name=dict(type='str', required=True),
    operation=dict(type='str', choices=['boot', 'reboot', 'shutdown'], required=True),
    limit=dict(type='str'),
    name=dict(type='str'),
    stage=dict(type='bool', default=False),
    include_disabled=dict(type='bool', default=False),
    **wait_spec())


def request_body(p):
    return drop_none(dict(name=p['name'], operation=p['operation'], template_name=p['template_name'],
                          limit=canonical_limit(p['limit']) if p['limit'] else None, stage=p['stage'],
                          include_disabled=p['include_disabled']))


def refusal(body):
    """refuse() for ensure_created: a session of this name for another template, limit or stage. A staged
    session does nothing until someone starts it, so a wait on it would wait for a session BOS never runs."""
    def refuse(session):
        diff = [k for k in ('template_name', 'limit') if (session.get(k) or '') != (body.get(k) or '')]
        diff += ['stage'] if bool(session.get('stage')) != bool(body.get('stage')) else []
        return diff and 'BOS session %s exists for another %s (%s): choose another name.' % (
            body['name'], ' and '.join(diff), ', '.join('%s=%s' % (k, session.get(k)) for k in diff))
    return refuse


def create(module, body):
    """POST the session; a template BOS does not know gets the module that makes one named."""
    try:
        return module.client.post(bos_session(), body, expect=dict)
    except CsmApiError as e:
        if e.status == 400 and 'template name invalid' in (e.detail or '').lower():
            module.fail_json(msg='%s Create the template first (cray.csm.bos_sessiontemplate).' % e,
                             failure=e.to_dict())
        raise


def wait_outcome(module, session):
    """(session, status) once the session is complete, failing the task when it failed; ({}) without a wait."""
    name = session.get('name')  # in check mode a session BOS would name is not named yet

    def timed_out(e):
        last = e.last or {}
        return dict(msg='%s Last status: %s, %s%% successful, %s%% failed, phases %s.' % (
            e, last.get('status'), last.get('percent_successful'), last.get('percent_failed'), last.get('phases')),
            session=session, status=last)
    status = module.waiter('BOS session %s' % name, lambda: module.client.get(bos_session_status(name), expect=dict),
                           lambda s: s.get('status') == 'complete', progress, timed_out).wait()
    if status is None:
        return session, {}
    session = module.client.get(bos_session(name), expect=dict)
    msg = failure_message(session, status)
    if msg:
        module.fail_json(msg=msg, session=session, status=status)
    return session, status


def main():
    module = CsmModule(argument_spec=ARGUMENTS, supports_check_mode=True)
    p = module.params
    error = (p['name'] is not None and bos_name_error('BOS session name', p['name'])
             or bos_name_error('BOS session template name', p['template_name']))
    if error:
        module.fail_json(msg=error)
    body = request_body(p)
    path = bos_session(p['name']) if p['name'] else None
    with module.api_errors():
        found = module.client.get(path, missing_ok=True, expect=dict) if path else None
        before, session = module.ensure_created('session', found, lambda: create(module, body), body, path=path,
                                                refuse=refusal(body))
        session, status = wait_outcome(module, session)
    module.exit_with(changed=before is None, before=before, after=session, key='session', status=status,
                     reused=before is not None)


if __name__ == '__main__':
    main()
