# -*- coding: utf-8 -*-
"""The CSM name rules checked before any request (module_utils/names.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.cray.csm.plugins.module_utils import names


@pytest.mark.parametrize('name,ok', [('bos_ims_remote_node', True), ('a', True), ('a' * 127, True),
                                     ('a' * 128, False), ('-x', False), ('x.', False), ('has space', False), ('', False)])
def test_bos_names(name, ok):
    assert (names.bos_name_error('template name', name) is None) is ok


@pytest.mark.parametrize('value,ok', [('4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61', True),
                                      ('4A5E5BD78F3C4B3C9D0E1A2B3C4D5E61', True), ('image-1', False), ('', False)])
def test_image_ids_are_uuids_as_cfs_checks(value, ok):
    # CFS takes what uuid.UUID(value) parses (config-framework-service _validate_session_target)
    assert (names.image_id_error([value]) is None) is ok


def test_cfs_configuration_name_length():
    assert names.cfs_configuration_name_error('a' * 60) is None
    assert 'has 61' in names.cfs_configuration_name_error('a' * 61)
    assert names.cfs_configuration_name_error('') is not None
