# -*- coding: utf-8 -*-
"""Every API module is in the `csm` action group, which meta/runtime.yml routes to the one in-process action;
modules that run on the nodes (no CsmModule) are in neither. The private ansible-core names the action uses
are listed in its docstring, and each is still there on this core."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import importlib
import inspect
import os
import re

import pytest
import yaml
from ansible.module_utils.ansible_release import __version__ as core_version
from ansible.plugins.loader import action_loader, module_loader

from ansible_collections.cray.csm.plugins.plugin_utils import in_process
from ansible_collections.cray.csm.plugins.plugin_utils.in_process import InProcessAction

COLL = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
MODULE_DIR = os.path.join(COLL, 'plugins', 'modules')
ACTION_DIR = os.path.join(COLL, 'plugins', 'action')
MODULES = sorted(f[:-3] for f in os.listdir(MODULE_DIR) if f.endswith('.py') and not f.startswith('_'))
with open(os.path.join(COLL, 'meta', 'runtime.yml')) as _f:
    RUNTIME = yaml.safe_load(_f)


def is_api_module(name):
    with open(os.path.join(MODULE_DIR, name + '.py')) as f:
        return 'CsmModule(' in f.read()


API_MODULES = [m for m in MODULES if is_api_module(m)]
NODE_MODULES = [m for m in MODULES if not is_api_module(m)]
ACTIONS = sorted(f for f in os.listdir(ACTION_DIR) if f.endswith('.py'))


def test_the_action_group_is_the_api_modules():
    assert sorted(RUNTIME['action_groups']['csm']) == API_MODULES
    assert len(API_MODULES) >= 13 and 'build_node_info' in NODE_MODULES  # the split found both kinds


def test_one_action_file():
    assert ACTIONS == ['token.py']


@pytest.mark.parametrize('name', API_MODULES)
def test_every_api_module_is_routed_to_the_in_process_action(name):
    """As ansible-core finds a task's action (TaskExecutor._get_action_handler_with_module_context: the module's
    `action_plugin`, then the action loader), while the task keeps the module's name (module_defaults)."""
    module = module_loader.find_plugin_with_context('cray.csm.' + name)
    assert module.resolved and module.resolved_fqcn == 'cray.csm.' + name and module.action_plugin == 'cray.csm.token'
    assert issubclass(action_loader.get(module.action_plugin, class_only=True), InProcessAction)
    assert not action_loader.find_plugin_with_context('cray.csm.' + name).resolved or name == 'token'


@pytest.mark.parametrize('name', NODE_MODULES)
def test_node_modules_have_no_controller_action(name):
    assert name not in RUNTIME['plugin_routing']['modules']
    assert module_loader.find_plugin_with_context('cray.csm.' + name).action_plugin is None
    assert not action_loader.find_plugin_with_context('cray.csm.' + name).resolved


def test_the_group_modules_are_imported_before_the_forks():
    in_process._import_group_modules()
    for name in API_MODULES:
        assert importlib.import_module(in_process.MODULE_PREFIX + name)


# -- the private ansible-core names of in_process.py -------------------------------------------------------

LISTED = re.findall(r'^    (ansible\.[\w.]+)(?: \(([^)]*)\))?$', in_process.__doc__, re.M)


def core_at_least(version):
    return tuple(int(p) for p in core_version.split('.')[:2]) >= tuple(int(p) for p in version.split('.'))


def resolve(dotted, kind):
    """The object a dotted ansible name names, or raise: the longest importable module, then attributes.
    An ActionBase (attribute) is one its __init__ sets."""
    parts = dotted.split('.')
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module('.'.join(parts[:cut]))
        except ImportError:
            continue
        for i, attr in enumerate(parts[cut:]):
            if kind == 'attribute' and i == len(parts[cut:]) - 1:
                assert 'self.%s = ' % attr in inspect.getsource(obj.__init__), '%s no longer sets %s' % (obj, attr)
                return attr
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_the_docstring_lists_names():
    assert len(LISTED) >= 15


@pytest.mark.parametrize('name,note', LISTED, ids=[entry[0] for entry in LISTED])
def test_each_listed_private_name_is_on_this_core(name, note):
    if note.endswith('+') and not core_at_least(note.rstrip('+')):
        with pytest.raises((ImportError, AttributeError)):
            resolve(name, note)
        return
    resolve(name, note)  # raises ImportError or AttributeError when the name moved


def used_private_names():
    """Each `x._name` in in_process.py that in_process.py does not define itself."""
    tree = ast.parse(inspect.getsource(in_process))
    own = set(n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef)))
    own |= set(t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name))
    names = set(n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute))
    names |= set(a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names)
    names |= set(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))
    return set(n for n in names if n.startswith('_') and not n.startswith('__') and n not in own)


def test_every_private_name_used_is_listed():
    listed = set(entry[0].rsplit('.', 1)[1] for entry in LISTED)
    used = used_private_names()
    assert '_ANSIBLE_ARGS' in used and '_parse_returned_data' in used  # the scan sees module and method names
    assert used - listed == set()
