"""The simulator is a second, independent reading of the upstream services: it imports nothing from
the collection (plugins/, ansible_collections) nor from Ansible, so a bug in plugins/ cannot hide
itself by being copied into the stand-in it is tested against."""
import ast
import os

import pytest

SIMULATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'simulator')
FORBIDDEN = ('ansible_collections', 'ansible', 'plugins')
FILES = sorted(f for f in os.listdir(SIMULATOR) if f.endswith('.py'))


def imported(tree):
    """Top-level names of every module the source imports (absolute imports; relative ones count as '.')."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.partition('.')[0]
        elif isinstance(node, ast.ImportFrom):
            yield '.' if node.level else node.module.partition('.')[0]
        elif isinstance(node, ast.Call) and getattr(node.func, 'attr', getattr(node.func, 'id', None)) in (
                'import_module', '__import__') and node.args and isinstance(node.args[0], ast.Constant):
            yield str(node.args[0].value).partition('.')[0]


def test_there_is_a_simulator():
    assert 'csm_simulator.py' in FILES and 'core.py' in FILES, FILES


@pytest.mark.parametrize('name', FILES)
def test_imports_nothing_from_the_collection(name):
    with open(os.path.join(SIMULATOR, name)) as f:
        tree = ast.parse(f.read(), name)
    bad = sorted(set(m for m in imported(tree) if m in FORBIDDEN))
    assert bad == [], '%s imports %s: the simulator must not share code with the collection' % (name, bad)


def test_the_check_sees_a_forbidden_import():
    tree = ast.parse('import os\nfrom ansible_collections.cray.csm.plugins.module_utils import client\n'
                     'import importlib\nimportlib.import_module("plugins.x")\n')
    assert sorted(set(imported(tree))) == ['ansible_collections', 'importlib', 'os', 'plugins']
