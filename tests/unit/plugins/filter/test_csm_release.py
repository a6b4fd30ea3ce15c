# -*- coding: utf-8 -*-
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.cray.csm.plugins.filter.csm_release import FilterModule, csm_release

# The doc's example, plus versions that sort wrongly as text (1.10 > 1.9, 1.6.0rc1 < 1.6.0).
CATALOG = yaml.safe_dump({
    '1.5.1': {'configuration': {'clone_url': 'https://vcs.cmn.example/vcs/cray/csm-config-management.git',
                                'commit': '545dd8f97645ee6882a8cef2f7dfdf25a63c1d8e',
                                'import_branch': 'cray/csm/1.16.28'},
              'images': {'compute-csm-1.5-5.2.55-aarch64': {'id': '02c18757'},
                         'compute-csm-1.5-5.2.55-x86_64': {'id': 'f6d9cfc7'},
                         'cray-shasta-csm-sles15sp5-barebones-csm-1.5': {'id': '771971b5'},
                         'secure-kubernetes-5.2.54-x86_64.squashfs': {'id': 'aea9f96d'}}},
    '1.9.0': {'configuration': {'commit': '9' * 40}, 'images': {}},
    '1.10.0rc1': {'configuration': {'commit': 'c' * 40}, 'images': {}},
    '1.10.0': {'configuration': {'commit': 'a' * 40, 'clone_url': 'u'},
               'images': {'compute-csm-1.10-6.2.9-x86_64': {'id': 'old'},
                          'compute-csm-1.10-6.2.25-x86_64': {'id': 'new'},
                          'compute-csm-1.9-6.2.99-x86_64': {'id': 'other-release'},
                          'cray-shasta-csm-sles15sp6-barebones-csm-1.10': {'id': 'recipe'}}},
})


def test_latest_is_pep440_latest():
    r = csm_release(CATALOG)
    assert r['version'] == '1.10.0' and r['commit'] == 'a' * 40 and r['clone_url'] == 'u'
    assert r['versions'] == ['1.5.1', '1.9.0', '1.10.0rc1', '1.10.0']
    assert r['image_id'] is None


def test_image_for_arch_highest_image_version_of_that_release():
    r = csm_release(CATALOG, arch='x86_64')
    assert (r['image_name'], r['image_id'], r['arch']) == ('compute-csm-1.10-6.2.25-x86_64', 'new', 'x86_64')


@pytest.mark.parametrize('arch,image', [('aarch64', '02c18757'), ('ARM', '02c18757'), ('X86', 'f6d9cfc7')])
def test_named_version_and_arch_aliases(arch, image):
    r = csm_release(CATALOG, version='1.5.1', arch=arch)
    assert r['image_id'] == image and r['commit'] == '545dd8f97645ee6882a8cef2f7dfdf25a63c1d8e'


def test_parsed_input_and_float_keys():
    assert csm_release({1.6: {'configuration': {'commit': 'x'}}})['version'] == '1.6'


def test_missing_version_lists_versions():
    with pytest.raises(AnsibleFilterError, match=r'CSM version 2.0 is not in the product catalog; it has: '
                                                 r'1.5.1, 1.9.0, 1.10.0rc1, 1.10.0\.'):
        csm_release(CATALOG, version='2.0')


def test_missing_arch_lists_what_is_there():
    with pytest.raises(AnsibleFilterError) as e:
        csm_release(CATALOG, arch='aarch64')
    assert 'architectures with one: x86_64' in str(e.value)
    assert 'cray-shasta-csm-sles15sp6-barebones-csm-1.10' in str(e.value)


def test_bad_input():
    with pytest.raises(AnsibleFilterError, match='unknown architecture'):
        csm_release(CATALOG, arch='sparc')
    with pytest.raises(AnsibleFilterError, match='expected the csm entry'):
        csm_release('')


def test_registered():
    assert FilterModule().filters()['csm_release'] is csm_release
