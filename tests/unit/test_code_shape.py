# -*- coding: utf-8 -*-
"""The shape of the code in plugins/: every function (method, nested function) is under 40 lines.

A function's lines run from its ``def`` (decorators aside) to its last line, its docstring, comments and
blank lines included: what a reader has to hold at once. Any file added to plugins/ is covered.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import os

import pytest

PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'plugins')
MAX_LINES = 39


def python_files(root):
    for folder, _dirs, files in os.walk(root):
        for name in sorted(files):
            if name.endswith('.py'):
                yield os.path.join(folder, name)


def function_lengths(path):
    """(name, first line, number of lines) of every function in the file at path."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1


def too_long(root, limit=MAX_LINES):
    return ['%s:%d %s has %d lines' % (os.path.relpath(path, root), line, name, length)
            for path in python_files(root) for name, line, length in function_lengths(path) if length > limit]


def test_no_function_in_plugins_has_40_lines_or_more():
    assert os.path.isdir(os.path.join(PLUGINS, 'modules')), PLUGINS
    assert too_long(PLUGINS) == []


@pytest.mark.parametrize('body_lines,found', [(37, False), (38, True)])
def test_the_check_counts_a_long_function(tmp_path, body_lines, found):
    (tmp_path / 'long.py').write_text(u'def f():\n    """Doc."""\n' + u'    x = 1\n' * body_lines)
    assert bool(too_long(str(tmp_path))) is found
