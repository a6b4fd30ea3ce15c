#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cray.csm contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: ims_image_info
short_description: Read IMS image records
version_added: 0.1.0
description:
  - Reads one IMS image by id (C(GET /apis/ims/v3/images/{id})) or the images with a given name
    (C(GET /apis/ims/v3/images), filtered here, since IMS has no name filter).
  - The record's C(link.path) and C(link.etag) are what a BOS boot set needs.
author:
  - cray.csm contributors (!UNKNOWN)
seealso:
  - module: cray.csm.cfs_session
    description: Customize an image with CFS.
  - module: cray.csm.bos_sessiontemplate
    description: Boot nodes from an image.
options:
  id:
    description:
      - IMS image id, a UUID (a value that is not one fails before any request).
      - An id that IMS does not know gives empty RV(images) and a null RV(image).
    type: str
  name:
    description: Image name. IMS allows several images with one name; all are returned, oldest first.
    type: str
extends_documentation_fragment:
  - cray.csm.connection
  - cray.csm.connection.token
  - cray.csm.attributes
  - cray.csm.attributes.info_module
notes:
  - Exactly one of O(id) and O(name) is required.
'''

EXAMPLES = r'''
- name: The image a CFS session made
  cray.csm.ims_image_info:
    id: "{{ cfs.result_id }}"
  register: new_image

- name: Its manifest and etag
  ansible.builtin.debug:
    msg: "{{ new_image.image.link.path }} {{ new_image.image.link.etag }} {{ new_image.image.arch }}"

- name: Images by name
  cray.csm.ims_image_info:
    name: ims-remote-image-x86_64
  register: by_name
'''

RETURN = r'''
image:
  description: The image when exactly one matched, else null.
  returned: always
  type: dict
  contains:
    id:
      description: IMS image id.
      type: str
    name:
      description: Image name.
      type: str
    arch:
      description: C(x86_64) or C(aarch64).
      type: str
    link:
      description: Where the image's manifest is.
      type: dict
      contains:
        path:
          description: Manifest path, for example C(s3://boot-images/<id>/manifest.json).
          type: str
        etag:
          description: The manifest's etag.
          type: str
        type:
          description: Artifact store, C(s3).
          type: str
    created:
      description: Creation time.
      type: str
images:
  description: Every image that matched, oldest first.
  returned: always
  type: list
  elements: dict
'''

from ansible_collections.cray.csm.plugins.module_utils.module import CsmModule
from ansible_collections.cray.csm.plugins.module_utils.names import image_id_error
from ansible_collections.cray.csm.plugins.module_utils.paths import ims_image


def main():
    module = CsmModule(
        argument_spec=dict(id=dict(type='str'), name=dict(type='str')),
        mutually_exclusive=[('id', 'name')], required_one_of=[('id', 'name')],
        supports_check_mode=True)
    image_id, name = module.params['id'], module.params['name']
    if image_id is not None and image_id_error([image_id]):
        module.fail_json(msg=image_id_error([image_id]))
    with module.api_errors():
        if image_id:
            found = module.client.get(ims_image(image_id), missing_ok=True, expect=dict)
            images = [found] if found else []
        else:
            images = [i for i in module.client.get(ims_image(), expect=list) if i.get('name') == name]
    images.sort(key=lambda i: i.get('created') or '')
    module.exit_json(changed=False, images=images, image=images[0] if len(images) == 1 else None)


if __name__ == '__main__':
    main()
