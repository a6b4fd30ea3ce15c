# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):
    """The one action of the csm action group: meta/runtime.yml routes every module of the group here, and it
    runs the task's own module (see plugins/plugin_utils/in_process.py). It bears the name of a module of the
    group because ansible-test's action-plugin-docs sanity test requires an action to have a module of its name."""
