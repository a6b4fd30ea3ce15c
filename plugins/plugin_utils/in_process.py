# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a cray.csm API module inside the Ansible worker instead of a new Python process.

Nearly all the time of a module task goes to starting Python and importing ansible in a new process, not
to the API request (benchmarks/RESULTS.md). Every API module runs on the controller (delegated to
localhost), so its code can run in the worker that Ansible already forked for the task. The module file
stays an ordinary module: this action feeds it the same arguments (``_update_module_args``), captures what
``exit_json``/``fail_json`` print, and parses that with the same ``_parse_returned_data`` a module run
uses, so the task result is the same on either path.

It is the one action of the ``csm`` action group: meta/runtime.yml gives every module of the group
``action_plugin: cray.csm.token``, plugins/action/token.py, which holds nothing but this class. (That file has
a module's name because ansible-test's action-plugin-docs sanity test wants a module of the action's name.)
ansible-playbook imports this file when the strategy looks up the action of a ``cray.csm.token`` task, as every
playbook of the collection runs first unless given a token; it then imports the group's modules and warms up
(``_warm_up``), once, before the forks. Otherwise each worker does so for its own task. ansible-core 2.11 (the
CFS layer) knows no ``action_plugin`` routing: there only cray.csm.token runs here, the others as module processes.

Where that would not be the same run, the action runs the module as usual and says why at ``-v``:
async tasks, become, a non-local connection, or a Python interpreter for the host other than the
controller's. ``cray_csm_in_process: false`` (a variable) or ``CRAY_CSM_IN_PROCESS=false`` (the
controller's environment) turns it off.

Private ansible-core names it uses; tests/unit/plugins/action/test_in_process_wiring.py fails on a core
where one of them is gone, and when this code uses one that is not listed here:
    ansible.module_utils.basic._ANSIBLE_ARGS
    ansible.module_utils.basic._ANSIBLE_PROFILE (2.19+)
    ansible.module_utils.common.warnings._global_warnings
    ansible.module_utils.common.warnings._global_deprecations
    ansible.module_utils.common.json.Direction (2.19+)
    ansible.module_utils.common.json.get_module_decoder (2.19+)
    ansible.module_utils.common.json.get_module_encoder (2.19+)
    ansible.vars.clean.remove_internal_keys
    ansible.plugins.action.ActionBase._VALID_ARGS
    ansible.plugins.action.ActionBase._execute_module
    ansible.plugins.action.ActionBase._update_module_args
    ansible.plugins.action.ActionBase._compute_environment_string
    ansible.plugins.action.ActionBase._parse_returned_data
    ansible.plugins.action.ActionBase._task (attribute)
    ansible.plugins.action.ActionBase._play_context (attribute)
    ansible.plugins.action.ActionBase._connection (attribute)
    ansible.plugins.action.ActionBase._templar (attribute)
    ansible.plugins.action.ActionBase._shared_loader_obj (attribute)
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import io
import json
import multiprocessing
import os
import sys
import time
import traceback
from contextlib import contextmanager
from urllib.request import Request

import yaml
from ansible import constants as C
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible.vars.clean import remove_internal_keys

from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
from ansible_collections.cray.csm.plugins.module_utils.transport import http_opener, ssl_context

try:  # ansible-core 2.19+: module messages go through a serialization profile
    from ansible.module_utils.common.json import Direction, get_module_decoder, get_module_encoder
    PROFILE = 'legacy'  # what ansible-core uses for Python modules (executor/module_common.py)
except ImportError:  # ansible-core 2.16-2.18
    Direction = get_module_decoder = get_module_encoder = PROFILE = None

display = Display()
CONTROLLER_PYTHON = os.path.realpath(sys.executable)
MODULE_PREFIX = 'ansible_collections.cray.csm.plugins.modules.'
RUNTIME = os.path.join(os.path.dirname(__file__), '..', '..', 'meta', 'runtime.yml')
GROUP = 'csm'
# Modules whose whole result is a secret (a token). A module cannot mask a value it returns without losing it, so
# the action marks the result _ansible_no_log: callbacks censor it, while `register` keeps the real value.
SECRET_RESULTS = ('cray.csm.token',)


def _warm_up():
    """Make once what every task needs and is slow to make: the strategy imports this file in ansible-playbook
    itself, and each task runs in a new fork of it, which then finds these ready (a cache filled in the fork
    would be lost with it)."""
    ssl_context()  # the system CA store (module_utils/transport.py)
    http_opener()
    Request('http://localhost/')  # urllib compiles its URL patterns on first use
    if multiprocessing.current_process().name == 'MainProcess':  # ansible-playbook, not a worker: for the forks
        _import_group_modules()
    if PROFILE:  # each profile is imported (and searched for) on first use
        for direction in Direction:
            get_module_encoder(PROFILE, direction)
            get_module_decoder(PROFILE, direction)


def _import_group_modules():
    """Import the modules of the action group now (a task imports its own again if this failed)."""
    try:
        with open(RUNTIME) as f:
            modules = yaml.safe_load(f)['action_groups'][GROUP]
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return
    for name in modules:
        try:
            importlib.import_module(MODULE_PREFIX + name)
        except Exception:  # pylint: disable=broad-except
            pass  # the task imports it again and reports the error


_warm_up()


class InProcessAction(ActionBase):
    """The action of every cray.csm API module (the csm action group): the module's main() in this process."""

    _VALID_ARGS = None  # the module validates its own arguments, with its own messages

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(InProcessAction, self).run(tmp, task_vars)
        module_name = self._module_name()
        reason = self._not_in_process(task_vars)
        if reason:
            display.v('cray.csm: %s runs as a module process: %s' % (module_name, reason),
                      host=self._task.delegate_to or task_vars.get('inventory_hostname'))
            result.update(self._execute_module(module_name=module_name, module_args=self._task.args,
                                               task_vars=task_vars))
        else:
            result.update(self._run_in_process(module_name, task_vars))
        if module_name in SECRET_RESULTS:
            result['_ansible_no_log'] = True
        return result

    def _not_in_process(self, task_vars):
        """Why the module cannot run in this process (None when it can)."""
        setting = task_vars.get('cray_csm_in_process', os.environ.get('CRAY_CSM_IN_PROCESS', True))
        if not boolean(self._templar.template(setting), strict=False):
            return 'cray_csm_in_process is false'
        if self._task.async_val:
            return 'the task is async'
        if self._play_context.become:
            return 'the task uses become'
        if getattr(self._connection, 'transport', None) != 'local':
            return 'the connection is %s, not local' % getattr(self._connection, 'transport', 'unknown')
        interpreter = self._host_interpreter(task_vars)
        if interpreter and interpreter.startswith('auto'):
            return ('the host\'s Python is found by interpreter discovery (%s), which need not be the controller\'s '
                    '%s (set ansible_python_interpreter to "{{ ansible_playbook_python }}" to run in process)'
                    % (interpreter, sys.executable))
        if interpreter and os.path.realpath(interpreter) != CONTROLLER_PYTHON:
            return ('the host\'s Python is %s, not the controller\'s %s (set ansible_python_interpreter to '
                    '"{{ ansible_playbook_python }}" to run in process)' % (interpreter, sys.executable))
        return None

    def _host_interpreter(self, task_vars):
        """The Python a module process would run under on the target host, or 'auto…' (discovery)."""
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = (task_vars.get('ansible_delegated_vars') or {}).get(self._task.delegate_to, task_vars)
        # The variable, else ansible.cfg or ANSIBLE_PYTHON_INTERPRETER; the implicit localhost sets the
        # variable to the controller's Python.
        value = C.config.get_config_value('INTERPRETER_PYTHON', variables=host_vars)
        return str(self._templar.template(value)) if value else None

    def _run_in_process(self, module_name, task_vars):
        module = importlib.import_module(self._module_import_name(module_name))
        args = dict(self._task.args)
        self._update_module_args(module_name, args, task_vars)
        environment = {}
        self._compute_environment_string(raw_environment_out=environment)
        host = self._task.delegate_to or task_vars.get('inventory_hostname')
        with _module_args(args), _environment(environment), _progress(module_name, host), _clean_warnings():
            rc, stdout, stderr = _capture(module.main)
        data = self._parse_returned_data(*_parse_args(dict(rc=rc, stdout=stdout, stderr=stderr)))
        data.pop('_ansible_suppress_tmpdir_delete', None)
        remove_internal_keys(data)
        return data

    def _module_name(self):
        """The task's module, redirects followed. Not the task's resolved_action: meta/runtime.yml routes every
        module of the group to this one action, and ansible-core 2.16 then resolves the action to the action
        plugin's name (cray.csm.token) where 2.19 keeps the module's; 2.11 has no resolved_action at all."""
        context = self._shared_loader_obj.module_loader.find_plugin_with_context(
            self._task.action, collection_list=self._task.collections)
        fqcn = getattr(context, 'resolved_fqcn', None)  # ansible-core 2.12+
        if fqcn is None:  # 2.11: the module's Python name, ansible_collections.NS.COLL.plugins.modules.NAME
            parts = context.plugin_resolved_name.split('.')
            fqcn = '.'.join(parts[1:3] + parts[-1:])
        return fqcn

    def _module_import_name(self, module_name):
        return MODULE_PREFIX + module_name[len('cray.csm.'):]


def _parse_args(res):
    return (res, PROFILE) if PROFILE else (res,)


def _encode_args(args):
    if PROFILE:
        return json.dumps(dict(ANSIBLE_MODULE_ARGS=args), cls=get_module_encoder(PROFILE, Direction.CONTROLLER_TO_MODULE))
    return json.dumps(dict(ANSIBLE_MODULE_ARGS=args))


@contextmanager
def _module_args(args):
    """The arguments AnsibleModule reads, as AnsiballZ would hand them over."""
    from ansible.module_utils import basic
    saved = basic._ANSIBLE_ARGS, getattr(basic, '_ANSIBLE_PROFILE', None)
    basic._ANSIBLE_ARGS = _encode_args(args).encode('utf-8')
    if PROFILE:
        basic._ANSIBLE_PROFILE = PROFILE
    try:
        yield
    finally:
        basic._ANSIBLE_ARGS = saved[0]
        if PROFILE:
            basic._ANSIBLE_PROFILE = saved[1]


@contextmanager
def _environment(environment):
    """The task's `environment:` for the run, as the module process would have it."""
    if not environment:
        yield
        return
    saved = dict(os.environ)
    os.environ.update(dict((k, str(v)) for k, v in environment.items()))
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _clean_warnings():
    """Warnings are module globals: a loop runs several modules in one worker."""
    def clear():
        module_warnings._global_warnings.clear()
        module_warnings._global_deprecations.clear()
    clear()
    try:
        yield
    finally:
        clear()


def _stdout_is_a_document():
    """True when the stdout callback writes a document a program reads (ansible.posix.json, json, jsonl,
    community.general's): a progress line on stdout would break it, so it goes to stderr instead."""
    callback = str(C.config.get_config_value('DEFAULT_STDOUT_CALLBACK') or '')
    return 'json' in callback.rsplit('.', 1)[-1].lower()


@contextmanager
def _progress(module_name, host):
    """Progress lines of a long wait, shown while the task runs (CsmModule.report_progress): on stdout for a
    person, on stderr when stdout is a JSON document."""
    started = time.time()
    to_stderr = _stdout_is_a_document()

    def show(message):
        display.display('%s [%s] %s (%ds)' % (module_name, host, message, time.time() - started), stderr=to_stderr)
    CsmModule.progress_hook = staticmethod(show)
    try:
        yield
    finally:
        CsmModule.progress_hook = None


def _capture(main):
    """Run main() and return (rc, stdout, stderr) as a module process would end.

    exit_json and fail_json print the result and exit; a crash prints its traceback, which
    _parse_returned_data turns into the same MODULE FAILURE a module process gives.
    """
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    rc = 0
    try:
        main()
    except SystemExit as e:
        rc = e.code if isinstance(e.code, int) else 1
    except Exception:  # pylint: disable=broad-except
        traceback.print_exc(file=err)
        rc = 1
    finally:
        sys.stdout, sys.stderr = saved
    return rc, out.getvalue(), err.getvalue()
