# -*- coding: utf-8 -*-
"""The rules of the builder image build in Python (plugins/filter/remote_image.py): names per architecture and their
uniqueness, whose CFS configuration it is, the boot set, the result, one deadline, the old variable names."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.cray.csm.plugins.filter import remote_image as ri

CATALOG = yaml.safe_dump({'1.6.1': {
    'configuration': {'clone_url': 'https://vcs.cmn.example/vcs/cray/csm-config-management.git', 'commit': 'c' * 40},
    'images': {'compute-csm-1.6-6.2.25-x86_64': {'id': 'x86-image'},
               'compute-csm-1.6-6.2.25-aarch64': {'id': 'arm-image'}}}})
MINE = ri.CONFIGURATION_DESCRIPTION
LAYER = {'clone_url': 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git', 'commit': 'c' * 40,
         'playbook': 'ims_computes.yml'}


def plan(arches=('aarch64', 'x86_64'), **kw):
    kw.setdefault('clone_url', LAYER['clone_url'])
    return ri.remote_image_plan(list(arches), CATALOG, **kw)


def test_default_names_per_architecture():
    p = plan()
    assert p['arches']['x86_64']['cfs_session'] == 'build-ims-remote-image-x86-64'  # CFS v3 names have no "_"
    assert p['arches']['aarch64']['cfs_session'] == 'build-ims-remote-image-aarch64'
    assert p['arches']['x86_64']['image_name'] == 'ims-remote-image-x86_64'
    assert p['templates'] == {'x86_64': 'bos_ims_remote_node_x86_64', 'aarch64': 'bos_ims_remote_node_aarch64'}
    assert p['arches']['x86_64']['barebones_image_id'] == 'x86-image'
    assert p['arches']['aarch64']['barebones_image_id'] == 'arm-image'
    assert p['configuration'] == {'name': 'remote-ims-node', 'layers': [LAYER], 'description': MINE}


@pytest.mark.parametrize('option,var', [('cfs_session_name', 'remote_build_node_image_cfs_session_name'),
                                        ('image_name', 'remote_build_node_image_name'),
                                        ('template_name', 'remote_build_node_image_bos_template_name')])
def test_one_name_for_two_architectures_is_refused(option, var):
    with pytest.raises(AnsibleFilterError) as e:
        plan(**{option: 'one'})
    assert str(e.value) == ('%s is one for architectures aarch64 and x86_64: keep {arch} in the name, for example '
                            'one-{arch}.' % var)


def test_one_name_is_fine_for_one_architecture():
    p = plan(['x86_64'], cfs_session_name='my-session', image_name='my-image', template_name='my-template')
    assert p['arches']['x86_64']['cfs_session'] == 'my-session' and p['templates'] == {'x86_64': 'my-template'}


def test_barebones_image_id_one_or_per_architecture():
    assert plan(['x86_64'], barebones_image_id='given')['arches']['x86_64']['barebones_image_id'] == 'given'
    p = plan(barebones_image_id={'x86_64': 'a', 'aarch64': 'b'})
    assert [p['arches'][a]['barebones_image_id'] for a in ('x86_64', 'aarch64')] == ['a', 'b']
    with pytest.raises(AnsibleFilterError, match='has no image for aarch64'):
        plan(barebones_image_id={'x86_64': 'a'})


def test_commit_and_clone_url_overrides():
    p = plan(commit='d' * 40, clone_url='https://example/repo.git', playbook='site.yml')
    assert p['configuration']['layers'] == [{'clone_url': 'https://example/repo.git', 'commit': 'd' * 40,
                                             'playbook': 'site.yml'}]


def test_its_own_configuration_or_none_is_written():
    assert plan(configuration=None)['configuration']['description'] == MINE
    stored = {'name': 'remote-ims-node', 'description': MINE, 'layers': [dict(LAYER, commit='0' * 40)]}
    assert plan(configuration=stored)['configuration']['description'] == MINE


def test_a_foreign_configuration_is_refused_unless_overwrite():
    stored = {'name': 'remote-ims-node', 'layers': [{'clone_url': 'https://x/cray-csm.git', 'commit': 'a' * 40,
                                                     'playbook': 'playbooks/ims_computes.yml'}]}
    with pytest.raises(AnsibleFilterError) as e:
        plan(configuration=stored)
    assert 'CFS configuration remote-ims-node exists and was not created by this playbook' in str(e.value)
    assert 'https://x/cray-csm.git playbooks/ims_computes.yml' in str(e.value)
    assert 'remote_build_node_image_cfs_configuration_overwrite=true' in str(e.value)
    assert plan(configuration=stored, overwrite=True)['configuration']['description'] == MINE


def test_a_foreign_configuration_with_the_same_layers_keeps_its_description():
    stored = {'name': 'remote-ims-node', 'description': 'by hand', 'last_updated': 'x', 'layers': [LAYER]}
    assert plan(configuration=stored)['configuration']['description'] is None


def test_boot_set():
    image = {'id': 'i1', 'arch': 'aarch64', 'link': {'etag': 'e1', 'path': 's3://boot-images/i1/manifest.json',
                                                     'type': 's3'}}
    assert ri.remote_image_boot_set(image, 'root=live:s3://boot-images/{image_id}/rootfs,etag={etag}', ['Compute']) == {
        'kernel_parameters': 'root=live:s3://boot-images/i1/rootfs,etag=e1', 'node_roles_groups': ['Compute'],
        'etag': 'e1', 'arch': 'aarch64', 'path': 's3://boot-images/i1/manifest.json', 'type': 's3'}


def test_result_and_report():
    p = plan()
    image = {'id': 'n1', 'name': 'ims-remote-image-x86_64', 'arch': 'x86_64', 'link': {'etag': 'e'}}
    boots = {'x86_64': {'pending': ['x3000c0s19b4n0'], 'booted': ['x3000c0s19b3n0'], 'operation': 'reboot',
                        'session_name': 's1'}}
    nodes = [{'xname': 'x3000c0s19b4n0', 'arch': 'x86_64'}]
    r = ri.remote_image_result(p, nodes, [image], boots)
    assert r['nodes'] == nodes and r['configuration'] == 'remote-ims-node'
    assert r['arches']['x86_64']['image']['id'] == 'n1' and r['arches']['aarch64']['image'] is None
    assert r['report'][1] == ('x86_64: image ims-remote-image-x86_64 (n1), built from compute-csm-1.6-6.2.25-x86_64 of '
                              'CSM 1.6.1 by CFS session build-ims-remote-image-x86-64, BOS template '
                              'bos_ims_remote_node_x86_64; booted x3000c0s19b4n0 (reboot, BOS session s1); already '
                              'booted with it: x3000c0s19b3n0.')
    assert r['report'][0].startswith('aarch64: check mode: image ims-remote-image-aarch64 would be built')
    assert 'booted x3000c0s19b4n0 (boot, BOS session s1)' in ri.remote_image_result(
        p, nodes, [image], boots, operation='boot')['report'][1]


def test_one_deadline(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(ri.time, 'time', lambda: now[0])
    when = ri.deadline('30')
    assert ri.seconds_left(when) == 30
    now[0] += 29.5  # the first wait took 29.5 s: the next has what is left, rounded up
    assert ri.seconds_left(when) == 1
    now[0] += 10
    assert ri.seconds_left(when) == 0  # past the deadline: one read, then the timeout


def test_node_xnames():
    hostvars = {'X3000C0S19B04N0': {}, 'builder': {'xname': 'x3000c0s17b2n0'}, 'dup': {'xname': 'x3000c0s17b2n0'}}
    assert ri.remote_node_xnames(['X3000C0S19B04N0', 'builder', 'dup'], hostvars) == ['x3000c0s19b4n0', 'x3000c0s17b2n0']
    with pytest.raises(AnsibleFilterError, match='Host localhost: .*Set its host var xname'):
        ri.remote_node_xnames(['localhost'], {'localhost': {}})


def test_old_names_are_named_once_each():
    got = ri.remote_image_deprecated(['cfs_target_group', 'remote_node_hosts', 'xname', 'csm_api_gateway'])
    assert got == ['cfs_target_group is deprecated: use remote_build_node_image_cfs_target_group (the old name is '
                   'removed in cray.csm 0.3.0).',
                   'remote_node_hosts is deprecated: use remote_build_node_hosts (the old name is removed in cray.csm '
                   '0.3.0).']


def test_every_old_name_has_its_new_name_in_the_role_defaults():
    import os
    defaults = yaml.safe_load(open(os.path.join(os.path.dirname(ri.__file__), '..', '..', 'roles',
                                                'remote_build_node_image', 'defaults', 'main.yml')))
    role_vars = dict((new, old) for old, new in ri.DEPRECATED.items() if new.startswith('remote_build_node_image_'))
    for new, old in role_vars.items():
        assert '%s |' % old in defaults[new], new  # the default reads the old name
    assert sorted(role_vars) == sorted(k for k in defaults if '| default(' in str(defaults[k])
                                       and not k.endswith('poll_interval'))
