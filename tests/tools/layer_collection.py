#!/usr/bin/env python3
"""The cray.csm files a CFS layer run from a plain clone needs, as symlinks beside the layer playbook.

CFS runs `ansible-playbook playbooks/ims_computes.yml` from a clone with no collection installed.
Ansible also looks for collections in `collections/` beside the playbook, so
`playbooks/collections/ansible_collections/cray/csm/plugins/...` holds links to the files of the API
modules the layer calls (roles/ims_register) and every file they import: one link per file, since
ansible-test refuses links to directories.

  python tests/tools/layer_collection.py          # list what is missing or extra (exit 1 if any)
  python tests/tools/layer_collection.py --write  # make the links
"""
import ast
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
LINKS = os.path.join(ROOT, 'playbooks', 'collections', 'ansible_collections', 'cray', 'csm')
PREFIX = 'ansible_collections.cray.csm.'
# The API modules roles/ims_register calls.
MODULES = ('token', 'hsm_component_info', 'hsm_lock', 'ims_remote_node')


def _imports(path):
    """The cray.csm modules a file imports (dotted names after the collection prefix)."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PREFIX):
            base = node.module[len(PREFIX):]
            for alias in node.names:  # `from ...module_utils import preflight` names a module
                sub = os.path.join(ROOT, *(base + '.' + alias.name).split('.')) + '.py'
                found.add(base + '.' + alias.name if os.path.exists(sub) else base)
        elif isinstance(node, ast.Import):
            found.update(a.name[len(PREFIX):] for a in node.names if a.name.startswith(PREFIX))
    return found


def needed():
    """Paths (relative to the collection root) of every file the layer's modules need."""
    todo = ['plugins/modules/%s.py' % m for m in MODULES] + ['plugins/action/%s.py' % m for m in MODULES]
    seen = set()
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        todo.extend(name.replace('.', '/') + '.py' for name in _imports(os.path.join(ROOT, rel)))
    return seen


def present():
    out = set()
    for d, _dirs, files in os.walk(LINKS):
        out.update(os.path.relpath(os.path.join(d, f), LINKS) for f in files)
    return out


def write():
    for rel in needed() - present():
        link = os.path.join(LINKS, rel)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(os.path.join(ROOT, rel), os.path.dirname(link)), link)
    for rel in present() - needed():
        os.unlink(os.path.join(LINKS, rel))


def main():
    if '--write' in sys.argv[1:]:
        write()
    missing, extra = sorted(needed() - present()), sorted(present() - needed())
    for rel in missing:
        print('missing: %s' % rel)
    for rel in extra:
        print('extra: %s' % rel)
    return 1 if missing or extra else 0


if __name__ == '__main__':
    sys.exit(main())
