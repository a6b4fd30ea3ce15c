# -*- coding: utf-8 -*-
"""Role cray.csm.remote_build_node: its argument spec lists every variable the setup and removal read,
and a bad value fails before the credentials are read or any node is touched."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest
import yaml

# In the integration suite, not units: the role's playbooks need ansible.posix, which ansible-test units'
# own venv does not hold.
COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
ROLE = os.path.join(COLLECTION, 'roles', 'remote_build_node')
# Which entry point validates the variables each file reads.
READERS = {
    'main': ['tasks/main.yml', 'vars/main.yml', 'tasks/credentials.yml', 'tasks/podman.yml',
             'tasks/cache.yml', 'tasks/cfs_check.yml', 'tasks/registered.yml', '../../playbooks/remote_build_node.yml'],
    'remove': ['tasks/remove.yml', 'vars/main.yml', 'tasks/credentials.yml',
               '../../playbooks/remove_remote_build_node.yml'],
    'connect': ['tasks/connect.yml', 'tasks/xname.yml', 'tasks/credentials.yml'],
}
# Read by vars/main.yml for both entry points, meaningful to one only.
SETUP_ONLY = {'remote_build_node_podman', 'remote_build_node_wait_timeout', 'remote_build_node_fail_on_error',
              'remote_build_node_min_free_gib', 'remote_build_node_warn_free_gib', 'remote_build_node_ssh_host',
              'remote_build_node_ssh_port', 'remote_build_node_ims_private_key', 'remote_build_node_image_root_gib',
              'remote_build_node_cfs_configuration'}
REMOVE_ONLY = {'remote_build_node_remove_ims_key', 'remote_build_node_force', 'remote_build_node_drain_timeout',
               'remote_build_node_drain_poll_interval'}
# The one fact the role publishes (README.md): written, not read from the user.
PUBLISHED = 'remote_build_node_result'
USER_VAR = re.compile(r'(?<![.\w])((?:remote_build_node|csm)_[a-z_]+)\b')  # not cray.csm.<filter>


def specs():
    with open(os.path.join(ROLE, 'meta', 'argument_specs.yml')) as f:
        return yaml.safe_load(f)['argument_specs']


def read_vars(path):
    with open(os.path.join(ROLE, path)) as f:
        text = f.read()
    # set_fact and register names are the role's own; only what a user sets counts.
    return set(v for v in USER_VAR.findall(text) if v != PUBLISHED)


@pytest.mark.parametrize('entry', sorted(READERS))
def test_the_spec_lists_every_variable_read(entry):
    options = set(specs()[entry]['options'])
    read = set()
    for path in READERS[entry]:
        read |= read_vars(path)
    read -= {'main': REMOVE_ONLY, 'remove': SETUP_ONLY, 'connect': SETUP_ONLY | REMOVE_ONLY}[entry]
    assert read, 'found no variable: the pattern is wrong'
    assert sorted(read - options) == []


def test_the_defaults_are_the_documented_ones():
    with open(os.path.join(ROLE, 'defaults', 'main.yml')) as f:
        defaults = yaml.safe_load(f)
    documented = {}
    for entry in specs().values():
        for name, opt in entry['options'].items():
            if 'default' in opt and name.startswith('remote_build_node_') and name != 'remote_build_node_hosts':
                documented[name] = opt['default']
    assert defaults == documented


def test_the_keys_and_secrets_are_no_log():
    for entry in specs().values():
        for name, opt in entry['options'].items():
            if name.endswith(('_public_key', '_private_key', '_token', '_secret')):
                assert opt.get('no_log') is True, name


def run_playbook(playbook, extra, tmp_path):
    """ansible-playbook on one local host whose credentials would fail to read (no cluster here)."""
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text(u'[remote_build_nodes]\nx3000c0s19b4n0 ansible_connection=local\n')
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.abspath(os.path.join(COLLECTION, '..', '..', '..')),
               ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'), ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
               csm_kubeconfig=str(tmp_path / 'no-kubeconfig'))
    # the CLI's main() with this Python: under ansible-test no ansible-playbook script is on PATH
    cmd = [sys.executable, '-c', 'import sys; from ansible.cli.playbook import main; main()', '-i', str(inventory),
           os.path.join(COLLECTION, 'playbooks', playbook), '-e', 'csm_kubeconfig=%s' % (tmp_path / 'none')]
    for key, value in extra.items():
        cmd += ['-e', '%s=%s' % (key, value)]
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=120, check=False)
    return out.returncode, out.stdout


def tasks_run(out):
    return re.findall(r'^TASK \[(.*?)\]', out, re.M)


@pytest.mark.parametrize('playbook,extra,named', [
    ('remote_build_node.yml', {'remote_build_node_podman': 'alwyas'}, 'remote_build_node_podman'),
    ('remote_build_node.yml', {'remote_build_node_wait_timeout': 'soon'}, 'remote_build_node_wait_timeout'),
    ('remove_remote_build_node.yml', {'remote_build_node_drain_timeout': 'soon'}, 'remote_build_node_drain_timeout'),
])
def test_a_bad_value_fails_before_anything_runs(playbook, extra, named, tmp_path):
    rc, out = run_playbook(playbook, extra, tmp_path)
    assert rc != 0, out
    assert 'Validation of arguments failed' in out and named in out, out
    # the validation is the only task that ran: no credential read, no node touched
    ran = tasks_run(out)
    assert len(ran) == 1 and ran[0].startswith('cray.csm.remote_build_node : Validating arguments against arg spec'), out


def test_good_values_pass_the_validation_and_reach_the_credentials(tmp_path):
    # the counterpart: with valid values the run goes on to the credentials (which fail here, no cluster)
    rc, out = run_playbook('remote_build_node.yml', {'remote_build_node_podman': 'always'}, tmp_path)
    assert rc != 0, out
    assert 'Validation of arguments failed' not in out, out
    assert any('Read the admin client secret' in t for t in tasks_run(out)), out
    assert any(t.endswith('Say what is missing') for t in tasks_run(out)), out


def test_no_lint_suppression_of_var_naming():
    # the role's names are private (__remote_build_node_*) or the one published fact: nothing to suppress
    found = []
    for top in ('roles', 'playbooks'):
        for root, _dirs, files in os.walk(os.path.join(COLLECTION, top)):
            for name in files:
                if name.endswith(('.yml', '.yaml')):
                    with open(os.path.join(root, name)) as f:
                        found += ['%s:%d' % (name, i) for i, line in enumerate(f, 1) if 'noqa: var-naming' in line]
    assert found == []


def test_the_playbooks_read_the_published_result_not_the_internals():
    # what a playbook of the role reads of a node is remote_build_node_result; the role's other facts are
    # private (the status playbook reads the public key the role read, which is never part of a result)
    allowed = {'remote_build_node_status.yml': {'__remote_build_node_ims_public_key'},
               'cray_csm_connection.yml': {'__remote_build_node_client_secret', '__remote_build_node_auth'}}
    for name in ('remote_build_node.yml', 'remove_remote_build_node.yml', 'remote_build_node_status.yml',
                 'clean_remote_build_node.yml', 'configure_remote_build_nodes.yml', 'vars/cray_csm_connection.yml'):
        with open(os.path.join(COLLECTION, 'playbooks', name)) as f:
            text = f.read()
        private = set(re.findall(r'__remote_build_node_\w+', text))
        assert private <= allowed.get(os.path.basename(name), set()), name
        assert not re.search(r'\brbn_\w+', text), name
