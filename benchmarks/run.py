"""Benchmarks of cray.csm against the CSM simulator and container nodes. Prints figures; asserts nothing.

  python benchmarks/run.py [--sizes 1,4,8] [--kinds fresh,podman] [--tasks 20] [--repeat 5] [--skip-nodes]
                           [--parts walltime,requests,cost,flow] [--write FILE]

Run it with the Python of a venv that has ansible (the `ansible` package: kubernetes.core), kubernetes,
paramiko and the simulator's requirements, as root (rootful podman runs the nodes).
1. Wall time of playbooks/remote_build_node.yml on N fresh container nodes: first run and re-run.
2. HTTP requests per module call, counted in the simulator's request log; Keycloak token requests
   per playbook run.
3. Per-task cost of an API-only task (in process and as a module process), beside a standard module task
   and one CLI-style process.
4. The one-command flow (playbooks/configure_remote_build_nodes.yml) on nodes of both architectures from
   an HSM group (cray.csm.hsm): CFS and BOS sessions created (budget: 2 and 2, re-run 0), the two CFS
   sessions' overlap, and wall time for 2 and 8 nodes with simulated session durations.
"""
from __future__ import print_function

import argparse
import datetime
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLL = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(COLL, 'tests'))

from testbed.ansible_env import NODE_RUN, ansible_env  # noqa: E402
from testbed.nodes import BASE_IMAGE, PODMAN_IMAGE, Nodes  # noqa: E402
from testbed.nodes import setup as testbed_setup  # noqa: E402
from testbed.sim import TOKEN_PATH, CsmSim  # noqa: E402

BIN = os.path.dirname(sys.executable)
SCOPE = 'bench'
# The simulator seed's HSM groups (tests/simulator/seed.yml): xname -> architecture.
FLOW_GROUPS = {
    'ims_builders': {'x3000c0s19b4n0': 'x86_64', 'x3000c0s17b2n0': 'aarch64'},
    'ims_builders_all': dict([(x, 'x86_64') for x in ('x3000c0s19b4n0', 'x3000c0s19b3n0', 'x3000c0s19b2n0',
                                                      'x3000c0s19b1n0', 'x3000c0s17b3n0', 'x3000c0s17b4n0')]
                             + [(x, 'aarch64') for x in ('x3000c0s17b1n0', 'x3000c0s17b2n0')]),
}
# Simulated durations of one CFS image customization and one BOS boot (seconds).
FLOW_CFS_SECONDS, FLOW_BOS_SECONDS = 30, 15


def container_cgroup_file(name):
    """The file that counts the CPU time of podman container `name` (cgroup v1 or v2), or None."""
    p = subprocess.run(['podman', 'inspect', '--format', '{{.State.CgroupPath}}', name], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, universal_newlines=True, check=False)
    for path in ('/sys/fs/cgroup/cpuacct%s/cpuacct.usage', '/sys/fs/cgroup%s/cpu.stat'):
        if p.stdout.strip() and os.path.isfile(path % p.stdout.strip()):
            return path % p.stdout.strip()
    return None


def cgroup_cpu(path):
    """CPU seconds in a cpuacct.usage (ns) or cpu.stat (usage_usec) file."""
    with open(path) as f:
        words = f.read().split()
    return int(words[words.index('usage_usec') + 1]) * 1e-6 if 'usage_usec' in words else int(words[0]) * 1e-9


def cpu_text(cpu):
    return '%.1f, %.1f, %.1f' % (cpu['controller'], cpu['nodes'], cpu['simulator'])


def generated_xnames(count):
    """The simulator seed's bulk HSM nodes (hsm_generate: cabinet 9000), in the same order."""
    out = []
    for i in range(count):
        cab, rest = 9000 + i // 512, i % 512
        out.append('x%dc%ds%db%dn%d' % (cab, rest // 64, (rest // 8) % 8, (rest // 2) % 4, rest % 2))
    return out


class Bench(object):
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix='cray-csm-bench-')
        self.env = ansible_env(self.work, bindir=BIN, **NODE_RUN)
        self.nodes = None if args.skip_nodes else Nodes(scope=SCOPE)
        self.sim = CsmSim()
        self.lines = []
        self.cgroups = []  # the CPU counters of the current nodes (nodes_up)

    def out(self, line=''):
        print(line, flush=True)
        self.lines.append(line)

    def close(self):
        self.sim.stop()
        shutil.rmtree(self.work, ignore_errors=True)

    def sh(self, args, check=True, env=None, **kw):
        p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                           env=env or self.env, **kw, check=False)
        if check and p.returncode != 0:
            raise RuntimeError('%s failed (%s):\n%s' % (' '.join(args[:4]), p.returncode, p.stdout[-3000:]))
        return p

    def cpu_seconds(self):
        """CPU seconds used so far by: this script's finished children (ansible-playbook, its workers and
        ssh clients; not the ControlPersist ssh masters, which outlive the run), the simulator (its IMS
        checks SSH to the nodes) and the node containers (sshd, the modules' Python): the nodes, the
        simulator and the controller share the machine's CPUs."""
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # the simulator still runs: not in it
        with open('/proc/%d/stat' % self.sim.proc.pid) as f:
            fields = f.read().rsplit(')', 1)[1].split()
        sim = (int(fields[11]) + int(fields[12])) / float(os.sysconf('SC_CLK_TCK'))  # utime, stime
        return dict(controller=ru.ru_utime + ru.ru_stime, simulator=sim,
                    nodes=sum(cgroup_cpu(p) for p in self.cgroups))

    def timed(self, args, check=True, env=None):
        t = time.time()
        p = self.sh(args, check=check, env=env)
        return time.time() - t, p

    def playbook(self, name, inventory, extra=(), env=None):
        args = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, name,
                '-e', 'csm_api_gateway=' + self.sim.url, '-e', 'csm_kubeconfig=' + self.sim.kubeconfig]
        for e in extra:
            args += ['-e', e]
        return self.timed(args, env=env)

    def module(self, name, module_args):
        """One ad-hoc module call on localhost with a token given: the log then holds only its requests."""
        args = dict(module_args, api_gateway=self.sim.url, token=self.sim.token())
        self.sim.clear_log()
        p = self.sh([os.path.join(BIN, 'ansible'), 'localhost', '-c', 'local', '-m', 'cray.csm.' + name,
                     '-a', json.dumps(args)], check=False)
        if p.returncode != 0:
            raise RuntimeError('cray.csm.%s failed:\n%s' % (name, p.stdout[-2000:]))
        return [e for e in self.sim.log() if e['path'] != TOKEN_PATH]

    # 1. wall time
    def nodes_up(self, n, image):
        self.nodes.down_all()
        for i, x in enumerate(generated_xnames(n)):
            self.nodes.up('csm-bench-%d' % i, x, image=image)
        self.sim.reset()
        self.sim.set_nodes(self.nodes.node_map())
        # looked up here, not between the timed marks: podman inspect is a child process too
        self.cgroups = [p for p in map(container_cgroup_file, self.nodes.hosts) if p]
        return self.nodes.inventory(os.path.join(self.work, 'inventory-%d.ini' % n))

    def wall_times(self, image, title):
        self.out('### %s' % title)
        self.out()
        self.out('| nodes | first run | re-run | re-run / first | changed on re-run | token requests per run '
                 '| load at first run | CPU-s controller, nodes, simulator: first run; re-run |')
        self.out('|---|---|---|---|---|---|---|---|')
        first = {}
        for n in self.args.sizes:
            inv = self.nodes_up(n, image)
            if n == max(self.args.sizes):  # for the second bound below, which only the largest size gets
                empty_t, empty_cpu = self.empty_play(inv)
            self.sim.clear_log()
            load, cpu0 = os.getloadavg()[0], self.cpu_seconds()
            t1, p1 = self.playbook('cray.csm.remote_build_node', inv)
            cpu = dict((k, v - cpu0[k]) for k, v in self.cpu_seconds().items())
            tok1 = len([e for e in self.sim.log() if e['path'] == TOKEN_PATH])
            self.sim.clear_log()
            cpu0 = self.cpu_seconds()
            t2, p2 = self.playbook('cray.csm.remote_build_node', inv)
            cpu2 = dict((k, v - cpu0[k]) for k, v in self.cpu_seconds().items())
            tok2 = len([e for e in self.sim.log() if e['path'] == TOKEN_PATH])
            changed = sum(int(c) for c in re.findall(r'changed=(\d+)', p2.stdout))
            first[n] = t1, sum(cpu.values()), t2, cpu['controller']
            self.out('| %d | %.1f s | %.1f s | %.0f %% | %d | %d, %d | %.1f | %s; %s |' % (
                n, t1, t2, 100 * t2 / t1, changed, tok1, tok2, load, cpu_text(cpu), cpu_text(cpu2)))
        self.nodes.down_all()
        if 1 in first and max(first) > 1:
            n = max(first)
            (t1, _c, _r, _ctl), (tn, cpu_n, rerun_n, ctl_n) = first[1], first[n]
            self.out()
            self.out('First run, %d nodes / 1 node: **%.2f x** (goal: at most 1.5 x; the first goal was 2 x). Re-run goal: at most 30 %% '
                     'of the first run.' % (n, tn / t1))
            # What bounds the ratio here: the nodes are containers on this machine, so their CPU time and the
            # controller's share its CPUs; a run cannot take less than its CPU-seconds over the CPU count.
            self.out()
            self.out('Bound on this machine: the %d-node first run used %.1f CPU-s (controller, nodes and simulator), '
                     'so on %d CPUs it cannot take less than %.1f s, %.2f x the 1-node first run; the %d-node re-run '
                     '(key authorized, node registered already) took %.1f s, %.2f x.' % (
                         n, cpu_n, os.cpu_count(), cpu_n / os.cpu_count(), cpu_n / os.cpu_count() / t1, n, rerun_n,
                         rerun_n / t1))
            self.out()
            self.out('The %d-node first run against that bound: %.1f s / %.1f s = **%.2f x** (goal: at most 1.15 x); '
                     'the controller spent %.2f CPU-s per node.' % (n, tn, cpu_n / os.cpu_count(),
                                                                    tn / (cpu_n / os.cpu_count()), ctl_n / n))
            # ansible-playbook's own start and exit run on one CPU whatever the playbook does: a bound that
            # counts them as serial is the least a run of any play with these tasks could take here.
            bound = empty_t + (cpu_n - empty_cpu) / os.cpu_count()
            self.out()
            self.out('ansible-playbook\'s own part: a play with no tasks on the same %d nodes takes %.2f s (%.2f CPU-s, '
                     'one CPU: its start, the inventory, its exit). Counted as serial, the bound is %.2f + (%.1f - %.2f) / %d '
                     '= %.1f s, and the %d-node first run against it: **%.2f x**.' % (
                         n, empty_t, empty_cpu, empty_t, cpu_n, empty_cpu, os.cpu_count(), bound, n, tn / bound))
        self.out()

    def empty_play(self, inventory):
        """Wall time and CPU-s of ansible-playbook with a play of no tasks on `inventory` (the best of three)."""
        path = os.path.join(self.work, 'empty.yml')
        with open(path, 'w') as f:
            f.write('- hosts: all\n  gather_facts: false\n  tasks: []\n')
        runs = []
        for _unused in range(3):
            cpu0 = self.cpu_seconds()['controller']
            t, _p = self.timed([os.path.join(BIN, 'ansible-playbook'), '-i', inventory, path])
            runs.append((t, self.cpu_seconds()['controller'] - cpu0))
        return min(runs)

    # 2. requests per module call
    def requests(self):
        self.out('## 2. HTTP requests per module call (simulator request log; token given, so no Keycloak)')
        self.out()
        self.out('| call | requests | goal | what |')
        self.out('|---|---|---|---|')
        self.sim.reset()
        ids = generated_xnames(1000)

        def row(what, log, goal):
            calls = ', '.join('%s %s' % (e['method'], e['path'].split('/apis/')[-1].split('?')[0]) for e in log)
            if len(calls) > 90:
                calls = calls[:87] + '...'
            self.out('| %s | %d | %s | %s |' % (what, len(log), goal, calls))

        row('hsm_lock, 1000 ids, none locked yet', self.module('hsm_lock', {'component_ids': ids}), '<= 2')
        row('hsm_lock, 1000 ids, all locked already', self.module('hsm_lock', {'component_ids': ids}), '<= 2')
        row('ims_remote_node, new node', self.module('ims_remote_node', {'xname': 'x3000c0s19b4n0'}), '2')
        row('ims_remote_node, existing node', self.module('ims_remote_node', {'xname': 'x3000c0s19b4n0'}), '1')
        cfs = {'name': 'bench-remote-ims-node', 'layers': [{
            'name': 'csm-ims-remote', 'playbook': 'ims_computes.yml', 'commit': '2' * 40,
            'clone_url': 'https://api-gw-service-nmn.local/vcs/cray/csm-config-management.git'}]}
        self.module('cfs_configuration', cfs)
        row('cfs_configuration, unchanged', self.module('cfs_configuration', cfs), '1')
        image = '4a5e5bd7-8f3c-4b3c-9d0e-1a2b3c4d5e61'
        bos = {'name': 'bench_bos_ims_remote_node', 'cfs_configuration': 'bench-remote-ims-node', 'boot_sets': {
            'compute': {'path': 's3://boot-images/%s/manifest.json' % image, 'type': 's3', 'arch': 'X86',
                        'etag': '0f1e2d3c4b5a69788796a5b4c3d2e1f0', 'node_list': ['x3000c0s19b4n0'],
                        'kernel_parameters': 'ip=dhcp quiet root=live:s3://boot-images/%s/rootfs' % image}}}
        self.module('bos_sessiontemplate', bos)
        row('bos_sessiontemplate, unchanged', self.module('bos_sessiontemplate', bos), '1')
        self.out()

    # 3. per-task cost
    def playbook_time(self, tasks, env=None):
        """Best of --repeat wall times of a playbook of these tasks on localhost: the machine is shared, and one
        run in a few takes 50-150 ms longer (a single run decides nothing at this scale)."""
        pb = os.path.join(self.work, 'cost.yml')
        with open(pb, 'w') as f:
            json.dump([{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                        'tasks': tasks or [{'ansible.builtin.meta': 'noop'}]}], f)
        return min(self.timed([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', pb,
                               '-e', 'ansible_python_interpreter=' + sys.executable], env=env)[0]
                   for _unused in range(self.args.repeat))

    def task_cost(self):
        n = max(2, self.args.tasks)
        self.out('## 3. Cost of one task (playbooks of %d identical tasks, of 1 and of none; best of %d runs each)' % (
            n, self.args.repeat))
        self.out()
        self.sim.config(token_ttl=7200)  # this part can outlast the default 300 s token
        token = self.sim.token()
        path = '/apis/ims/v3/remote-build-nodes'
        pbs = {
            'none': [],
            'cray.csm.ims_remote_node_info (GET %s), in process (the default)' % path: [{
                'cray.csm.ims_remote_node_info': {'api_gateway': self.sim.url, 'token': token}}],
            'cray.csm.ims_remote_node_info, as a module process (cray_csm_in_process=false)': [{
                'cray.csm.ims_remote_node_info': {'api_gateway': self.sim.url, 'token': token},
                'vars': {'cray_csm_in_process': False}}],
            'ansible.builtin.uri, the same GET (a standard module)': [{'ansible.builtin.uri': {
                'url': self.sim.url + path, 'headers': {'Authorization': 'Bearer ' + token}}}],
            'ansible.builtin.debug (no module process: an action only)': [{'ansible.builtin.debug': {'msg': 'x'}}],
        }
        # A real gateway answers https: the same task against a TLS simulator, its CA given as the system store
        # (SSL_CERT_FILE), so each task also makes a TLS handshake; this store holds 1 CA, a system one ~150.
        tls_sim = CsmSim(tls=True)
        tls_sim.config(token_ttl=7200)
        https = 'cray.csm.ims_remote_node_info over https (CA in SSL_CERT_FILE), in process'
        pbs[https] = [{'cray.csm.ims_remote_node_info': {'api_gateway': tls_sim.url, 'token': tls_sim.token()}}]
        envs = {https: dict(self.env, SSL_CERT_FILE=tls_sim.ca_path)}
        times = {}
        try:
            for label, task in pbs.items():
                for count in ((n, 1) if task else (0,)):  # n tasks and 1: the first task also loads what it uses
                    times[label, count] = self.playbook_time([dict(name='t%d' % i, no_log=True, **task[0])
                                                              for i in range(count)], env=envs.get(label))
        finally:
            tls_sim.stop()
        base = times.pop(('none', 0))
        self.out('| task | per task (%d tasks minus none, / %d) | per further task (%d tasks minus 1, / %d) | '
                 'first task (1 task minus none) |' % (n, n, n, n - 1))
        self.out('|---|---|---|---|')
        for label in pbs:
            if label != 'none':
                tn, t1 = times[label, n], times[label, 1]
                self.out('| %s | %.0f ms | %.0f ms | %.0f ms |' % (
                    label, 1000 * (tn - base) / n, 1000 * (tn - t1) / (n - 1), 1000 * (t1 - base)))
        # A `cray`-style CLI call: a new Python process that imports requests and does the GET.
        cli = [sys.executable, '-c', 'import sys, requests; r = requests.get(sys.argv[1], headers={"Authorization": '
               '"Bearer " + sys.argv[2]}, timeout=30); r.raise_for_status(); print(r.text[:0])',
               self.sim.url + path, token]
        k = 10
        t, _p = self.timed(['true'])
        t0 = time.time()
        for _unused in range(k):
            self.sh(cli)
        self.out('| one CLI-style process (python + requests, the same GET; each call starts anew) | %.0f ms |||' % (
            1000 * (time.time() - t0) / k))
        self.out('| ansible-playbook start-up with no task (fixed cost per run) | %.0f ms |||' % (1000 * base))
        self.out()


class Flow(object):
    """4. The one-command flow on container nodes of both architectures, the inventory from the simulator's HSM."""

    def __init__(self, bench):
        self.b = bench

    def nodes_up(self, group):
        """The group's nodes, and a cray.csm.hsm inventory of the group (host_vars: where each sshd listens)."""
        nodes = self.b.nodes
        nodes.down_all()
        for i, (x, arch) in enumerate(sorted(FLOW_GROUPS[group].items())):
            nodes.up('csm-bench-flow-%d' % i, x, arch=arch)
        self.b.sim.reset()
        self.b.sim.config(cfs_session_seconds=FLOW_CFS_SECONDS, bos_session_seconds=FLOW_BOS_SECONDS)
        self.b.sim.set_nodes(nodes.node_map())
        return nodes.hsm_inventory(os.path.join(self.b.work, 'hsm-%s' % group), group, api_gateway=self.b.sim.url,
                                   client_secret=self.b.sim.client_secret)

    def created(self, service):
        return len([e for e in self.b.sim.log() if e['method'] == 'POST' and e['path'] == '/apis/%s/sessions' % service
                    and e['status'] in (200, 201)])

    def cfs_overlap(self):
        """Seconds during which the x86_64 and the aarch64 CFS sessions both ran."""
        status, body = self.b.sim.request('GET', '/apis/cfs/v3/sessions',
                                          headers={'Authorization': 'Bearer ' + self.b.sim.token()})
        spans = []
        for sess in body['sessions']:
            st = sess['status']['session']
            spans.append([datetime.datetime.strptime(st[k], '%Y-%m-%dT%H:%M:%SZ') for k in ('start_time', 'completion_time')])
        if len(spans) != 2:
            return None
        return (min(e for _s, e in spans) - max(s for s, _e in spans)).total_seconds()

    def run(self):
        out = self.b.out
        out('## 4. The one-command flow: playbooks/configure_remote_build_nodes.yml, nodes of both architectures')
        out()
        out('Inventory from the simulator\'s HSM group (cray.csm.hsm); container nodes that have podman; simulated '
            'durations: CFS image customization %d s, BOS boot %d s. Sessions counted in the simulator\'s request log '
            '(budget: 2 CFS and 2 BOS sessions whatever the number of nodes, none on a re-run).' % (
                FLOW_CFS_SECONDS, FLOW_BOS_SECONDS))
        out()
        out('| nodes (x86_64 + aarch64) | first run | CFS sessions | BOS sessions | CFS sessions overlap | re-run | '
            'sessions created on re-run | changed on re-run |')
        out('|---|---|---|---|---|---|---|---|')
        for group in ('ims_builders', 'ims_builders_all'):
            arches = list(FLOW_GROUPS[group].values())
            inv = self.nodes_up(group)
            extra = ('remote_build_node_hosts=' + group, 'csm_poll_interval=1')
            self.b.sim.clear_log()
            t1, _p1 = self.b.playbook('cray.csm.configure_remote_build_nodes', inv, extra)
            cfs, bos, overlap = self.created('cfs/v3'), self.created('bos/v2'), self.cfs_overlap()
            self.b.sim.clear_log()
            t2, p2 = self.b.playbook('cray.csm.configure_remote_build_nodes', inv, extra)
            again = self.created('cfs/v3') + self.created('bos/v2')
            changed = sum(int(c) for c in re.findall(r'changed=(\d+)', p2.stdout))
            out('| %d (%d + %d) | %.1f s | %d | %d | %s | %.1f s | %d | %d |' % (
                len(arches), arches.count('x86_64'), arches.count('aarch64'), t1, cfs, bos,
                '%.0f s of %d s' % (overlap, FLOW_CFS_SECONDS) if overlap is not None else '-', t2, again, changed))
        self.b.nodes.down_all()
        out()
        out('A run one architecture after the other would take at least 2 x %d s of CFS and 2 x %d s of BOS; the '
            'overlap column shows the two image customizations running at the same time.' % (
                FLOW_CFS_SECONDS, FLOW_BOS_SECONDS))
        out()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', default='1,4,8', help='node counts for the wall-time runs (default 1,4,8)')
    ap.add_argument('--kinds', default='fresh,podman',
                    help='node kinds for the wall-time runs: fresh (podman to install), podman (default both)')
    ap.add_argument('--tasks', type=int, default=10, help='tasks per playbook for the per-task cost')
    ap.add_argument('--repeat', type=int, default=5, help='runs of each per-task-cost playbook; the best counts (default 5)')
    ap.add_argument('--skip-nodes', action='store_true', help='skip the wall-time part (no podman needed)')
    ap.add_argument('--parts', default='walltime,requests,cost,flow',
                    help='parts to run: walltime (1), requests (2), cost (3), flow (4); default all')
    ap.add_argument('--write', metavar='FILE', help='also write the report (Markdown) to FILE')
    args = ap.parse_args()
    args.parts = [x for x in args.parts.split(',') if x]
    args.sizes = [int(x) for x in args.sizes.split(',') if x]
    args.kinds = [x for x in args.kinds.split(',') if x]
    b = Bench(args)
    try:
        ansible = [x for x in b.sh([os.path.join(BIN, 'ansible'), '--version']).stdout.splitlines()
                   if x.startswith('ansible')][0]  # not a warning that python printed first
        load = os.getloadavg()
        b.out('# cray.csm benchmark, %s' % datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC'))
        b.out()
        b.out('`%s` on %s, %d CPUs, load average %.1f at start; %s; Python %s.' % (
            ' '.join(['python', 'benchmarks/run.py'] + sys.argv[1:]), platform.platform(terse=True),
            os.cpu_count(), load[0], ansible, platform.python_version()))
        b.out()
        if not args.skip_nodes:
            out = testbed_setup()
            assert out.returncode == 0, 'tests/testbed/podman_setup.sh failed:\n' + out.stdout
        if not args.skip_nodes and 'walltime' in args.parts:
            b.out('## 1. Wall time of playbooks/remote_build_node.yml (container nodes, forks 10)')
            b.out()
            if 'fresh' in args.kinds:
                b.wall_times(BASE_IMAGE, 'Fresh nodes: no podman yet, so the first run installs it '
                             '(apt, from the Debian mirror the node image was built from)')
            if 'podman' in args.kinds:
                b.wall_times(PODMAN_IMAGE, 'Nodes that already have podman (as when booted from an '
                             'image built with the ims_computes.yml layer)')
        if 'requests' in args.parts:
            b.requests()
        if 'cost' in args.parts:
            b.task_cost()
        if not args.skip_nodes and 'flow' in args.parts:
            Flow(b).run()
        b.out('Load average at the end: %.1f.' % os.getloadavg()[0])
    finally:
        if b.nodes:
            b.nodes.down_all(check=False)
        b.close()
        if args.write:  # also what was measured before a failure
            with open(args.write, 'w') as f:
                f.write('\n'.join(b.lines) + '\n')


if __name__ == '__main__':
    main()
