# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cray.csm.plugins.filter.canonical_xname import FilterModule

canonical_xname = FilterModule().filters()['canonical_xname']


@pytest.mark.parametrize('given', ['x3000c0s19b4n0', 'X3000C0S19B04N0', ' x03000c0s19b4n00 '])
def test_canonical(given):
    assert canonical_xname(given) == 'x3000c0s19b4n0'


@pytest.mark.parametrize('bad', ['ncn-w001', 'x3000c0s19b4', ''])
def test_not_a_node_xname_fails_with_the_form(bad):
    with pytest.raises(AnsibleFilterError, match='Expected the form xXcCsSbBnN'):
        canonical_xname(bad)
