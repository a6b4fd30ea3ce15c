# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rules of the builder image build (role cray.csm.remote_build_node_image) that are not API calls:
which nodes, the names per architecture and their uniqueness, whose CFS configuration it is, one deadline."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.cray.csm.plugins.filter.csm_release import csm_release
from ansible_collections.cray.csm.plugins.module_utils.xname import canonical_xname, node_xname_error

# The description the image build gives its CFS configuration: how a later run knows the configuration is its own.
CONFIGURATION_DESCRIPTION = 'IMS remote build node builder image (cray.csm.build_remote_node_image)'
ARCHES = ('x86_64', 'aarch64')
NAME_VARS = {'cfs_session': 'remote_build_node_image_cfs_session_name',
             'image_name': 'remote_build_node_image_name',
             'template': 'remote_build_node_image_bos_template_name'}


# The names before 0.2.0, read for one more release (roles/remote_build_node_image/defaults/main.yml).
DEPRECATED = {'remote_node_xname': 'xname', 'remote_node_hosts': 'remote_build_node_hosts',
              'remote_node_ssh_wait': 'remote_build_node_image_ssh_wait',
              'remote_node_ssh_timeout': 'remote_build_node_image_ssh_timeout',
              'csm_version': 'remote_build_node_image_csm_version',
              'barebones_image_id': 'remote_build_node_image_barebones_image_id',
              'remote_image_name': 'remote_build_node_image_name',
              'bos_operation': 'remote_build_node_image_bos_operation'}
DEPRECATED.update(('%s_%s' % (svc, x), 'remote_build_node_image_%s_%s' % (svc, x)) for svc, names in (
    ('cfs', ('configuration_name', 'clone_url', 'commit', 'playbook', 'target_group', 'session_name', 'wait_timeout')),
    ('bos', ('template_name', 'boot_set_name', 'node_roles_groups', 'kernel_parameters', 'wait', 'wait_timeout')))
    for x in names)


def remote_image_deprecated(names):
    """The deprecation messages for the old names among `names` (variable names), also shown as Ansible deprecations."""
    messages = []
    for old in sorted(set(names) & set(DEPRECATED)):
        messages.append('%s is deprecated: use %s (the old name is removed in cray.csm 0.3.0).' % (old, DEPRECATED[old]))
        Display().deprecated(messages[-1], version='0.3.0', collection_name='cray.csm')
    return messages


def remote_node_xnames(hosts, hostvars):
    """The canonical xname of each host: its host var xname, else its inventory name (as the remote_build_node role)."""
    out = []
    for host in hosts:
        value = hostvars[host].get('xname') or host
        error = node_xname_error([value])
        if error:
            raise AnsibleFilterError('Host %s: %s Set its host var xname.' % (host, error))
        if canonical_xname(value) not in out:
            out.append(canonical_xname(value))
    return out


def arch_name(template, arch, session=False):
    """template with {arch} replaced by the architecture; in a CFS v3 session name (no "_" allowed) x86-64."""
    return template.replace('{arch}', arch.replace('_', '-') if session else arch)


def _barebones(barebones_image_id, arch, release):
    if barebones_image_id is None or barebones_image_id == '':
        return release['image_id']
    if isinstance(barebones_image_id, dict):
        if arch not in barebones_image_id:
            raise AnsibleFilterError('remote_build_node_image_barebones_image_id has no image for %s; give one per '
                                     'architecture of the nodes, or one id for one architecture.' % arch)
        return barebones_image_id[arch]
    return barebones_image_id


def _configuration_owner(stored, name, layers, overwrite):
    """The description to write (None: keep the stored one), or fail when the stored configuration is not ours."""
    if not stored or stored.get('description') == CONFIGURATION_DESCRIPTION or overwrite:
        return CONFIGURATION_DESCRIPTION
    have = [dict((k, v) for k, v in layer.items() if k in ('clone_url', 'commit', 'playbook', 'branch', 'name',
                                                           'source', 'special_parameters'))
            for layer in stored.get('layers') or []]
    if have == layers:
        return None  # the same layers: nothing to overwrite, its description stays
    raise AnsibleFilterError(
        'CFS configuration %s exists and was not created by this playbook (its description is %r, its layers %s); '
        'the image build would replace its layers. Give the image its own configuration '
        '(remote_build_node_image_cfs_configuration_name=<another name>), or let it replace this one '
        '(remote_build_node_image_cfs_configuration_overwrite=true).'
        % (name, stored.get('description'),
           ', '.join('%s %s' % (x.get('clone_url') or x.get('source'), x.get('playbook')) for x in have) or 'none'))


def remote_image_plan(arches, catalog, version='latest', barebones_image_id=None,
                      cfs_session_name='build-ims-remote-image-{arch}', image_name='ims-remote-image-{arch}',
                      template_name='bos_ims_remote_node_{arch}', configuration_name='remote-ims-node',
                      clone_url=None, commit=None, playbook='ims_computes.yml', configuration=None,
                      overwrite=False):
    """Per architecture the CSM release, the barebones image and the names; the CFS configuration to write."""
    if not arches:
        raise AnsibleFilterError('remote_image_plan: no architecture (no node).')
    plan = {}
    for arch in arches:
        release = csm_release(catalog, version=version, arch=arch)
        plan[arch] = dict(csm=release, barebones_image_id=_barebones(barebones_image_id, arch, release),
                          cfs_session=arch_name(cfs_session_name, arch, session=True),
                          image_name=arch_name(image_name, arch), template=arch_name(template_name, arch))
    # Two architectures under one name would overwrite each other's session, image or template.
    for key, var in sorted(NAME_VARS.items()):
        names = [plan[a][key] for a in sorted(plan)]
        if len(set(names)) < len(names):
            raise AnsibleFilterError('%s is %s for architectures %s: keep {arch} in the name, for example %s.'
                                     % (var, names[0], ' and '.join(sorted(plan)), names[0] + '-{arch}'))
    first = plan[sorted(arches)[0]]['csm']
    layers = [dict(clone_url=clone_url or first.get('clone_url'), commit=commit or first['commit'],
                   playbook=playbook)]
    return dict(arches=plan, templates=dict((a, plan[a]['template']) for a in plan), configuration=dict(
        name=configuration_name, layers=layers,
        description=_configuration_owner(configuration, configuration_name, layers, overwrite)))


def remote_image_boot_set(image, kernel_parameters, node_roles_groups):
    """The BOS boot set of an IMS image record; {image_id} and {etag} in kernel_parameters are the image's."""
    link = image.get('link') or {}
    return dict(kernel_parameters=kernel_parameters.replace('{image_id}', image['id']).replace('{etag}', link['etag']),
                node_roles_groups=node_roles_groups, etag=link['etag'], arch=image['arch'], path=link['path'],
                type=link.get('type') or 's3')


def remote_image_result(plan, nodes, images, boots, operation=''):
    """The published result of the image build: the nodes, per architecture what was built and booted, and
    one report line per architecture."""
    images = dict((i['arch'], i) for i in images)
    arches, report = {}, []
    for arch, p in sorted(plan['arches'].items()):
        image, boot = images.get(arch), boots.get(arch) or {}
        arches[arch] = dict(csm_version=p['csm']['version'], barebones_image_id=p['barebones_image_id'],
                            cfs_session=p['cfs_session'], template=p['template'], boot=boot,
                            image=dict((k, image.get(k)) for k in ('id', 'name', 'arch', 'link')) if image else None)
        built = '%s of CSM %s by CFS session %s' % (p['csm'].get('image_name') or p['barebones_image_id'],
                                                    p['csm']['version'], p['cfs_session'])
        if image is None:
            report.append('%s: check mode: image %s would be built from %s; BOS template %s and the boot need it.'
                          % (arch, p['image_name'], built, p['template']))
            continue
        line = '%s: image %s (%s), built from %s, BOS template %s; ' % (
            arch, image['name'], image['id'], built, p['template'])
        if boot.get('pending'):
            line += 'booted %s (%s, BOS session %s)' % (
                ', '.join(boot['pending']), operation or boot['operation'], boot['session_name'])
        else:
            line += 'no boot'
        if boot.get('booted'):
            line += '; already booted with it: %s' % ', '.join(boot['booted'])
        report.append(line + '.')
    return dict(nodes=nodes, configuration=plan['configuration']['name'], arches=arches, report=report)


def deadline(timeout):
    """The time (seconds since the epoch) `timeout` seconds from now: one deadline for several waits."""
    return time.time() + float(timeout)


def seconds_left(when):
    """Whole seconds until `when` (from the deadline filter), at least 0 (a wait of 0 reads the state once)."""
    return max(0, int(float(when) - time.time() + 0.999))


class FilterModule(object):
    def filters(self):
        return {'remote_node_xnames': remote_node_xnames, 'remote_image_plan': remote_image_plan,
                'deadline': deadline, 'seconds_left': seconds_left,
                'remote_image_deprecated': remote_image_deprecated, 'remote_image_result': remote_image_result,
                'remote_image_boot_set': remote_image_boot_set}
