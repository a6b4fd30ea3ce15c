# -*- coding: utf-8 -*-
"""Every module is in the `csm` action group and has the in-process action of its own name."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import os

import pytest
import yaml

from ansible_collections.cray.csm.plugins.plugin_utils.in_process import InProcessAction

COLL = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
MODULES = sorted(f[:-3] for f in os.listdir(os.path.join(COLL, 'plugins', 'modules'))
                 if f.endswith('.py') and not f.startswith('_'))


def test_every_module_is_in_the_action_group():
    with open(os.path.join(COLL, 'meta', 'runtime.yml')) as f:
        group = yaml.safe_load(f)['action_groups']['csm']
    assert sorted(group) == MODULES


@pytest.mark.parametrize('name', MODULES)
def test_every_module_runs_through_the_in_process_action(name):
    action = importlib.import_module('ansible_collections.cray.csm.plugins.action.%s' % name)
    assert issubclass(action.ActionModule, InProcessAction)
