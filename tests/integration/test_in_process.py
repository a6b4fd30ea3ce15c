# -*- coding: utf-8 -*-
"""The in-process path (plugins/plugin_utils/in_process.py) gives the task result a module process gives.

The whole integration suite runs both ways (tests/run: `integration` in process, `integration_module` with
CRAY_CSM_IN_PROCESS=false); these tests compare the two paths task by task and check when and why the
action falls back to a module process.
"""
from __future__ import absolute_import, division, print_function

import copy

X = 'x3000c0s19b4n0'
OFF = {'CRAY_CSM_IN_PROCESS': 'false'}
ON = {'CRAY_CSM_IN_PROCESS': 'true'}  # whatever the suite runs with (tests/run integration_module: false)

TASKS = [
    {'cray.csm.ims_remote_node': {'xname': X}},                                   # changed
    {'cray.csm.ims_remote_node': {'xname': X}},                                   # unchanged
    {'cray.csm.ims_remote_node': {'xname': X, 'state': 'absent'}, 'check_mode': True, 'diff': True},
    {'cray.csm.hsm_lock': {'component_ids': [X]}, 'diff': True},
    {'cray.csm.hsm_lock': {'component_ids': ['x1234c0s0b0n0']}},                  # fails: unknown node
    {'cray.csm.ims_remote_node_info': {'xname': 'not-an-xname'}},                 # fails: validation
    {'cray.csm.ims_remote_node_info': {'bogus': 1}},                              # fails: argument spec
    {'cray.csm.ims_remote_node_info': {}, 'delegate_to': 'localhost'},
    {'cray.csm.ims_remote_node_info': {}, 'loop': [1, 2]},
    {'cray.csm.sls_network_info': {'name': 'NMNLB'}, 'environment': {'CSM_API_GATEWAY': 'http://127.0.0.1:1'},
     'vars': {'ansible_python_interpreter': '{{ ansible_playbook_python }}'}},   # module_defaults wins over env
]


def results(run_tasks, csm_sim, env=None):
    csm_sim.reset()
    res = run_tasks(copy.deepcopy(TASKS), env=env)
    return [r.result for r in res], [r.requests() for r in res]


def test_same_results_and_requests_in_process_and_as_module(run_tasks, csm_sim):
    inside, inside_requests = results(run_tasks, csm_sim, env=ON)
    outside, outside_requests = results(run_tasks, csm_sim, env=OFF)
    assert inside[0]['changed'] is True and inside[1]['changed'] is False and inside[4]['failed'] is True
    assert [i for i, r in enumerate(inside) if r.get('failed')] == [4, 5, 6], inside
    assert 'Unsupported parameters' in inside[6]['msg']
    for i, (a, b) in enumerate(zip(inside, outside)):
        assert a == b, 'task %d differs:\nin process: %s\nmodule:     %s' % (i, a, b)
    assert inside_requests == outside_requests


def test_environment_keyword_reaches_the_module(run_tasks, csm_sim):
    """A connection option from the task's `environment:` (here the token) works in process too."""
    token = csm_sim.token()
    for env in (ON, OFF):
        res = run_tasks([{'cray.csm.ims_remote_node_info': {}, 'environment': {'CSM_TOKEN': token}}],
                        auth=None, env=env)
        assert res[0].result.get('failed') is not True, res[0].result


def test_falls_back_and_says_why_at_v(run_tasks, csm_sim, tmp_path):
    res = run_tasks([{'cray.csm.ims_remote_node_info': {}}], args=['-v'], env=OFF)
    assert 'cray.csm.ims_remote_node_info runs as a module process: cray_csm_in_process is false' in res.output
    res = run_tasks([{'cray.csm.ims_remote_node_info': {}, 'vars': {'ansible_python_interpreter': '/usr/bin/python3'}}],
                    args=['-v'], env=ON)
    assert res[0].result.get('failed') is not True, res[0].result
    assert "runs as a module process: the host's Python is /usr/bin/python3" in res.output
    res = run_tasks([{'cray.csm.ims_remote_node_info': {}, 'vars': {'ansible_python_interpreter': 'auto_silent'}}],
                    args=['-v'], env=ON)
    assert 'runs as a module process: the host\'s Python is found by interpreter discovery (auto_silent)' in res.output
    quiet = run_tasks([{'cray.csm.ims_remote_node_info': {}}], args=['-v'], env=ON)
    assert 'runs as a module process' not in quiet.output  # in process: nothing to explain
