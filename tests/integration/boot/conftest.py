"""Run cray.csm tasks and playbooks with ansible-playbook against the CSM simulator.

`csm_play(tasks, check=False, diff=False, extra_vars=None)` runs the tasks in one play on localhost with
module_defaults group/cray.csm.csm pointing at the simulator, and returns a Play result: `.rc`,
`.tasks` (name -> result, in order), `.output` (for assertion messages).
`csm_play.playbook(path_or_fqcn, extra_vars, check=False)` runs a whole playbook the same way.
After every run, each CSM API request in the simulator's log must be one the upstream spec defines
(method, path, query names; tests/unit/spec.py); the simulator itself checks bodies against the spec.
"""
import json
import os
import subprocess
import sys

import pytest
import yaml

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..', '..')))
from ansible_collections.cray.csm.tests.unit import spec  # noqa: E402

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
COLLECTIONS_PATH = os.path.abspath(os.path.join(COLLECTION, '..', '..', '..'))
BIN = os.path.dirname(sys.executable)


class Play(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.output = proc.stdout + proc.stderr
        self.tasks = {}
        self.order = []
        # with -v and more, ansible-playbook prints lines before the callback's JSON document
        text = proc.stdout
        start = 0 if text.startswith('{') else text.find('\n{\n') + 1
        try:
            doc = json.loads(text[start:])
        except ValueError:
            raise AssertionError('ansible-playbook gave no JSON: %s' % self.output[-3000:]) from None
        for play in doc.get('plays') or []:
            for task in play.get('tasks') or []:
                result = task['hosts'].get('localhost')
                if result is not None:
                    self.tasks[task['task']['name']] = result
                    self.order.append(task['task']['name'])
        self.stats = doc.get('stats', {}).get('localhost', {})

    def __getitem__(self, name):
        return self.tasks[name]

    def __repr__(self):
        return 'Play(rc=%s) %s' % (self.rc, self.output[-4000:])


def ansible_env(tmp_path):
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_STDOUT_CALLBACK='json',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'), ANSIBLE_HOME=str(tmp_path / 'ansible-home'))
    env.pop('CSM_TOKEN', None)
    env.pop('CSM_CLIENT_SECRET', None)
    return env


def check_log(sim):
    for entry in sim.log():
        if entry['path'].startswith('/apis/'):
            spec.check_request(entry['method'], entry['path'], query=entry.get('query'))


def run_playbook(tmp_path, playbook, extra_vars=None, check=False, diff=False, args=()):
    args = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', playbook] + list(args)
    if extra_vars:
        path = tmp_path / ('extra-vars-%d.json' % len(list(tmp_path.glob('extra-vars-*'))))
        path.write_text(json.dumps(extra_vars))
        args += ['-e', '@%s' % path]
    if check:
        args.append('--check')
    if diff:
        args.append('--diff')
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                          env=ansible_env(tmp_path), timeout=600)
    return Play(proc)


@pytest.fixture
def csm_play(csm_sim, tmp_path):
    token = csm_sim.token()
    # sessions finish in about a second; tests that need slow ones set more
    csm_sim.config(cfs_session_seconds=1, bos_session_seconds=1)

    def play(tasks, check=False, diff=False, extra_vars=None):
        # a fresh token per run: on a loaded machine a test can outlive the simulator's 300 s tokens
        play.token = csm_sim.token()
        doc = [{'name': 'test', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                'module_defaults': {'group/cray.csm.csm': {'api_gateway': csm_sim.url, 'token': play.token}},
                'tasks': tasks}]
        path = tmp_path / ('play-%d.yml' % len(list(tmp_path.glob('play-*.yml'))))
        path.write_text(yaml.safe_dump(doc))
        result = run_playbook(tmp_path, str(path), extra_vars, check, diff)
        check_log(csm_sim)
        return result

    def playbook(name, extra_vars=None, check=False, diff=False, args=()):
        result = run_playbook(tmp_path, name, extra_vars, check, diff, args)
        check_log(csm_sim)
        return result

    def get(path):
        """GET through the simulator's API: (status, body)."""
        return csm_sim.request('GET', path, headers={'Authorization': 'Bearer %s' % csm_sim.token()})

    def writes():
        """The log entries of requests that change something (token requests aside)."""
        return [e for e in csm_sim.log() if e['method'] in ('POST', 'PUT', 'PATCH', 'DELETE')
                and not e['path'].startswith('/keycloak')]

    play.token = token
    play.playbook = playbook
    play.get = get
    play.writes = writes
    play.sim = csm_sim
    return play
