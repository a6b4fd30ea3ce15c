# -*- coding: utf-8 -*-
"""Byte-compile every file under plugins/ with the interpreter that runs this (tests/run: a real
Python 3.6, the oldest a node may have). Syntax only: nothing is written. Exit 1 on any failure."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')


def main():
    bad = n = 0
    for d, _dirs, files in os.walk(os.path.join(ROOT, 'plugins')):
        for f in sorted(files):
            if not f.endswith('.py'):
                continue
            p = os.path.join(d, f)
            n += 1
            try:
                with open(p, 'rb') as fh:
                    compile(fh.read(), p, 'exec', dont_inherit=True)
            except SyntaxError as e:
                bad += 1
                print('%s:%s: %s' % (os.path.relpath(p, ROOT), e.lineno, e.msg))
    print('python %s compiled %d files, %d failed' % (sys.version.split()[0], n, bad))
    return 1 if bad or not n else 0


if __name__ == '__main__':
    sys.exit(main())
