"""Where the controller's CPU goes in one first run of playbooks/remote_build_node.yml on N container nodes.
Prints figures; asserts nothing.

  python benchmarks/profile.py [--nodes 8]

cProfile (process-time clock) in ansible-playbook and in every worker it forks (benchmarks/profiler/
sitecustomize.py), summed per task: CPU-s, how many Jinja templates were compiled and their share, and
imports. cProfile makes every Python call slower, so read the shares, not the seconds. Same requirements
as benchmarks/run.py (a venv with ansible, kubernetes, paramiko and the simulator's requirements; root).
"""
from __future__ import print_function

import argparse
import collections
import glob
import os
import pstats
import shutil
import tempfile

import run as bench

HERE = os.path.dirname(os.path.abspath(__file__))


def summarize(folder):
    rows = collections.OrderedDict()
    for path in sorted(glob.glob(os.path.join(folder, '*.prof'))):
        kind, rest = os.path.basename(path).split('--', 1)
        task = 'ansible-playbook itself (parse, strategy, results)' if kind == 'main' else rest.split('--')[0]
        stats = pstats.Stats(path)
        row = rows.setdefault(task, collections.Counter())
        row['runs'] += 1
        row['cpu'] += stats.total_tt
        for (_file, _line, func), (_cc, calls, _tt, cum, _callers) in stats.stats.items():
            if func == '_compile_template':  # ansible-core 2.19: ansible/_internal/_templating/_engine.py
                row['compiles'] += calls
                row['compile_cpu'] += cum
            elif func == '_find_and_load':
                row['import_cpu'] += cum
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--nodes', type=int, default=8)
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix='cray-csm-profile-')

    class Args(object):
        skip_nodes = False
        sizes = [args.nodes]

    b = bench.Bench(Args())
    try:
        setup = bench.testbed_setup()
        assert setup.returncode == 0, 'tests/testbed/podman_setup.sh failed:\n' + setup.stdout
        inventory = b.nodes_up(args.nodes, bench.PODMAN_IMAGE)
        env = dict(b.env, CRAY_CSM_PROFILE_DIR=out,
                   PYTHONPATH=os.pathsep.join(x for x in (os.path.join(HERE, 'profiler'), b.env.get('PYTHONPATH')) if x))
        b.playbook('cray.csm.remote_build_node', inventory, env=env)
        rows = summarize(out)
        total = sum(r['cpu'] for r in rows.values())
        workers = sum(r['cpu'] for t, r in rows.items() if not t.startswith('ansible-playbook itself'))
        compile_cpu = sum(r['compile_cpu'] for r in rows.values())
        print('First run on %d nodes, profiled: %.1f CPU-s in ansible-playbook and its workers (%.1f in workers); '
              'Jinja compilation %.0f %% of the workers\' CPU.' % (args.nodes, total, workers, 100 * compile_cpu / workers))
        print()
        print('| task | workers | CPU-s (profiled) | share | templates compiled | compiling | importing |')
        print('|---|---|---|---|---|---|---|')
        for task, r in sorted(rows.items(), key=lambda x: -x[1]['cpu']):
            print('| %s | %d | %.2f | %.0f %% | %d | %.0f %% | %.0f %% |' % (
                task, r['runs'], r['cpu'], 100 * r['cpu'] / total, r['compiles'],
                100 * r['compile_cpu'] / r['cpu'] if r['cpu'] else 0, 100 * r['import_cpu'] / r['cpu'] if r['cpu'] else 0))
    finally:
        if b.nodes:
            b.nodes.down_all(check=False)
        b.close()
        shutil.rmtree(out, ignore_errors=True)


if __name__ == '__main__':
    main()
