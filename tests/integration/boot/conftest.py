"""Run cray.csm tasks and playbooks with ansible-playbook against the CSM simulator.

`csm_play(tasks, check=False, diff=False, extra_vars=None)` runs the tasks in one play on localhost with
module_defaults group/cray.csm.csm pointing at the simulator, and returns a Play result: `.rc`,
`.tasks` (name -> result, in order), `.output` (for assertion messages).
`csm_play.playbook(path_or_fqcn, extra_vars, check=False)` runs a whole playbook the same way.
`csm_play.removes(absent_task, name, path)` checks a state=absent task: check mode, the run, a re-run.
After every run, each CSM API request in the simulator's log must be one the upstream spec defines
(method, path, query names; tests/unit/spec.py); the simulator itself checks bodies against the spec.
"""
import json
import os
import subprocess
import sys

import pytest
import yaml
from testbed.ansible_env import ansible_env

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..', '..')))
from ansible_collections.cray.csm.tests.unit import spec  # noqa: E402

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
                          env=ansible_env(str(tmp_path), stdout_callback='json', localhost_warning='false',
                                          inventory_unparsed_warning='false', python_interpreter=sys.executable,
                                          home=str(tmp_path / 'ansible-home')),
                          timeout=600, check=False)
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

    def removes(absent_task, name, path):
        """state=absent: check mode predicts a change and keeps the object at path, the run deletes it,
        a re-run changes nothing."""
        assert play([absent_task], check=True)[name]['changed'] is True
        assert get(path)[0] == 200
        assert play([absent_task])[name]['changed'] is True
        assert get(path)[0] == 404
        assert play([absent_task])[name]['changed'] is False

    for helper in (playbook, get, writes, removes):
        setattr(play, helper.__name__, helper)
    play.token = token
    play.sim = csm_sim
    return play
