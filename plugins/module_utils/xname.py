# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cray xnames: the hardware names CSM uses as component ids."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Node xname: cabinet, chassis, slot, node BMC, node (for example x3000c0s19b4n0).
NODE_XNAME = re.compile(r'^x\d{1,4}c\d{1,2}s\d{1,2}b\d{1,2}n\d{1,2}$')
NODE_FORM = 'xXcCsSbBnN with numbers, for example x3000c0s19b4n0'


def invalid_node_xnames(values):
    """The values that are not node xnames, in the order given."""
    return [v for v in values if not NODE_XNAME.match(str(v))]


def node_xname_error(values):
    """An error message for bad node xnames, or None when all are valid."""
    bad = invalid_node_xnames(values)
    if not bad:
        return None
    return 'Not a node xname: %s. Expected the form %s.' % (', '.join(repr(v) for v in bad), NODE_FORM)
