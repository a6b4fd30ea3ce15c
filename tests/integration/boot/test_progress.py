"""Progress lines of long waits: one line per state change, printed while the task runs in process."""
import json
import os
import re
import subprocess
import sys

import pytest
import yaml
from testbed.ansible_env import ansible_env

from test_bos import boot, template
from test_cfs_session import CONFIG, session

# Progress lines come from the in-process path: on, whatever CRAY_CSM_IN_PROCESS says (integration_module).
IN_PROCESS = {'cray_csm_in_process': True}
LINE = re.compile(r'^cray\.csm\.(\w+) \[localhost\] (.*) \((\d+)s\)$', re.M)


def progress(play, module):
    return [match[1] for match in LINE.findall(play.output) if match[0] == module]


def assert_one_line_per_change(lines, first, last):
    assert lines, 'no progress line'
    assert all(a != b for a, b in zip(lines, lines[1:])), lines  # nothing repeated: one line per change
    assert lines[0].startswith(first) and lines[-1].startswith(last), lines


def test_cfs_session_wait_shows_each_state(csm_play):
    csm_play.sim.config(cfs_session_seconds=4)
    play = csm_play([CONFIG, session()], extra_vars=IN_PROCESS)
    assert play['s'].get('failed') is not True, play
    lines = progress(play, 'cfs_session')
    assert_one_line_per_change(lines, 'CFS session pending', 'CFS session complete')
    assert any(line.startswith('CFS session running') for line in lines), lines
    # the IMS job of the image customization and its status, once CFS names it
    assert re.search(r', IMS job [0-9a-f-]{36} \S', lines[-1]), lines


def test_bos_session_wait_shows_each_phase(csm_play):
    csm_play.sim.config(bos_session_seconds=4)
    play = csm_play([template(), boot()], extra_vars=IN_PROCESS)
    assert play['b'].get('failed') is not True, play
    lines = progress(play, 'bos_session')
    assert_one_line_per_change(lines, 'BOS session pending', 'BOS session complete: 100.0% complete')
    assert any(line.startswith('BOS session running') for line in lines), lines


def test_module_process_shows_no_progress_and_says_why(csm_play):
    csm_play.sim.config(cfs_session_seconds=2)
    play = csm_play([CONFIG, session()], extra_vars={'cray_csm_in_process': False})
    assert play['s'].get('failed') is not True and play['s']['changed'] is True, play
    assert progress(play, 'cfs_session') == []


def run_with_callback(csm_play, tmp_path, callback):
    """ansible-playbook with the stdout callback a user sets (ANSIBLE_STDOUT_CALLBACK): (stdout, stderr)."""
    doc = [{'name': 'test', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
            'module_defaults': {'group/cray.csm.csm': {'api_gateway': csm_play.sim.url,
                                                       'token': csm_play.sim.token()}},
            'tasks': [CONFIG, session()]}]
    path = tmp_path / ('play-%s.yml' % callback.replace('.', '-'))
    path.write_text(yaml.safe_dump(doc))
    env = ansible_env(str(tmp_path), stdout_callback=callback, localhost_warning='false',
                      inventory_unparsed_warning='false', python_interpreter=sys.executable,
                      home=str(tmp_path / 'ansible-home'))
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', 'localhost,',
                           str(path), '-e', 'cray_csm_in_process=true'], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=env, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, proc.stderr


@pytest.mark.parametrize('callback', ['ansible.posix.json', 'json'])
def test_json_callback_stdout_stays_one_document(csm_play, tmp_path, callback):
    """With a JSON stdout callback, stdout is the JSON document alone (jq reads it); the progress lines of the
    wait go to stderr."""
    csm_play.sim.config(cfs_session_seconds=3)
    stdout, stderr = run_with_callback(csm_play, tmp_path, callback)
    doc = json.loads(stdout)  # the whole of stdout: no line ahead of the document
    (play,) = doc['plays']
    assert [t['task']['name'] for t in play['tasks']] == ['config', 's']
    result = play['tasks'][1]['hosts']['localhost']
    assert result.get('failed') is not True and result['changed'] is True, result
    lines = [m[1] for m in LINE.findall(stderr) if m[0] == 'cfs_session']
    assert_one_line_per_change(lines, 'CFS session pending', 'CFS session complete')


def test_default_callback_shows_progress_on_stdout(csm_play, tmp_path):
    csm_play.sim.config(cfs_session_seconds=3)
    stdout, stderr = run_with_callback(csm_play, tmp_path, 'default')
    lines = [m[1] for m in LINE.findall(stdout) if m[0] == 'cfs_session']
    assert_one_line_per_change(lines, 'CFS session pending', 'CFS session complete')
    assert not LINE.findall(stderr)
