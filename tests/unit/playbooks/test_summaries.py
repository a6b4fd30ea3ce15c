# -*- coding: utf-8 -*-
"""The summary task of each playbook is one call of its filter, with arguments the filter takes."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import inspect
import os

import jinja2
import jinja2.nodes
import pytest
import yaml

from ansible_collections.cray.csm.plugins.filter import ssh_public_key, summary

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..')
SUMMARIES = [
    ('playbooks/remote_build_node.yml', 'Summary per node', summary.remote_build_node_summary),
    ('playbooks/remove_remote_build_node.yml', 'Summary per node', summary.remove_remote_build_node_summary),
    ('playbooks/configure_remote_build_nodes.yml', 'One line per node, with its architecture and builder image',
     summary.configure_remote_build_nodes_summary),
    ('playbooks/clean_remote_build_node.yml', 'Summary per node', summary.clean_remote_build_node_summary),
    ('roles/ims_ssh_key/tasks/main.yml', 'Classify the key', ssh_public_key.ssh_public_key_problem),
]


def tasks(doc):
    """Every play, block and task mapping of a playbook or task file, breadth first."""
    todo = list(doc)
    while todo:
        item = todo.pop(0)
        yield item
        todo += [t for key in ('tasks', 'block', 'rescue', 'always') for t in item.get(key) or []]


def filter_calls(text):
    """(name, positional count, keyword names) of every filter called in a template."""
    ast = jinja2.Environment().parse(text)  # parsing does not look the filters up
    return [(n.name, len(n.args), sorted(k.key for k in n.kwargs)) for n in ast.find_all(jinja2.nodes.Filter)]


@pytest.mark.parametrize('path, name, func', SUMMARIES)
def test_summary_is_one_filter_call(path, name, func):
    with open(os.path.join(ROOT, path)) as f:
        found = [t for t in tasks(yaml.safe_load(f)) if t.get('name') == name]
    assert len(found) == 1, found
    args = found[0].get('ansible.builtin.debug') or found[0].get('ansible.builtin.set_fact')
    text = args.get('msg') or args.get('__ims_ssh_key_problem')
    assert '{%' not in text and 'vars' not in found[0], found[0]
    calls = [c for c in filter_calls(text) if c[0] == 'cray.csm.' + func.__name__]
    assert len(calls) == 1, text
    params = list(inspect.signature(func).parameters)
    _name, positional, keywords = calls[0]
    # The input, then positional arguments, then keywords: every one a parameter of the filter, none twice.
    assert positional + 1 <= len(params) and set(keywords) <= set(params[positional + 1:]), (calls[0], params)
