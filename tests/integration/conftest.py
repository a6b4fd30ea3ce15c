# -*- coding: utf-8 -*-
"""Run cray.csm modules with real ansible-playbook against the CSM simulator (csm_sim fixture).

    def test_x(run_tasks, csm_sim):
        res = run_tasks([{'cray.csm.hsm_lock': {'component_ids': ['x3000c0s19b4n0']}},
                         {'cray.csm.hsm_lock': {...}, 'check_mode': True}])
        res[0].result['changed']       # the registered result of task 0
        res[0].log                     # the simulator requests that task 0 made
        res.output                     # everything ansible-playbook printed (stdout + stderr)

Each task is registered (ignore_errors, so failures are returned too); at the start of each task and of the
last one, the harness callback (callback_plugins/csm_test_harness.py) reads the simulator's request log in
ansible-playbook, so every task gets the requests it made; the last task (set_stats) hands the registered
results to that callback, which writes them (no module process, no worker per log read).
The connection options are set once with module_defaults group/cray.csm.csm (auth='secret' gives
client_secret, auth='token' a token fetched from the simulator, auth=None neither).
"""
from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys

import pytest
import yaml
from testbed.ansible_env import ansible_env
from testbed.nodes import BASE_IMAGE, PODMAN_IMAGE, Nodes, node_sh

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..')))
from ansible_collections.cray.csm.tests.unit import spec  # noqa: E402

BIN = os.path.dirname(sys.executable)


class TaskRun(object):
    def __init__(self, result, log):
        self.result = result
        self.log = log

    def requests(self, method=None):
        """(METHOD, path) of the CSM API requests (Keycloak excluded) this task sent."""
        return [(e['method'], e['path']) for e in self.log
                if '/keycloak/' not in e['path'] and (method is None or e['method'] == method)]


class PlaybookRun(list):
    def __init__(self, runs, rc, output):
        super(PlaybookRun, self).__init__(runs)
        self.rc = rc
        self.output = output


CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'callback_plugins')
END = 'csm_test_end'  # the register name of the last task, which hands the results to the callback


def build_playbook(sim, tasks, auth='secret', defaults=None):
    """The play, and the `register` names the harness callback marks (the test tasks' and the last task's)."""
    conn = {'api_gateway': sim.url, 'retries': 2}
    if sim.ca_path:
        conn['ca_path'] = sim.ca_path
    if auth == 'secret':
        conn['client_secret'] = sim.client_secret
    elif auth == 'token':
        conn['token'] = sim.token()
    conn.update(defaults or {})
    body = []
    for i, task in enumerate(tasks):
        task = dict(task)
        task.setdefault('register', 'r%d' % i)
        task.setdefault('ignore_errors', True)
        body.append(task)
    marks = [t['register'] for t in body] + [END]
    # set_stats is an action only (no module process, nothing printed); callback_plugins/csm_test_harness.py
    # writes what it hands over, with the log it read at the start of each task.
    body.append({'ansible.builtin.set_stats': {'data': {'csm_test_results': '{{ [%s] | to_json }}' % ', '.join(marks[:-1])},
                                               'per_host': False, 'aggregate': False},
                 'register': END, 'check_mode': False, 'no_log': True})
    # module_defaults first, several lines above the first task: ansible-core 2.19 prints the two lines above
    # a failed task (its origin), where a token or secret would otherwise be.
    return [{'module_defaults': {'group/cray.csm.csm': conn}, 'hosts': 'localhost', 'gather_facts': False,
             'tasks': body}], marks


def run_playbook(sim, tasks, workdir, auth='secret', defaults=None, args=(), env=None, check_spec=True):
    """Run tasks in one playbook; every CSM request they made must be one the upstream spec defines."""
    os.makedirs(workdir, exist_ok=True)
    path = os.path.join(workdir, 'play.yml')
    play, marks = build_playbook(sim, tasks, auth, defaults)
    with open(path, 'w') as f:
        yaml.safe_dump(play, f, default_flow_style=False, sort_keys=False)
    result_file = os.path.join(workdir, 'results.json')
    environ = ansible_env(workdir, python_interpreter=sys.executable, deprecation_warnings='0',
                          callback_plugins=CALLBACKS, callbacks_enabled='csm_test_harness')
    environ.update(CSM_TEST_SIM_LOG=sim.url + '/_sim/log', CSM_TEST_SIM_CA=sim.ca_path or '',
                   CSM_TEST_MARKS=','.join(marks), CSM_TEST_RESULTS=result_file)
    environ.update(env or {})
    cmd = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', path] + list(args)
    proc = subprocess.run(cmd, check=False, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          env=environ, cwd=workdir, timeout=600)
    if not os.path.exists(result_file):
        raise AssertionError('ansible-playbook did not finish (rc %s):\n%s' % (proc.returncode, proc.stdout[-6000:]))
    with open(result_file) as f:
        saved = json.load(f)
    logs = saved['logs']
    runs = [TaskRun(result, logs[i + 1][len(logs[i]):]) for i, result in enumerate(saved['results'])]
    if check_spec:
        for run in runs:
            for entry in run.log:
                if '/keycloak/' not in entry['path']:
                    # method, path and query names; bodies are checked in the unit tests (FakeClient)
                    spec.check_request(entry['method'], entry['path'], query=entry.get('query'))
    return PlaybookRun(runs, proc.returncode, proc.stdout)


@pytest.fixture
def run_tasks(csm_sim, tmp_path):
    """run_tasks(tasks, auth='secret', defaults=None, args=(), env=None, sim=None) -> PlaybookRun."""
    counter = [0]

    def run(tasks, sim=None, **kwargs):
        counter[0] += 1
        return run_playbook(sim or csm_sim, tasks, str(tmp_path / ('play%d' % counter[0])), **kwargs)
    return run


# -- container nodes from tests/testbed (podman): real SSH targets for the preflight and IMS status --

NODE_IMAGES = {'sles': PODMAN_IMAGE, 'debian': BASE_IMAGE}


class TestbedNode(object):
    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.addr = '127.0.0.1:%d' % port

    def sh(self, script):
        """Run a shell script in the node (podman exec) and return its output."""
        return node_sh(self.name, script, timeout=60)


def _testbed_missing():
    """Why the container test bed is not ready, or None (tests/run builds it before this suite)."""
    import shutil
    if shutil.which('podman') is None:
        return 'podman is not installed: run tests/testbed/podman_setup.sh (root)'
    for image in NODE_IMAGES.values():
        if subprocess.run(['podman', 'image', 'exists', image], check=False).returncode != 0:
            return 'image %s is missing: run tests/testbed/podman_setup.sh (root)' % image
    return None


@pytest.fixture(scope='session')
def testbed_nodes(_csm_sim_process):
    """Two SSH nodes, both with the simulator's IMS public key in root's authorized_keys:
    'sles' (uname -i prints x86_64, podman at /usr/bin/podman) and 'debian' (uname -i prints unknown).
    Fails, saying why, when the podman test bed is not set up."""
    why = _testbed_missing()
    if why:
        pytest.fail(why)
    scope = 'apimods-%d' % os.getpid()
    started = Nodes(scope=scope)
    nodes = {}
    try:
        for kind, arch in (('sles', 'x86_64'), ('debian', 'unknown')):
            name = 'csm-%s-%s' % (scope, kind)
            # no xname: the tests map their own to node.addr (csm_sim.set_nodes)
            node = TestbedNode(name, started.up(name, None, arch=arch, image=NODE_IMAGES[kind]))
            nodes[kind] = node
            node.sh('umask 077; cat >> /root/.ssh/authorized_keys <<"EOF"\n%s\nEOF\n'
                    % _csm_sim_process.ims_public_key.strip())
        yield nodes
    finally:
        started.down()
