# -*- coding: utf-8 -*-
"""The modules run on Python 3.6, as on CSM's SLES 15 nodes (ansible-core 2.16 is the last to support it)."""
from __future__ import absolute_import, division, print_function

import os

import pytest
from ansible.release import __version__ as ansible_version

PY36 = os.environ.get('PY36', '/root/.pyenv/versions/3.6.15/bin/python3.6')
X = 'x3000c0s19b4n0'


def test_modules_on_python36(run_tasks, csm_sim):
    if tuple(int(p) for p in ansible_version.split('.')[:2]) >= (2, 17):
        pytest.skip('ansible-core %s cannot run modules on Python 3.6 (2.16 is the last)' % ansible_version)
    assert os.access(PY36, os.X_OK), 'no Python 3.6 at %s (set PY36; tests/run passes the one it found)' % PY36
    res = run_tasks([{'cray.csm.ims_remote_node': {'xname': X}},
                     {'cray.csm.ims_remote_node_info': {'status': True}},
                     {'cray.csm.hsm_lock': {'component_ids': [X]}},
                     {'cray.csm.hsm_lock_info': {'locked': True}},
                     {'cray.csm.ims_remote_node': {'xname': X, 'preflight': True, 'ssh_private_key': '/nonexistent'}}],
                    env={'ANSIBLE_PYTHON_INTERPRETER': PY36})
    assert [r.result.get('changed') for r in res[:4]] == [True, False, True, False]
    assert [c['ID'] for c in res[3].result['components']] == [X]
    # paramiko is not installed for that Python: only the preflight fails, and says why
    assert res[4].result['failed'] is True and 'paramiko' in res[4].result['msg']
