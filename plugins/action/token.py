# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.cray.csm.plugins.plugin_utils.in_process import InProcessAction


class ActionModule(InProcessAction):
    """Runs the token module (in process where it can) and hides its result from every display.

    A module cannot mask a value it returns without losing it, so the masking happens here:
    callbacks censor a result marked _ansible_no_log, while `register` keeps the real token.
    """

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        result['_ansible_no_log'] = True
        return result
