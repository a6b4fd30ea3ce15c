# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):
    """Runs cray.csm.remote_node_boot_plan in the worker process (see plugins/plugin_utils/in_process.py)."""
