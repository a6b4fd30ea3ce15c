# -*- coding: utf-8 -*-
"""The CFS layer, run from a plain clone, finds cray.csm (the API modules of roles/ims_register) through links
in playbooks/collections/ (tests/tools/layer_collection.py): every run-time file of the collection is linked,
and each link points at the collection's own file."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
SPEC = importlib.util.spec_from_file_location('layer_collection', os.path.join(ROOT, 'tests', 'tools', 'layer_collection.py'))
layer_collection = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(layer_collection)


def test_every_needed_file_is_linked():
    needed = layer_collection.needed()
    assert {'plugins/module_utils/client.py', 'plugins/plugin_utils/in_process.py', 'meta/runtime.yml',
            'roles/ims_register/tasks/main.yml'} <= needed
    missing, extra = needed - layer_collection.present(), layer_collection.present() - needed
    assert not missing and not extra, 'run python tests/tools/layer_collection.py --write: missing %s, extra %s' % (
        sorted(missing), sorted(extra))


def test_links_point_at_the_collection_files():
    for rel in layer_collection.present():
        link = os.path.join(layer_collection.LINKS, rel)
        assert os.path.islink(link) and os.path.realpath(link) == os.path.realpath(os.path.join(ROOT, rel)), rel


def test_the_role_calls_only_linked_modules():
    with open(os.path.join(ROOT, 'roles', 'ims_register', 'tasks', 'main.yml')) as f:
        text = f.read()
    called = set(w.split(':')[0] for w in text.split() if w.startswith('cray.csm.'))
    assert called == set('cray.csm.' + m for m in layer_collection.MODULES), called
    for name in layer_collection.MODULES:
        for kind in ('modules', 'action'):
            assert os.path.isfile(os.path.join(layer_collection.LINKS, 'plugins', kind, name + '.py')), (kind, name)
