#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ims_job_footprint
short_description: Remove what IMS jobs left on a remote build node
version_added: 0.2.0
description:
  - Runs on the node itself. For each job of O(job_ids) removes what the job left there, as the CSM page
    "Troubleshoot Remote Build Node" (Clean up orphaned jobs) does it by hand and IMS does at the end of a job
    (Cray-HPE/ims-sshd C(entrypoint.sh) C(clean_remote_node)); stops and removes the container C(ims-<job id>)
    with its anonymous volumes, removes its images C(localhost/ims-remote-<job id>:*) and deletes the
    directory C(/tmp/ims_<job id>).
  - Volumes go with their container (C(podman rm --volumes)) instead of C(podman volume prune), which would also
    remove unused volumes of containers that are not IMS jobs'.
  - Only names that hold one of O(job_ids) are touched; a job id that is not a UUID is refused before anything
    changes. Which jobs are dead is the caller's to decide from IMS (playbooks/clean_remote_build_node.yml removes
    only jobs in a final status or unknown to IMS). Never pass the id of a live job; its build would be lost.
  - What is not there is skipped, so a re-run changes nothing.
  - A job whose container still runs with no signal file (running) or that left C(remote_exiting) in
    C(/tmp/ims_<job id>/image) (finishing, IMS 3.32 and later) is never touched, whatever the caller says; it is
    listed in RV(kept) with a warning. A job that left C(remote_error) (failed) or whose container is stopped or
    gone (dead) is removed when named.
author:
  - cray.csm contributors (!UNKNOWN)
options:
  job_ids:
    description: IMS job ids (UUIDs) whose footprints to remove.
    type: list
    elements: str
    required: true
  state:
    description: Only V(absent).
    type: str
    choices: [absent]
    default: absent
attributes:
  check_mode:
    description: Reports what it would remove without removing it.
    support: full
  diff_mode:
    description: Nothing to diff; RV(removed) lists what went.
    support: none
notes:
  - Needs Python 3.6 or later on the node.
seealso:
  - module: cray.csm.build_node_info
'''

EXAMPLES = r'''
- name: Remove the footprints of two dead jobs
  cray.csm.ims_job_footprint:
    job_ids:
      - b3eb4c73-f8da-47cc-9e1e-9874d6ba07ef
      - af620dcd-354f-4742-8d35-cc8fd7dea5a4
  register: cleaned
'''

RETURN = r'''
removed:
  description: Per job id that had a footprint, what was removed (or would be, in check mode).
  returned: always
  type: dict
  sample:
    b3eb4c73-f8da-47cc-9e1e-9874d6ba07ef:
      - container ims-b3eb4c73-f8da-47cc-9e1e-9874d6ba07ef
      - image localhost/ims-remote-b3eb4c73-f8da-47cc-9e1e-9874d6ba07ef:1.0.0
      - directory /tmp/ims_b3eb4c73-f8da-47cc-9e1e-9874d6ba07ef
kept:
  description: Per job id named but still running on the node, its state (C(running) or C(finishing)).
  returned: always
  type: dict
  sample: {"af620dcd-354f-4742-8d35-cc8fd7dea5a4": "running"}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cray.csm.plugins.module_utils import build_node


def main():
    module = AnsibleModule(
        argument_spec=dict(job_ids=dict(type='list', elements='str', required=True),
                           state=dict(type='str', choices=['absent'], default='absent')),
        supports_check_mode=True,
    )
    ids = module.params['job_ids']
    bad = [i for i in ids if not build_node.JOB_ID_RE.match(i)]
    if bad:
        module.fail_json(msg='job_ids must be IMS job ids (lower-case UUIDs); not one: %s. Nothing was removed.'
                         % ', '.join(repr(b) for b in bad))
    podman = build_node.Podman(module)
    found, _others = build_node.read_footprints(podman)
    wanted = set(ids)
    removed, kept = {}, {}
    for record in found:
        if record['job_id'] in wanted and record['state'] in build_node.BUSY_STATES:
            kept[record['job_id']] = record['state']  # the node says the job still runs: whatever IMS said
        elif record['job_id'] in wanted:
            removed[record['job_id']] = build_node.remove_footprint(podman, record, module.check_mode)
    if kept:
        module.warn('Kept the footprints of jobs that still run on this node: %s.'
                    % ', '.join('%s (%s)' % (i, kept[i]) for i in sorted(kept)))
    module.exit_json(changed=bool(removed), removed=removed, kept=kept)


if __name__ == '__main__':
    main()
