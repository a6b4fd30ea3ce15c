# -*- coding: utf-8 -*-
"""Offline stand-in for get-pip.py, which ansible-test downloads to put pip in its venvs: ensurepip,
then pip install what ansible-test asked for. tests/run copies it into ansible-test's get-pip cache."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys

if __name__ == '__main__':
    subprocess.check_call([sys.executable, '-m', 'ensurepip'])
    args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
    sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install', '-q'] + args))
