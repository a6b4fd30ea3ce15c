# -*- coding: utf-8 -*-
"""galaxy.yml's dependency ranges against the collections installed with this ansible-core's
`ansible` package (tests/run deps stage, once per core). Exit 1 if one is missing or out of range."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import yaml
from ansible.galaxy.dependency_resolution.versioning import meets_requirements

GALAXY_YML = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'galaxy.yml')


def installed():
    """{collection name: version}, the first found on the collections path (the one Ansible uses)."""
    out = json.loads(subprocess.check_output(['ansible-galaxy', 'collection', 'list', '--format', 'json'],
                                             stderr=subprocess.DEVNULL))
    have = {}
    for colls in out.values():
        for name, info in colls.items():
            have.setdefault(name, info['version'])
    return have


def main():
    with open(GALAXY_YML) as f:
        deps = yaml.safe_load(f).get('dependencies') or {}
    have = installed()
    bad = 0
    for name, spec in deps.items():
        version = have.get(name)
        ok = version is not None and meets_requirements(version, str(spec))
        bad += not ok
        print('%-4s %s %s (installed: %s)' % ('ok' if ok else 'BAD', name, spec, version))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
