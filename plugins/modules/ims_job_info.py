#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ims_job_info
short_description: List IMS jobs, find the ones running on a remote build node, wait for them to end
version_added: 0.2.0
description:
  - Reads one IMS job (C(GET /apis/ims/v3/jobs/{id})) or all of them (C(GET /apis/ims/v3/jobs)) and keeps
    those that match every filter given. IMS itself has no filter on this list, so filtering happens here.
  - A job is I(live) until its status is C(success) or C(error). IMS puts the xname of the node that runs a job
    in the job's C(remote_build_node) (empty for a job that runs in Kubernetes), a field the published IMS API
    spec lacks (Cray-HPE/ims C(src/server/models/jobs.py)).
  - With O(footprints), the job ids found on a node as C(/tmp/ims_<id>) directories, it tells the jobs IMS still
    runs (RV(live_jobs)) from the leftovers of jobs it no longer runs (RV(orphans)). IMS counts every such
    directory as a current job of the node.
  - With O(wait), it polls until no matching job is live (the drain before a node is removed).
author:
  - cray.csm contributors (!UNKNOWN)
options:
  id:
    description: One job id. An id that IMS does not know gives empty RV(jobs) and a null RV(job).
    type: str
  remote_build_node:
    description:
      - Only jobs that run on this node. The xname is canonicalised first (no leading zeros, lower case), and so
        is each job's C(remote_build_node).
    type: str
  status:
    description: Only jobs with one of these statuses.
    type: list
    elements: str
    choices: [creating, fetching_image, fetching_recipe, waiting_for_repos, building_image, packaging_artifacts,
              waiting_on_user, error, success]
  job_type:
    description: Only jobs of this type.
    type: str
    choices: [create, customize]
  footprints:
    description:
      - The C(/tmp/ims_<id>) directories found on the node (paths, as M(ansible.builtin.find) on C(/tmp) with
        pattern C(ims_*) returns them, or bare job ids).
      - A live job named here counts as running on the node whatever its C(remote_build_node) says; the others
        are RV(orphans).
    type: list
    elements: str
    default: []
  node_states:
    description:
      - What the node shows of each job, by job id - C(running), C(finishing), C(failed) or C(dead) - as the
        C(state) of each of RV(cray.csm.build_node_info#module:footprints) of M(cray.csm.build_node_info) (see the
        examples).
      - Each live job and orphan named here gets it as C(node_state). A footprint the node shows C(running) or
        C(finishing) is never an orphan, whatever IMS says of its job.
    type: dict
    default: {}
  wait:
    description:
      - Poll until no job that matches the filters (or is named in O(footprints)) is live.
      - On timeout the task fails naming each live job and its status; RV(live_jobs) holds them.
    type: bool
    default: false
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.wait
  - cray.csm.attributes
  - cray.csm.attributes.info_module
'''

EXAMPLES = r'''
- name: Jobs IMS runs on a node now
  cray.csm.ims_job_info:
    remote_build_node: x3000c0s19b4n0
    status: [creating, fetching_image, fetching_recipe, waiting_for_repos, building_image,
             packaging_artifacts, waiting_on_user]
  register: running

- name: Failed customize jobs
  cray.csm.ims_job_info:
    job_type: customize
    status: [error]

- name: Find the job directories on the node
  ansible.builtin.find:
    paths: /tmp
    patterns: ims_*
    file_type: directory
  register: job_dirs

- name: Read the node's job footprints and what it shows of each job
  cray.csm.build_node_info:
    paths: []
  register: node

- name: Live jobs and orphans, with what the node shows of each (running or finishing is never an orphan)
  cray.csm.ims_job_info:
    footprints: "{{ node.footprints | map(attribute='job_id') | list }}"
    node_states: "{{ node.footprints | items2dict(key_name='job_id', value_name='state') }}"
  delegate_to: localhost

- name: Wait up to an hour until the node runs no IMS job
  cray.csm.ims_job_info:
    remote_build_node: x3000c0s19b4n0
    footprints: "{{ job_dirs.files | map(attribute='path') | list }}"
    wait: true
    wait_timeout: 3600
  delegate_to: localhost
'''

RETURN = r'''
jobs:
  description: The jobs that matched, oldest first (IMS job records).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Job id.
      type: str
    status:
      description: C(creating) ... C(success) or C(error).
      type: str
    job_type:
      description: C(create) or C(customize).
      type: str
    remote_build_node:
      description: The xname of the node that runs the job; empty for a job in Kubernetes.
      type: str
    arch:
      description: C(x86_64) or C(aarch64); a remote build node runs only jobs of its own arch.
      type: str
    created:
      description: Creation time, as IMS gives it (no time zone).
      type: str
job:
  description: The job when O(id) was given and IMS knows it, else null.
  returned: always
  type: dict
live_jobs:
  description:
    - The jobs that matched (or are named in O(footprints)) and are not yet C(success) or C(error), at the end;
      each named in O(node_states) has C(node_state), what the node shows of it.
  returned: always
  type: list
  elements: dict
waited_for:
  description: With O(wait), every job that was live at some poll, with its C(id) and the last C(status) seen.
  returned: always
  type: list
  elements: dict
orphans:
  description:
    - The O(footprints) of jobs IMS no longer runs, each with its C(id) and C(status) (null when IMS does not know
      the job), and C(node_state) when O(node_states) names it. Safe to clean up.
  returned: always
  type: list
  elements: dict
waited:
  description: Seconds spent waiting.
  returned: always
  type: int
message:
  description: One line on what was found, for a summary.
  returned: always
  type: str
  sample: "1 live IMS job: 6f1c... (building_image); 1 orphaned footprint: 9a2b..."
'''

import time

from ansible_collections.cray.csm.plugins.module_utils.client import CsmTimeout
from ansible_collections.cray.csm.plugins.module_utils.paths import ims_job
from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule, wait_for, wait_spec
from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xname, node_xname_error

# Cray-HPE/ims src/server/models/jobs.py STATUS_TYPES; error and success end a job.
STATUSES = ['creating', 'fetching_image', 'fetching_recipe', 'waiting_for_repos', 'building_image',
            'packaging_artifacts', 'waiting_on_user', 'error', 'success']
FINAL = ('error', 'success')
BUSY_STATES = ('running', 'finishing')  # build_node_info's job states a cleanup never touches


def footprint_id(value):
    """The job id of a footprint: /tmp/ims_<id>, ims_<id> or <id>."""
    name = value.rstrip('/').rsplit('/', 1)[-1]
    return name[len('ims_'):] if name.startswith('ims_') else name


def is_live(job):
    return job.get('status') not in FINAL


def matches(job, p, node):
    if p['id'] and job.get('id') != p['id']:
        return False
    if node and canonical_xname(job.get('remote_build_node') or '') != node:
        return False
    if p['status'] and job.get('status') not in p['status']:
        return False
    return not p['job_type'] or job.get('job_type') == p['job_type']


def describe(jobs):
    return ', '.join('%s (%s%s)' % (j.get('id'), j.get('status'), ', %s on the node' % j['node_state']
                                    if j.get('node_state') else '') for j in jobs)


def plural(n, word):
    return '%d %s%s' % (n, word, '' if n == 1 else 's')


class Jobs(object):
    """One read of IMS's jobs, sorted into what matched, what is live and what is orphaned."""

    def __init__(self, records, p, node):
        self.all = sorted([j for j in records if isinstance(j, dict)], key=lambda j: j.get('created') or '')
        self.matched = [j for j in self.all if matches(j, p, node)]
        footprints = set(footprint_id(f) for f in p['footprints'])
        counted = footprints | set(j.get('id') for j in self.matched)
        self.live = [j for j in self.all if is_live(j) and j.get('id') in counted]
        by_id = dict((j.get('id'), j) for j in self.all)
        self.orphans = [dict(id=i, status=(by_id.get(i) or {}).get('status'))
                        for i in sorted(footprints) if not (i in by_id and is_live(by_id[i]))]
        states = p['node_states'] or {}
        if states:  # what the node shows of each job (build_node_info); running or finishing is never an orphan
            self.live = [dict(j, node_state=states[j.get('id')]) if j.get('id') in states else j for j in self.live]
            self.orphans = [dict(o, node_state=states.get(o['id'])) for o in self.orphans
                            if states.get(o['id']) not in BUSY_STATES]


def message(jobs, waited_for, waited):
    parts = []
    if jobs.live:
        parts.append('%s: %s' % (plural(len(jobs.live), 'live IMS job'), describe(jobs.live)))
    elif waited_for:
        parts.append('no live IMS job after %ss (waited for %s)' % (waited, describe(waited_for)))
    else:
        parts.append('no live IMS job')
    if jobs.orphans:
        parts.append('%s: %s' % (plural(len(jobs.orphans), 'orphaned footprint'),
                                 ', '.join(o['id'] for o in jobs.orphans)))
    return '; '.join(parts)


def node_of(module):
    """The canonical xname of remote_build_node, or None; a bad one fails the task before any request."""
    given = module.params['remote_build_node']
    if given is None:
        return None
    error = node_xname_error([given])
    if error:
        module.fail_json(msg=error)
    return canonical_xname(given)


class JobReader(object):
    """Reads IMS's jobs as the filters say; remembers every job seen live while waiting, with its last status
    (a job that IMS deleted meanwhile keeps the last status seen)."""

    def __init__(self, module):
        self.module, self.p, self.node = module, module.params, node_of(module)
        self.seen = {}

    def read(self):
        if self.p['id'] and not self.p['footprints']:
            job = self.module.client.get(ims_job(self.p['id']), missing_ok=True)
            return Jobs([job] if job else [], self.p, self.node)
        return Jobs(self.module.client.get(ims_job()) or [], self.p, self.node)

    def poll(self):
        jobs = self.read()
        for j in jobs.live:
            self.seen[j.get('id')] = None
        for j in jobs.all:
            if j.get('id') in self.seen:
                self.seen[j.get('id')] = dict(id=j.get('id'), status=j.get('status'))
        return jobs

    def waited_for(self):
        return [s for s in self.seen.values() if s]


def wait_until_none_live(module, reader, start):
    """Poll until no matching job is live; on timeout fail naming each live job and its status."""
    p = module.params
    what = 'the IMS jobs%s to end' % (' on %s' % reader.node if reader.node else '')
    try:
        return wait_for(reader.poll, lambda js: not js.live, p['wait_timeout'], p['poll_interval'], what,
                        describe=lambda js: message(js, [], 0), report=module.report_progress)
    except CsmTimeout as e:
        jobs = e.last
        module.fail_json(msg='%s Still live: %s.' % (e, describe(jobs.live)), jobs=jobs.matched,
                         live_jobs=jobs.live, orphans=jobs.orphans, waited=int(time.time() - start),
                         waited_for=reader.waited_for(), job=None, message=message(jobs, [], 0))


def main():
    module = CsmModule(
        argument_spec=dict(
            id=dict(type='str'),
            remote_build_node=dict(type='str'),
            status=dict(type='list', elements='str', choices=STATUSES),
            job_type=dict(type='str', choices=['create', 'customize']),
            footprints=dict(type='list', elements='str', default=[]),
            node_states=dict(type='dict', default={}),
            **wait_spec()
        ),
        supports_check_mode=True)
    p = module.params
    reader = JobReader(module)
    start = time.time()
    with module.api_errors():
        jobs = wait_until_none_live(module, reader, start) if p['wait'] else reader.read()
    waited = int(time.time() - start) if p['wait'] else 0
    job = jobs.matched[0] if p['id'] and jobs.matched else None
    module.exit_json(changed=False, jobs=jobs.matched, job=job, live_jobs=jobs.live, orphans=jobs.orphans,
                     waited=waited, waited_for=reader.waited_for(),
                     message=message(jobs, reader.waited_for(), waited))


if __name__ == '__main__':
    main()
