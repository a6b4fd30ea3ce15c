# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Attributes shared by the modules; each module adds check_mode and diff_mode itself.
    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/cray.csm.csm) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - cray.csm.csm
'''

    # For modules that only read.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    description: The module only reads, so it runs fully in check mode.
    support: full
  diff_mode:
    description: The module changes nothing, so there is no diff.
    support: N/A
'''

    # For modules that change CSM objects.
    CHANGES = r'''
options: {}
attributes:
  check_mode:
    description: Reads the current state and reports what would change without changing it.
    support: full
  diff_mode:
    description: Returns the object before and after the change.
    support: full
'''
