# -*- coding: utf-8 -*-
"""Every API module is in the `csm` action group and has the in-process action of its own name;
modules that run on the nodes (no CsmModule) are in neither."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os

import pytest
import yaml

from ansible_collections.cray.csm.plugins.plugin_utils.in_process import InProcessAction

COLL = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
MODULE_DIR = os.path.join(COLL, 'plugins', 'modules')
MODULES = sorted(f[:-3] for f in os.listdir(MODULE_DIR) if f.endswith('.py') and not f.startswith('_'))


def is_api_module(name):
    with open(os.path.join(MODULE_DIR, name + '.py')) as f:
        return 'CsmModule(' in f.read()


API_MODULES = [m for m in MODULES if is_api_module(m)]
NODE_MODULES = [m for m in MODULES if not is_api_module(m)]


def test_the_action_group_is_the_api_modules():
    with open(os.path.join(COLL, 'meta', 'runtime.yml')) as f:
        group = yaml.safe_load(f)['action_groups']['csm']
    assert sorted(group) == API_MODULES
    assert len(API_MODULES) >= 13 and 'build_node_info' in NODE_MODULES  # the split found both kinds


@pytest.mark.parametrize('name', API_MODULES)
def test_every_api_module_runs_through_the_in_process_action(name):
    action = importlib.import_module('ansible_collections.cray.csm.plugins.action.%s' % name)
    assert issubclass(action.ActionModule, InProcessAction)


@pytest.mark.parametrize('name', NODE_MODULES)
def test_node_modules_have_no_controller_action(name):
    assert not os.path.exists(os.path.join(COLL, 'plugins', 'action', name + '.py'))
