# -*- coding: utf-8 -*-
"""Unit test fixtures."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

# Plain pytest from the collection root: make `ansible_collections.cray.csm` importable.
_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', '..'))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from ansible_collections.cray.csm.plugins.module_utils import session as client_mod  # noqa: E402
from ansible_collections.cray.csm.tests.unit.utils import FakeClient  # noqa: E402


@pytest.fixture
def fake_client(monkeypatch):
    fake = FakeClient()
    monkeypatch.setattr(client_mod.CsmClient, 'from_params', classmethod(lambda cls, params: fake))
    return fake
