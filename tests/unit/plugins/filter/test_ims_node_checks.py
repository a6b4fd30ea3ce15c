# -*- coding: utf-8 -*-
"""module_utils/ims_node.py is the one place for what IMS checks on a node: its rules, and every user takes the
rules, status strings and fixes from it (none defines its own)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

from ansible_collections.cray.csm.plugins.filter import build_node_status as status_filter
from ansible_collections.cray.csm.plugins.filter import ims_node_problems as problems_filter
from ansible_collections.cray.csm.plugins.filter import summary
from ansible_collections.cray.csm.plugins.module_utils import ims_node
from ansible_collections.cray.csm.plugins.module_utils import preflight
from ansible_collections.cray.csm.plugins.modules import build_node_info

COLL = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))  # tests/unit/plugins/filter
USERS = [preflight, build_node_info, status_filter, summary, problems_filter]
# Names the users once defined for themselves.
OWN_NAMES = {'ARCHES', 'SSH_OK', 'PODMAN_OK', 'KEY_FIX', 'ARCH_FIX', 'PODMAN_FIX', 'FIX_KEY', 'FIX_ARCH',
             'FIX_PODMAN', 'ims_arch', 'FIX'}
# Text that only ims_node.py may hold.
OWN_TEXT = [ims_node.SSH_OK, 'Podman present at', ims_node.PODMAN_MISSING, 'which must print x86_64 or aarch64',
            'cray-ims-remote-keys, key public_key']


@pytest.mark.parametrize('uname,expected', [
    ('x86_64\n', 'x86_64'), ('aarch64\n', 'aarch64'), ('x86', 'x86_64'), ('unknown\n', None), ('', None), (None, None),
])
def test_the_arch_rule_is_imss(uname, expected):
    assert ims_node.arch(uname) == expected


def test_the_podman_rule_and_the_order_of_the_checks():
    assert ims_node.podman_ok('/usr/bin/podman\n') and not ims_node.podman_ok('/usr/local/bin/podman')
    assert ims_node.problems('x86_64', '/usr/bin/podman') == []
    assert [p[0] for p in ims_node.problems('unknown', '')] == ['arch']  # IMS stops at the first failed check
    assert ims_node.problems('aarch64', '') == [('podman', '"which podman" printed \'\'', ims_node.FIX['podman'])]


@pytest.mark.parametrize('user', USERS, ids=[u.__name__.rsplit('.', 1)[1] for u in USERS])
def test_each_user_imports_the_checks_and_defines_none(user):
    path = os.path.join(COLL, os.path.relpath(user.__file__, COLL))
    with open(path) as f:
        tree = ast.parse(f.read())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported |= set('%s.%s' % (node.module, a.name) for a in node.names)
    assert any('module_utils.ims_node' in name for name in imported), '%s does not import ims_node' % path
    defined = set(t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name))
    defined |= set(n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)))
    assert defined & OWN_NAMES == set(), '%s defines its own %s' % (path, defined & OWN_NAMES)
    texts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert [t for t in texts for own in OWN_TEXT if own in t] == []


def test_the_users_give_the_one_wording_of_each_fix(monkeypatch):
    for check in ('ssh', 'arch', 'podman'):
        monkeypatch.setitem(ims_node.FIX, check, 'the one %s fix' % check)
    report = status_filter.build_node_status([{'host': 'n', 'xname': 'x3000c0s19b4n0', 'registered': True,
                                               'ims_status': {'sshStatus': 'Unable to connect'},
                                               'node': {'podman': '', 'arch': 'unknown', 'ims_key_authorized': False}}])
    fixes = dict((f['check'], f['fix']) for f in report['nodes']['n']['findings'])
    assert fixes['IMS: SSH with the IMS key'] == fixes['IMS key authorized for root'] == 'the one ssh fix'
    assert fixes['podman at /usr/bin/podman'] == 'the one podman fix'
    assert fixes['architecture (uname -i)'] == 'the one arch fix'
    assert [p['msg'] for p in problems_filter.ims_node_problems('unknown', '')] == [
        'IMS cannot use this node (the arch check): "uname -i" printed \'unknown\'. Fix: the one arch fix.']
    assert [p['check'] for p in problems_filter.ims_node_problems('aarch64', '/usr/local/bin/podman')] == ['podman']


class _Channel(object):
    def __init__(self, rc):
        self.rc = rc

    def recv_exit_status(self):
        return self.rc


class _Out(object):
    def __init__(self, text, rc=0):
        self.text, self.channel = text, _Channel(rc)

    def read(self):
        return self.text.encode()


class _Client(object):
    """An SSH connection whose commands print what the node would."""

    def __init__(self, answers):
        self.answers = answers

    def exec_command(self, cmd, timeout=None):
        return None, _Out(*self.answers[cmd]), None


def test_the_preflight_uses_the_rules_strings_and_fixes(monkeypatch):
    monkeypatch.setitem(ims_node.FIX, 'podman', 'the one podman fix')
    st = dict(sshStatus=ims_node.SSH_OK, podmanStatus=ims_node.UNKNOWN, nodeArch=ims_node.UNKNOWN, ableToRunJobs=False,
              numCurrentJobs=-1, failed_check=None, fix=None)
    out = preflight._check_tools(_Client({'uname -i': ('aarch64\n',), 'which podman': ('',)}), dict(st), 5)
    assert (out['nodeArch'], out['podmanStatus'], out['fix']) == ('aarch64', ims_node.PODMAN_MISSING, 'the one podman fix')
    out = preflight._check_tools(_Client({'uname -i': ('x86_64\n',), 'which podman': ('/usr/bin/podman\n',),
                                          preflight.JOB_COUNT_CMD: ('2\n',)}), dict(st), 5)
    assert (out['podmanStatus'], out['ableToRunJobs'], out['numCurrentJobs']) == (ims_node.PODMAN_OK, True, 2)
