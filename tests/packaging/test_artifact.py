# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection artifact: what `ansible-galaxy collection build` puts in it, and what Galaxy says.

The tarball is built from a copy of the checkout in which the caches a contributor's checkout has
(venvs, ansible-lint's .ansible/, the docs site, ansible-test output, bytecode, an old tarball) are
present, so that the manifest directives of galaxy.yml are what keeps them out.
Run by `tests/run --only galaxy` in its own venv (tests/requirements-galaxy.txt).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMPORTER_CFG = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'galaxy-importer.cfg')

# Top-level entries an installed collection uses; anything else in the artifact is a packaging bug.
ALLOWED_TOP = {'plugins', 'roles', 'playbooks', 'meta', 'docs', 'changelogs', 'README.md', 'COPYING',
               'CHANGELOG.rst', 'requirements.txt', 'bindep.txt', 'MANIFEST.json', 'FILES.json'}
REQUIRED_FILES = ['README.md', 'COPYING', 'CHANGELOG.rst', 'requirements.txt', 'bindep.txt',
                  'meta/runtime.yml', 'meta/execution-environment.yml', 'changelogs/changelog.yaml']
# Every tracked file under these goes in (docs: the pages only, not the docs site's requirements).
COMPLETE = [('plugins/', '.py'), ('roles/', ''), ('playbooks/', '.yml'), ('docs/', '.md')]

# What a used checkout holds besides its tracked files: none of it may reach the artifact.
CACHES = [
    '.cache/venv/core-2.19-0123456789ab/bin/python',
    '.ansible/collections/ansible_collections/cray/csm/MANIFEST.json',
    '.ansible/roles/.keep',
    'docs/build/html/index.html',
    'docs/build/html/_static/page.md',
    'tests/output/junit/python3.11-modules.xml',
    'plugins/modules/__pycache__/token.cpython-311.pyc',
    'plugins/module_utils/client.pyc',
    'roles/podman_install/tasks/.main.yml.swp',
    'roles/podman_install/tasks/main.yml~',
    '.pytest_cache/README.md',
    '.ruff_cache/CACHEDIR.TAG',
    '.venv/pyvenv.cfg',
    'benchmarks/results/run-1.json',
    'cray-csm-0.0.1.tar.gz',
]
FORBIDDEN_PREFIXES = ('tests/', 'molecule/', 'benchmarks/', 'demo', '.', 'docs/build/', 'docs/requirements.txt',
                      'changelogs/fragments/', 'galaxy.yml', 'ruff.toml')


def tracked_files():
    """The checkout's files as tests/run's build copy has them (tracked + untracked, not ignored)."""
    if os.path.isdir(os.path.join(ROOT, '.git')) or os.path.isfile(os.path.join(ROOT, '.git')):
        out = subprocess.check_output(['git', 'ls-files', '-co', '--exclude-standard', '-z'], cwd=ROOT)
        return sorted(f for f in out.decode().split('\0') if f and os.path.isfile(os.path.join(ROOT, f)))
    pytest.fail('%s is not a git checkout: cannot tell its files from its caches' % ROOT)


def copy_tree(dest, galaxy_overrides=None):
    coll = os.path.join(dest, 'ansible_collections', 'cray', 'csm')
    for f in tracked_files():
        os.makedirs(os.path.dirname(os.path.join(coll, f)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, f), os.path.join(coll, f))
    for f in CACHES:
        path = os.path.join(coll, f)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as fh:
            fh.write('cache\n')
    if galaxy_overrides:
        path = os.path.join(coll, 'galaxy.yml')
        with open(path) as fh:
            meta = yaml.safe_load(fh)
        meta.update(galaxy_overrides)
        with open(path, 'w') as fh:
            yaml.safe_dump(meta, fh)
    return coll


def ansible_galaxy():
    # The one of this venv, also when its bin/ is not on PATH.
    here = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
    return here if os.path.exists(here) else 'ansible-galaxy'


def build(coll, out):
    proc = subprocess.run([ansible_galaxy(), 'collection', 'build', '--force', '--output-path', out, coll],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0, proc.stdout
    tarballs = [f for f in os.listdir(out) if f.endswith('.tar.gz')]
    assert len(tarballs) == 1, tarballs
    return os.path.join(out, tarballs[0])


@pytest.fixture(scope='module')
def tree(tmp_path_factory):
    return copy_tree(str(tmp_path_factory.mktemp('tree')))


@pytest.fixture(scope='module')
def tarball(tree, tmp_path_factory):
    return build(tree, str(tmp_path_factory.mktemp('dist')))


@pytest.fixture(scope='module')
def members(tarball):
    with tarfile.open(tarball) as tar:
        return sorted(m.name for m in tar.getmembers() if m.isfile())


@pytest.fixture(scope='module')
def unpacked(tarball, tmp_path_factory):
    dest = str(tmp_path_factory.mktemp('unpacked'))
    with tarfile.open(tarball) as tar:
        tar.extractall(dest)
    return dest


def test_caches_were_planted(tree):
    # The build below must have had something to leave out.
    missing = [f for f in CACHES if not os.path.isfile(os.path.join(tree, f))]
    assert not missing


def test_artifact_holds_only_what_an_installed_collection_uses(members):
    outside = [m for m in members if m.split('/')[0] not in ALLOWED_TOP]
    forbidden = [m for m in members if m.startswith(FORBIDDEN_PREFIXES)
                 or re.search(r'(^|/)(\.[^/]+|__pycache__)(/|$)|\.py[co]$|~$|\.tar\.gz$', m)]
    assert not outside, 'not for an installed collection: %s' % outside
    assert not forbidden, 'caches, tests or dotfiles in the artifact: %s' % forbidden


def test_artifact_holds_everything_an_installed_collection_uses(members):
    have = set(members)
    missing = [f for f in REQUIRED_FILES if f not in have]
    for prefix, suffix in COMPLETE:
        missing += [f for f in tracked_files() if f.startswith(prefix) and f.endswith(suffix)
                    and f not in have and not f.startswith(('docs/build/', 'playbooks/collections/'))]
    assert not missing, 'missing from the artifact: %s' % missing
    assert any(m.startswith('roles/') and m.endswith('/README.md') for m in members)


def test_every_role_has_a_readme(members):
    roles = sorted({m.split('/')[1] for m in members if m.startswith('roles/')})
    assert roles, 'no roles in the artifact'
    assert [r for r in roles if 'roles/%s/README.md' % r not in members] == []


def test_manifest_lists_every_file(unpacked, members):
    with open(os.path.join(unpacked, 'FILES.json')) as fh:
        listed = {f['name'] for f in json.load(fh)['files'] if f['ftype'] == 'file'}
    assert listed == set(members) - {'MANIFEST.json', 'FILES.json'}


def test_execution_environment_files_are_in_the_artifact(unpacked):
    # ansible-builder reads these paths relative to the installed collection.
    with open(os.path.join(unpacked, 'meta', 'execution-environment.yml')) as fh:
        deps = yaml.safe_load(fh)['dependencies']
    missing = [p for p in deps.values() if isinstance(p, str) and not os.path.isfile(os.path.join(unpacked, p))]
    assert not missing


LINK = re.compile(r'\]\(([^)\s]+)\)')


def test_every_relative_link_resolves_inside_the_artifact(unpacked, members):
    broken = []
    for m in members:
        if not m.endswith('.md'):
            continue
        with open(os.path.join(unpacked, m)) as fh:
            text = fh.read()
        for target in LINK.findall(text):
            if re.match(r'^[a-z][a-z0-9+.-]*:', target) or target.startswith('#'):
                continue  # an URL or an anchor in the same page
            path = os.path.normpath(os.path.join(os.path.dirname(m), target.split('#')[0]))
            if path.startswith('..') or not os.path.exists(os.path.join(unpacked, path)):
                broken.append('%s -> %s' % (m, target))
    assert not broken, 'links that do not work in an installed collection: %s' % broken


def run_importer(tarball, workdir):
    # Only the artifact: no collection path or PYTHONPATH that would let ansible-doc or ansible-lint
    # see the checkout (tests/run sets both for the other stages).
    env = {k: v for k, v in os.environ.items() if k not in ('ANSIBLE_COLLECTIONS_PATH', 'ANSIBLE_COLLECTIONS_PATHS',
                                                            'PYTHONPATH')}
    env['GALAXY_IMPORTER_CONFIG'] = IMPORTER_CFG
    # A HOME of its own: a cray.csm installed in ~/.ansible/collections would stand in for the artifact.
    env['HOME'] = os.path.join(workdir, 'home')
    os.makedirs(env['HOME'], exist_ok=True)
    proc = subprocess.run([sys.executable, '-m', 'galaxy_importer.main', tarball], cwd=workdir, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    print(proc.stdout)
    return proc


# requires_ansible is >=2.11.0 on purpose: CSM's AEE runs ansible-core 2.11 and must not refuse the
# installed collection (docs/cores.md). ansible-lint inside the importer warns that 2.11 is no longer a
# supported core; that one warning is expected, every other one fails the test.
EXPECTED = ("meta-runtime[unsupported-version]: 'requires_ansible' key must refer to a currently supported version",)


def importer_problems(output):
    return [line for line in output.splitlines() if re.match(r'^(WARNING|ERROR|CRITICAL)\b', line)
            and not any(e in line for e in EXPECTED)]


@pytest.fixture(scope='module')
def importer_available():
    try:
        import galaxy_importer  # noqa: F401  pylint: disable=unused-import
    except ImportError:
        pytest.fail('galaxy-importer is not installed: run `tests/run --only galaxy` (tests/requirements-galaxy.txt)')


def test_galaxy_requires_a_repository(importer_available, tarball, tmp_path):
    # galaxy.yml names no repository (none is published yet); Galaxy refuses such an upload.
    proc = run_importer(tarball, str(tmp_path))
    assert proc.returncode != 0
    assert "'repository' is required" in proc.stdout


def test_galaxy_importer_accepts_the_artifact(importer_available, tmp_path_factory):
    # The same tree with the one thing Galaxy requires that galaxy.yml cannot know yet: the URL of the
    # repository it is published from. Here that is the checkout itself.
    coll = copy_tree(str(tmp_path_factory.mktemp('tree-publish')), {'repository': 'file://' + ROOT})
    tarball = build(coll, str(tmp_path_factory.mktemp('dist-publish')))
    workdir = str(tmp_path_factory.mktemp('importer'))
    proc = run_importer(tarball, workdir)
    assert proc.returncode == 0, proc.stdout
    assert 'Importer processing completed successfully' in proc.stdout
    assert importer_problems(proc.stdout) == []
    with open(os.path.join(workdir, 'importer_result.json')) as fh:
        result = json.load(fh)
    names = {(c['content_type'], c['name']) for c in result['contents']}
    assert ('module', 'ims_remote_node') in names
    assert ('role', 'podman_install') in names
    assert ('playbook', 'ims_computes.yml') in names or ('playbook', 'ims_computes') in names
