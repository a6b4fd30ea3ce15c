#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ims_remote_node
short_description: Register or remove an IMS remote build node
version_added: 0.1.0
description:
  - Registers a compute node with IMS as a remote build node (C(POST /v3/remote-build-nodes)), or removes it
    (C(DELETE /v3/remote-build-nodes/{xname})).
  - IMS answers 201 to a duplicate registration and silently overwrites it, so the module reads the node first
    and only registers it when it is missing.
  - Removal deletes only the named node; the module never calls the collection-level DELETE, which removes
    every node.
  - With O(preflight), the node is first checked over SSH exactly as IMS checks it, and is not registered when
    a check fails.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.ims_remote_node_info
    description: List remote build nodes and what IMS says of them.
  - module: cray.csm.hsm_lock
    description: Lock a node in HSM before IMS uses it, as the procedure does.
requirements:
  - paramiko (only for O(preflight=true)), on the host that runs the module.
options:
  xname:
    description:
      - Node xname, for example C(x3000c0s19b4n0). IMS uses it as the SSH host name of the node.
      - Taken in any case and zero padding and sent canonical (lower case, no leading zeros, as HSM stores it),
        because IMS stores the name as given and CSM's DNS knows only the canonical form.
    type: str
    required: true
  state:
    description:
      - V(present) registers the node when it is missing; V(absent) removes it when it is registered.
    type: str
    choices: [present, absent]
    default: present
  preflight:
    description:
      - Before registering, SSH to the node as root with O(ssh_private_key) and run the IMS checks
        (C(uname -i) must contain C(x86) or C(aarch64); C(which podman) must print C(/usr/bin/podman);
        the C(/tmp/ims_*) job directories are counted).
      - A failed check fails the task, names the check and the fix, and nothing is registered.
      - On a node that is already registered it runs only when IMS's own check does not stand in for it,
        that is without O(wait), or where IMS has no status endpoint (CSM 1.5).
      - Runs in check mode too, since it changes nothing.
    type: bool
    default: false
  ssh_host:
    description:
      - Host to SSH to for O(preflight). Defaults to O(xname), which is what IMS connects to.
      - A node xname in another spelling (C(X3000C0S19B04N0), as an inventory may hold it) is used in its
        canonical form (C(x3000c0s19b4n0)), the only one CSM's DNS knows.
    type: str
  ssh_port:
    description:
      - SSH port for O(preflight).
    type: int
    default: 22
  ssh_private_key:
    description:
      - The IMS private key, as text or as the path of a file holding it; required with O(preflight=true).
      - On CSM it is key C(private_key) of the ConfigMap C(cray-ims-remote-keys) in namespace C(services).
      - Host keys are accepted without checking and nothing is written to C(known_hosts), as IMS does.
    type: str
  wait:
    description:
      - After registering, poll C(GET /v3/remote-build-nodes/status/{xname}) until C(ableToRunJobs) is true.
      - IMS before 3.17 (CSM 1.5) has no status endpoint; then the module warns and returns the preflight
        result as RV(status) instead.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait); the task fails with the last status seen after that.
      - The SSH timeout of O(preflight) is the smaller of this and 30 seconds.
    default: 300
  poll_interval:
    default: 5
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.wait
  - cray.csm.attributes
  - cray.csm.attributes.changes
'''

EXAMPLES = r'''
- name: Read the IMS private key (never shown)
  kubernetes.core.k8s_info:
    kind: ConfigMap
    namespace: services
    name: cray-ims-remote-keys
  register: ims_keys
  no_log: true

- name: Check the node like IMS does, register it and wait until IMS can use it
  cray.csm.ims_remote_node:
    xname: x3000c0s19b4n0
    preflight: true
    ssh_private_key: "{{ ims_keys.resources[0].data.private_key }}"
    wait: true
    wait_timeout: 120
  delegate_to: localhost

- name: Remove the node from IMS
  cray.csm.ims_remote_node:
    xname: x3000c0s19b4n0
    state: absent
'''

RETURN = r'''
node:
  description: The IMS record of the node after the task; null when absent.
  returned: always
  type: dict
  sample: {"xname": "x3000c0s19b4n0"}
status:
  description:
    - The node's status as IMS reports it (with O(wait)), or as the preflight found it; null when neither ran.
  returned: always
  type: dict
  contains:
    xname: {description: The node., type: str, returned: when IMS answered}
    sshStatus: {description: Result of the SSH connection., type: str, sample: SSH connection established.}
    nodeArch: {description: Architecture from C(uname -i), type: str, sample: x86_64}
    podmanStatus: {description: Result of C(which podman)., type: str, sample: Podman present at /usr/bin/podman}
    numCurrentJobs: {description: Count of C(/tmp/ims_*) directories; -1 when unknown., type: int}
    ableToRunJobs: {description: Whether IMS can run jobs on the node., type: bool}
preflight:
  description:
    - The preflight result with O(preflight=true), the IMS status fields plus C(failed_check) and C(fix);
      null otherwise.
  returned: always
  type: dict
  sample: {"ableToRunJobs": true, "failed_check": null, "fix": null, "nodeArch": "x86_64", "numCurrentJobs": 0,
           "podmanStatus": "Podman present at /usr/bin/podman", "sshStatus": "SSH connection established."}
'''

import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.cray.csm.plugins.module_utils import preflight as pf
from ansible_collections.cray.csm.plugins.module_utils.errors import CsmApiError
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule, wait_spec
from ansible_collections.cray.csm.plugins.module_utils.paths import ims_remote_node, ims_remote_node_status
from ansible_collections.cray.csm.plugins.module_utils.xname import NODE_XNAME, canonical_xname, node_xname_error

STATUS_FIELDS = ('xname', 'sshStatus', 'nodeArch', 'podmanStatus', 'numCurrentJobs', 'ableToRunJobs')


def ssh_target(ssh_host, xname):
    """Where the preflight SSHes: ssh_host, else the xname as IMS does; a node xname in its canonical form."""
    host = ssh_host or xname
    canonical = canonical_xname(host)
    return canonical if NODE_XNAME.match(canonical) else host


def run_preflight(module, xname):
    p = module.params
    host = ssh_target(p['ssh_host'], xname)
    try:
        result = pf.check_node(host, p['ssh_port'], p['ssh_private_key'], timeout=min(p['wait_timeout'], 30))
    except pf.PreflightError as e:
        module.fail_json(msg=str(e))
    result['xname'] = xname
    if result['failed_check']:
        module.fail_json(msg=pf.failure_message(host, p['ssh_port'], result), preflight=result)
    return result


def progress(status):
    """One progress line of IMS's node check: its status fields."""
    return 'IMS status: ' + ', '.join('%s=%s' % (f, (status or {}).get(f)) for f in STATUS_FIELDS[1:])


def wait_ready(module, xname, exists):
    """IMS status once ableToRunJobs, or None without a wait or when this IMS has no status endpoint."""

    def timed_out(e):
        last = e.last or {}
        return dict(msg='%s Last IMS status: sshStatus %r, nodeArch %r, podmanStatus %r.' % (
            e, last.get('sshStatus'), last.get('nodeArch'), last.get('podmanStatus')), status=last)
    # a node registered only in check mode has no IMS status to read
    waiter = module.waiter('IMS to report %s ableToRunJobs' % xname, lambda: module.client.get(ims_remote_node_status(xname), expect=dict),
                           lambda s: bool(s and s.get('ableToRunJobs')), progress, timed_out, in_check_mode=exists)
    try:
        return waiter.wait()
    except CsmApiError as e:
        if not e.not_found:
            raise
    module.warn('This IMS has no remote build node status endpoint (IMS before 3.17, CSM 1.5); returning the '
                'preflight result instead%s.' % ('' if module.params['preflight'] else ', but preflight was not requested'))
    return None


ARGUMENTS = dict(
    xname=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    preflight=dict(type='bool', default=False),
    ssh_host=dict(type='str'),
    ssh_port=dict(type='int', default=22),
    ssh_private_key=dict(type='str', no_log=True),
    **wait_spec(timeout=300, interval=5))


def validated_xname(module):
    """The node's canonical xname, once the arguments are checked and preflight's library is there."""
    p = module.params
    error = node_xname_error([p['xname']])
    if error:
        module.fail_json(msg=error)
    if p['preflight'] and p['state'] == 'present':
        try:
            pf.load_paramiko()
        except ImportError:
            module.fail_json(msg=missing_required_lib('paramiko', reason='for preflight'),
                             exception=traceback.format_exc())
    # IMS stores the name as given and SSHes to it; CSM's DNS knows only the canonical form (as HSM stores it)
    return canonical_xname(p['xname'])


def exit_absent(module, path, xname):
    if module.check_mode:
        before = module.client.get(path, missing_ok=True, expect=dict)
    else:
        before = {'xname': xname} if module.client.delete(path, missing_ok=True) else None
    module.exit_with(changed=before is not None, before=before, after=None, key='node', status=None, preflight=None)


def main():
    module = CsmModule(argument_spec=ARGUMENTS, required_if=[('preflight', True, ['ssh_private_key'])],
                       supports_check_mode=True)
    p = module.params
    xname = validated_xname(module)
    path = ims_remote_node(xname)
    with module.api_errors():
        if p['state'] == 'absent':
            exit_absent(module, path, xname)
        found = module.client.get(path, missing_ok=True, expect=dict)
        # Checked before it is registered; a registered node IMS checks itself (its status, below).
        checked = run_preflight(module, xname) if p['preflight'] and found is None else None
        before, after = module.ensure_created(
            'node', found, lambda: module.client.post(ims_remote_node(), {'xname': xname}, expect=dict),
            {'xname': xname})
        status = wait_ready(module, xname, exists=before is not None)
        if status is None and p['preflight'] and before is not None:
            checked = run_preflight(module, xname)  # no IMS status stands in for it
        if status is None and checked:
            status = dict((k, checked[k]) for k in STATUS_FIELDS)
    module.exit_with(changed=before is None, before=before, after=after, key='node', status=status, preflight=checked)


if __name__ == '__main__':
    main()
