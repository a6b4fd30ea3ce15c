# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cray xnames: the hardware names CSM uses as component ids, and the canonical form HSM and BOS store.

HSM normalises every xname it is given (Cray-HPE/hms-xname ``xnametypes.NormalizeHMSCompID``:
trim white space, strip leading zeros from each number, lower case); BOS does the same to a boot
set's ``node_list``. IMS stores a remote build node as given and SSHes to that name, which CSM's DNS
knows only in the canonical form. So the collection canonicalises every xname before any request.

Private to cray.csm (its modules and plugins use it); not a public API.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Node xname (canonical): cabinet, chassis, slot, node BMC, node (for example x3000c0s19b4n0).
NODE_XNAME = re.compile(r'^x\d{1,4}c\d{1,2}s\d{1,2}b\d{1,2}n\d{1,2}$')
NODE_FORM = 'xXcCsSbBnN with numbers, for example x3000c0s19b4n0'
# Any HMS component xname (x<cabinet> then letter+number groups), as HSM's syntax check accepts.
COMPONENT_XNAME = re.compile(r'^x\d+([a-z]+\d+)*$')
# A letter run followed by a zero-padded number: the zeros go (hms-xname RemoveLeadingZeros).
_LEADING_ZEROS = re.compile(r'([a-zA-Z]+)0+([0-9]+)')


def canonical_xname(value):
    """The xname as HSM stores it: trimmed, no leading zeros in its numbers, lower case."""
    return _LEADING_ZEROS.sub(r'\1\2', str(value).strip()).lower()


def canonical_xnames(values):
    """([canonical xnames in the order given], {given: canonical} for those that were rewritten)."""
    out, rewritten = [], {}
    for v in values:
        c = canonical_xname(v)
        out.append(c)
        if c != v:
            rewritten[v] = c
    return out, rewritten


def invalid_node_xnames(values):
    """The values that are not node xnames (after canonicalisation), in the order given."""
    return [v for v in values if not NODE_XNAME.match(canonical_xname(v))]


def node_xname_error(values):
    """An error message for bad node xnames, or None when all are valid."""
    bad = invalid_node_xnames(values)
    if not bad:
        return None
    return 'Not a node xname: %s. Expected the form %s.' % (', '.join(repr(v) for v in bad), NODE_FORM)


def unique(values):
    """values without repeats, in the order given."""
    seen = set()
    return [v for v in values if not (v in seen or seen.add(v))]


def xname_list(values, option, nodes=True):
    """The one check of a list of xnames an option names: (error message or None, [canonical xnames without
    repeats, in the order given], {given: canonical} for those that were rewritten). nodes: node xnames only,
    else any HMS component (a BMC, a slot...)."""
    kind = 'node xname' if nodes else 'component xname'
    if not values:
        return '%s is empty: give at least one %s, for example x3000c0s19b4n0.' % (option, kind), [], {}
    canonical, rewritten = canonical_xnames(values)
    if nodes:
        error = node_xname_error(values)
    else:
        bad = [v for v, c in zip(values, canonical) if not COMPONENT_XNAME.match(c)]
        error = bad and ('Not a component xname: %s. Expected an xname such as x3000c0s19b4n0 (node) or x3000c0s19b4 '
                         '(BMC).' % ', '.join(repr(b) for b in bad))
    if error:
        return error, [], {}
    return None, unique(canonical), rewritten
