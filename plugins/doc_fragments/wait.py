# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The timing options of every module that waits (module_utils.module.wait_spec); each module
    # documents O(wait) itself (what it waits for) and may give other defaults.
    DOCUMENTATION = r'''
options:
  wait_timeout:
    description: Seconds to wait with O(wait); the task fails with the last status seen after that.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between status reads with O(wait).
    type: int
    default: 15
'''
