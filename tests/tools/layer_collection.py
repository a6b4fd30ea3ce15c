"""The cray.csm collection beside the CFS layer playbook, as links, for a plain clone.

CFS runs `ansible-playbook playbooks/ims_computes.yml` from a clone with no collection installed.
Ansible also looks for collections in `collections/` beside the playbook given on its command line, so
`playbooks/collections/ansible_collections/cray/csm/` holds a link to every file an installed collection
uses at run time: plugins/, roles/ and meta/runtime.yml (one link per file, since ansible-test refuses links
to directories). It is the whole collection, not only the modules the layer calls (roles/ims_register),
because it also stands in for an installed cray.csm when any other playbooks/*.yml of a clone is run by
path (ansible-lint's syntax check does that). The artifact leaves it out (galaxy.yml `prune`).

  python tests/tools/layer_collection.py          # list what is missing or extra (exit 1 if any)
  python tests/tools/layer_collection.py --write  # make the links
"""
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
LINKS = os.path.join(ROOT, 'playbooks', 'collections', 'ansible_collections', 'cray', 'csm')
TREES = ('plugins', 'roles')
FILES = ('meta/runtime.yml',)
# The API modules roles/ims_register calls (tests/unit/test_layer_collection.py).
MODULES = ('token', 'hsm_component_info', 'hsm_lock', 'ims_remote_node')
JUNK = ('__pycache__',)


def _wanted(name):
    return not (name.endswith(('.pyc', '.pyo', '~', '.swp', '.orig', '.rej')) or name.startswith('.'))


def needed():
    """Paths (relative to the collection root) of every file the collection uses at run time."""
    out = set(f for f in FILES if os.path.exists(os.path.join(ROOT, f)))
    for tree in TREES:
        for d, dirs, files in os.walk(os.path.join(ROOT, tree)):
            dirs[:] = [x for x in dirs if x not in JUNK and not x.startswith('.')]
            out.update(os.path.relpath(os.path.join(d, f), ROOT) for f in files if _wanted(f))
    return out


def present():
    out = set()
    for d, dirs, files in os.walk(LINKS):
        dirs[:] = [x for x in dirs if x not in JUNK]
        out.update(os.path.relpath(os.path.join(d, f), LINKS) for f in files if _wanted(f))
    return out


def write():
    for rel in needed() - present():
        link = os.path.join(LINKS, rel)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.relpath(os.path.join(ROOT, rel), os.path.dirname(link)), link)
    for rel in present() - needed():
        os.unlink(os.path.join(LINKS, rel))
        try:
            os.removedirs(os.path.dirname(os.path.join(LINKS, rel)))
        except OSError:
            pass  # not empty


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
