# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the cray-product-catalog ConfigMap (Cray-HPE/cray-product-catalog-core cray_product_catalog/query.py)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: csm_release
short_description: One CSM release from the product catalog, with its configuration and barebones image
version_added: 0.2.0
description:
  - Takes the C(csm) entry of the C(cray-product-catalog) ConfigMap (namespace C(services)), the YAML text that
    C(kubectl -n services get cm cray-product-catalog -o jsonpath='{.data.csm}') prints, or that text already parsed.
  - Returns one CSM version (the latest by PEP 440 ordering, as the catalog's own library sorts them, unless
    O(version) names one), its CFS configuration C(commit) and C(clone_url), and, when O(arch) is given, the
    barebones compute image C(compute-csm-<major.minor>-<image version>-<arch>).
  - The recipe-built C(cray-shasta-csm-...-barebones-...) image and the C(secure-*) NCN images are never chosen.
  - A version, architecture or image that is not there fails with a message listing what is there.
author:
  - cray.csm contributors (!UNKNOWN)
positional: _input
options:
  _input:
    description: The C(csm) value of the ConfigMap's C(data), as YAML text or as a mapping of version to entry.
    type: raw
    required: true
  version:
    description: The CSM version to use, or C(latest).
    type: str
    default: latest
  arch:
    description:
      - Architecture of the barebones compute image, C(x86_64) or C(aarch64) (C(X86) and C(ARM) are accepted too).
      - When not given, no image is chosen.
    type: str
'''

EXAMPLES = r'''
- name: Read the product catalog
  kubernetes.core.k8s_info:
    kind: ConfigMap
    namespace: services
    name: cray-product-catalog
  register: catalog

- name: The latest CSM release and its x86_64 barebones compute image
  ansible.builtin.set_fact:
    csm: "{{ catalog.resources[0].data.csm | cray.csm.csm_release(arch='x86_64') }}"

- name: Use it
  ansible.builtin.debug:
    msg: "CSM {{ csm.version }}: commit {{ csm.commit }}, image {{ csm.image_name }} ({{ csm.image_id }})"
'''

RETURN = r'''
_value:
  description: The chosen release.
  type: dict
  contains:
    version:
      description: The CSM version.
      type: str
      sample: 1.6.0
    versions:
      description: Every CSM version in the catalog, oldest first.
      type: list
      elements: str
    commit:
      description: The C(configuration.commit) of that version (the csm-config-management commit).
      type: str
    clone_url:
      description: The C(configuration.clone_url) of that version (the CMN URL of VCS).
      type: str
    import_branch:
      description: The C(configuration.import_branch) of that version.
      type: str
    arch:
      description: The architecture asked for, as C(x86_64) or C(aarch64); null without O(arch).
      type: str
    image_name:
      description: Name of the barebones compute image; null without O(arch).
      type: str
      sample: compute-csm-1.6-6.2.25-x86_64
    image_id:
      description: IMS id of the barebones compute image; null without O(arch).
      type: str
'''

import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types

# packaging is a dependency of ansible-core, so it is on every controller.
try:
    from packaging.version import InvalidVersion, Version
    HAS_PACKAGING = True
except ImportError:
    HAS_PACKAGING = False

import yaml

from ansible_collections.cray.csm.plugins.module_utils.names import IMAGE_ARCH


def _version_key(text):
    """PEP 440 ordering; a version PEP 440 cannot read sorts first, so it is never 'latest'."""
    try:
        return (1, Version(text))
    except (InvalidVersion, TypeError):
        return (0, text)


def _sorted_versions(versions):
    return sorted(versions, key=_version_key)


def _load(catalog):
    if isinstance(catalog, string_types):
        try:
            catalog = yaml.safe_load(to_text(catalog))
        except yaml.YAMLError as e:
            raise AnsibleFilterError('csm_release: the catalog is not YAML: %s' % e) from None
    if not isinstance(catalog, dict) or not catalog:
        raise AnsibleFilterError(
            'csm_release: expected the csm entry of the cray-product-catalog ConfigMap (a mapping of '
            'version to entry), got %r. Pass resources[0].data.csm of kubernetes.core.k8s_info.' % (catalog,))
    # YAML may read a version like 1.6 as a float: key by text.
    return dict((to_text(k), v or {}) for k, v in catalog.items())


def _barebones_image(version, images, arch):
    """The name of the newest barebones compute image of CSM `version` for `arch` among `images`."""
    major_minor = '.'.join(version.split('.')[:2])
    pattern = re.compile(r'^compute-csm-%s-(?P<ver>.+)-(?P<arch>x86_64|aarch64)$' % re.escape(major_minor))
    found = {}
    for name in images:
        m = pattern.match(to_text(name))
        if m:
            found.setdefault(m.group('arch'), []).append((m.group('ver'), name))
    if arch not in found:
        raise AnsibleFilterError(
            'csm_release: CSM %s has no barebones compute image compute-csm-%s-<version>-%s; architectures '
            'with one: %s; its images: %s.' % (
                version, major_minor, arch, ', '.join(sorted(found)) or 'none',
                ', '.join(sorted(to_text(n) for n in images)) or 'none'))
    best = dict((ver, name) for ver, name in found[arch])
    return best[_sorted_versions(best)[-1]]


def csm_release(catalog, version='latest', arch=None):
    if not HAS_PACKAGING:
        raise AnsibleFilterError('csm_release needs the Python package packaging (pip install packaging).')
    catalog = _load(catalog)
    versions = _sorted_versions(catalog)
    if version in (None, '', 'latest'):
        version = versions[-1]
    version = to_text(version)
    if version not in catalog:
        raise AnsibleFilterError('csm_release: CSM version %s is not in the product catalog; it has: %s.'
                                 % (version, ', '.join(versions)))
    entry = catalog[version]
    config = entry.get('configuration') or {}
    result = dict(version=version, versions=versions, commit=config.get('commit'),
                  clone_url=config.get('clone_url'), import_branch=config.get('import_branch'),
                  arch=None, image_name=None, image_id=None)
    if arch is None:
        return result
    norm = IMAGE_ARCH.get(to_text(arch))
    if norm is None:
        raise AnsibleFilterError('csm_release: unknown architecture %r: use x86_64 or aarch64.' % (arch,))
    images = entry.get('images') or {}
    name = _barebones_image(version, images, norm)
    image = images[name] or {}
    result.update(arch=norm, image_name=to_text(name), image_id=image.get('id'))
    return result


class FilterModule(object):
    def filters(self):
        return {'csm_release': csm_release}
