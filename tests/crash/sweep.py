"""Crash-point sweep (issue 22, tests/crash/README.md): each playbook that changes something is killed at
every point, the invariants are checked there, the playbook is run again to the end, and the final state is
compared with the state an uninterrupted run leaves.

    python tests/crash/sweep.py [--only SCENARIO,...] [--max-points N] [--keep]

Needs root (podman nodes), the test bed's Ceph (tests/testbed/ceph.sh start) for the cache scenarios, and
an ansible-playbook on PATH (the venv of one ansible-core). Prints one table row per scenario; exits 1 when
any point fails, naming the point and what failed.
"""
import argparse
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from testbed.ansible_env import NODE_RUN, ansible_env  # noqa: E402
from testbed.ceph_lock import ceph_exclusive  # noqa: E402
from testbed.nodes import COLL, TESTBED, Nodes, controller_key, setup, sh, write_yaml  # noqa: E402
from testbed.sim import CsmSim  # noqa: E402

AEE_CFG = os.path.join(os.path.dirname(HERE), 'cfs_layer', 'aee-ansible.cfg')  # CFS's ansible.cfg
CEPH_DIR = os.environ.get('CSM_CEPH_DIR', '/var/tmp/csm-ceph')
RUN = 'crash%d' % (os.getpid() % 100000)   # names of this sweep's containers and RBD images
SCOPE = 'crash'                            # CSM_TESTBED_SCOPE of its nodes
MUTATING = 'POST|PUT|PATCH|DELETE'
# POSTs that change nothing: a token, HSM's lock status read.
READ_ONLY_POSTS = r'/keycloak/|/locks/status$|/locks/service/reservations/check$'
FUSE_DIR = '/run/ceph-buildcache/rbd-fuse'
BINDS = ['/tmp', '/var/lib/containers', '/var/tmp']
MARKER = 'crash-marker'
FINAL_JOB = ('success', 'error')
PACKAGES_TASK = 'Install packages (apt)'
UNSTABLE_ITEM = re.compile(r'^/dev/loop\d+$')  # loop items named by a device number that differs between runs
UUID = re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
SIGNALS = {'SIGKILL': signal.SIGKILL, 'SIGINT': signal.SIGINT}


def log(msg):
    sys.stdout.write('%s %s\n' % (time.strftime('%H:%M:%S'), msg))
    sys.stdout.flush()


def in_node(name, script, check=True, timeout=120):
    out = sh('podman', 'exec', name, 'bash', '-c', script, timeout=timeout)
    if check and out.returncode != 0:
        raise RuntimeError('in %s: %s\n%s' % (name, script[:200], out.stdout[-2000:]))
    return out.stdout


def node_up(nodes, name, xname, **kw):
    """nodes.up, tried 3 times: on a loaded machine a node's sshd may answer after nodes.sh's 30 s."""
    for attempt in range(3):
        try:
            return nodes.up(name, xname, **kw)
        except RuntimeError:
            sh('bash', os.path.join(TESTBED, 'nodes.sh'), 'down', name, env=nodes.env)
            if attempt == 2:
                raise


def rbd(*args):
    return subprocess.run(['rbd', '--conf', os.path.join(CEPH_DIR, 'daemons.conf'), '--id', 'admin'] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120,
                          check=False)


# ---------------------------------------------------------------- the node's side of the state

NODE_STATE = r'''
echo "== podman"; podman ps -a --format '{{.Names}} {{.Image}}' 2>/dev/null | sort
echo "== keys"; cat /root/.ssh/authorized_keys
echo "== ceph"; ls -l --time-style=+ /etc/ceph/ceph.conf /etc/ceph/ceph.client.* 2>/dev/null | awk '{print $1, $NF}'
md5sum /etc/ceph/ceph.conf /etc/ceph/ceph.client.* 2>/dev/null
echo "== fstab"; cat /etc/fstab 2>/dev/null
echo "== resolv"; cat /etc/resolv.conf
echo "== loops"; losetup -n -O BACK-FILE 2>/dev/null | grep '%(fuse)s/%(prefix)s' | sed 's|.*/||' | sort
echo "== mounts"
for t in %(targets)s; do findmnt -rn -o TARGET,FSTYPE,FSROOT --mountpoint $t | grep -v "^$t tmpfs /\$"; done
echo "== cachefiles"; ls -1a /mnt/cache 2>/dev/null
echo "== marker"; cat /mnt/cache/%(marker)s 2>/dev/null
echo "== fsuuid"; d=$(findmnt -n -o SOURCE --mountpoint /mnt/cache | tail -1); [ -n "$d" ] && blkid -s UUID -o value "$d"
echo "== jobdirs"; ls -1d /tmp/ims_* 2>/dev/null
true
'''


def node_state(name):
    """{section: [lines]} of what a run may change on the node (NODE_STATE)."""
    script = NODE_STATE % dict(fuse=FUSE_DIR, prefix=RUN, marker=MARKER,
                               targets=' '.join(['/mnt/cache', FUSE_DIR] + BINDS))
    state, section = {}, None
    for line in in_node(name, script).splitlines():
        if line.startswith('== '):
            section = line[3:]
            state[section] = []
        elif section:
            state[section].append(line)
    return state


def mapped_fs(name, image):
    """(UUID, marker text) of the filesystem on the node's loop device over `image`: read off the device
    (blkid, debugfs) whether mounted or not; (None, None) when the image is not mapped or holds none."""
    out = in_node(name, 'd=$(losetup -n -O NAME -j %s/%s | head -1); [ -n "$d" ] || exit 0; echo "dev $d";'
                        ' echo "uuid $(blkid -p -s UUID -o value $d)";'
                        ' echo "marker $(debugfs -R "cat /%s" $d 2>/dev/null)"' % (FUSE_DIR, image, MARKER), check=False)
    found = dict(line.split(' ', 1) for line in out.splitlines() if ' ' in line)
    if 'dev' not in found:
        return None, None
    return found.get('uuid') or None, found.get('marker') or None


# ---------------------------------------------------------------- the API side of the state

def api_state(sim, xnames):
    """What the services hold, without ids and times that differ between equal runs."""
    def get(path):
        return sim.api('GET', path)
    jobs = get('/apis/ims/v3/jobs')
    locks = sim.api('POST', '/apis/smd/hsm/v2/locks/status', {'ComponentIDs': xnames})['Components']
    images = get('/apis/ims/v3/images')
    seed_images = set(sim.seed_images)
    cfs_sessions = get('/apis/cfs/v3/sessions')
    cfs_sessions = cfs_sessions.get('sessions', cfs_sessions) if isinstance(cfs_sessions, dict) else cfs_sessions
    bos_sessions = get('/apis/bos/v2/sessions')
    templates = get('/apis/bos/v2/sessiontemplates')
    configs = get('/apis/cfs/v3/configurations')
    configs = configs.get('configurations', configs) if isinstance(configs, dict) else configs
    return {
        'registered': sorted(n['xname'] for n in get('/apis/ims/v3/remote-build-nodes')),
        'jobs': sorted('%s %s %s' % (j.get('remote_build_node'), j.get('job_type'), j.get('status')) for j in jobs),
        'live_jobs': sorted(j.get('remote_build_node') for j in jobs if j.get('status') not in FINAL_JOB),
        'locked': sorted(c['ID'] for c in locks if c.get('Locked')),
        'hsm_state': sorted('%s %s' % (x, get('/apis/smd/hsm/v2/State/Components/' + x).get('State')) for x in xnames),
        'images': sorted('%s %s' % (i['name'], i.get('arch')) for i in images if i['id'] not in seed_images),
        'cfs_configurations': sorted(c['name'] for c in configs),
        'cfs_sessions': sorted('%s %s %s %s' % (s['name'], s['configuration']['name'], s['target']['definition'],
                                                s['status']['session'].get('succeeded')) for s in cfs_sessions),
        'bos_templates': sorted(t['name'] for t in templates),
        'bos_sessions': sorted('%s %s %s %s' % (s['name'], s['template_name'], s['operation'], s['status']['status'])
                               for s in bos_sessions),
    }


# ---------------------------------------------------------------- a run of ansible-playbook

class Runner(object):
    def __init__(self, workdir, sim):
        self.workdir, self.sim = workdir, sim
        bindir = os.path.dirname(shutil.which('ansible-playbook'))
        self.env = ansible_env(workdir, bindir=bindir, callback_plugins=os.path.join(HERE, 'callback_plugins'),
                               callbacks_enabled='crash_point', **NODE_RUN)
        # SSH masters in this run's directory: a killed run's master never serves the next node on that port
        self.env['ANSIBLE_SSH_CONTROL_PATH_DIR'] = os.path.join(workdir, 'cp')

    def command(self, playbook, inventory, extra):
        """The collection's playbook as an admin runs it on a management node: (argv, environment, cwd)."""
        return (['ansible-playbook', '-i', inventory, 'cray.csm.' + playbook, '-e', 'csm_api_gateway=' + self.sim.url,
                 '-e', 'csm_kubeconfig=' + self.sim.kubeconfig, '-e', json.dumps(extra)], self.env, None)

    def run(self, sc, inventory, record=None, kill_task=None, crash=None, timeout=900):
        """Run the scenario's playbook (its own process group); crash: a /_sim/crash point for its group,
        kill_task: a callback kill. Returns (rc, output)."""
        cmd, env, cwd = sc.command(inventory)
        env = dict(env)
        env.pop('CRASH_RECORD', None)
        env.pop('CRASH_KILL', None)
        if record:
            env['CRASH_RECORD'] = record
        if kill_task:
            env['CRASH_KILL'] = json.dumps(kill_task)
        out_path = os.path.join(self.workdir, 'last-run.out')
        self.sim.clear_log()
        with open(out_path, 'w') as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True,
                                    stdin=subprocess.DEVNULL)
            if crash:
                self.sim._control('POST', 'crash', dict(crash, pgid=proc.pid))
            try:
                rc = proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
            # nothing of a killed run may act after it: its workers and SSH clients are in its group
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
        self.fired = None
        if crash:
            self.fired = (self.sim._control('GET', 'crash') or {}).get('fired')
            self.sim._control('DELETE', 'crash')
        with open(out_path) as f:
            return rc, f.read()


def cache_mounted(node):
    return any(m.startswith('/mnt/cache ') for m in node['mounts'])


def summary_rows(out):
    """The per-node rows of the last 'Summary per node' table: {node: {column: value}}."""
    blocks = re.findall(r'TASK \[(?:Summary per node|One line per node[^\]]*)\].*?"msg": \[(.*?)\n\s*\]', out, re.S)
    if not blocks:
        return {}
    lines = [json.loads(line.strip().rstrip(',')) for line in blocks[-1].strip().splitlines()]
    if not lines or not lines[0].startswith('NODE'):
        return {'_lines': lines}
    cols = re.split(r'\s{2,}', lines[0].strip())
    rows = {}
    for line in lines[1:]:
        cells = re.split(r'\s{2,}', line.strip())
        if len(cells) == len(cols):
            rows[cells[0]] = dict(zip(cols, cells))
    return rows


# ---------------------------------------------------------------- scenarios

class Scenario(object):
    """One playbook on its nodes: how to bring the state a run starts from, and what to check."""
    name = playbook = ''
    title = ''              # the table's name of the playbook (default: PLAYBOOK.yml)
    cache = False
    node_points = True
    per_host = False        # node points per (task, item, host) rather than (task, item)
    waits = ()              # (label, method, path regex, nth matching request)

    def __init__(self, sweep):
        self.sweep, self.sim = sweep, sweep.sim
        self.point_no = 0

    # set by subclasses
    def start_state(self, point):
        raise NotImplementedError

    def extra(self):
        return {}

    def command(self, inventory):
        return self.sweep.runner.command(self.playbook, inventory, self.extra())

    def summary_want(self, name, snap):
        """{column: the value the state says (or a tuple of values)} of the node's row in the run's summary."""
        x, api = self.nodes.hosts[name]['xname'], snap['api']
        return {'REGISTERED': 'yes' if x in api['registered'] else 'no', 'LOCKED': 'yes' if x in api['locked'] else 'no'}

    def summary_errors(self, out, snap):
        """The re-run's summary table is right about each node (summary_want)."""
        rows, errors = summary_rows(out), []
        for name, h in self.nodes.hosts.items():
            row = rows.get(name) or rows.get(h['xname'])
            if not row:
                errors.append('no summary row for %s' % name)
                continue
            for k, v in self.summary_want(name, snap).items():
                if row.get(k) not in (v if isinstance(v, tuple) else (v,)):
                    errors.append('summary %s %s=%s, the state says %s' % (name, k, row.get(k), v))
        return errors

    def xnames(self):
        return [h['xname'] for h in self.nodes.hosts.values()]

    def snapshot(self):
        s = {'api': api_state(self.sim, self.xnames())}
        for name in sorted(self.nodes.hosts):
            s[name] = node_state(name)
        return s

    def comparable(self, snap):
        """The snapshot without what an equal run may change: per-point image names, free space."""
        snap = json.loads(json.dumps(snap))
        for key, values in snap['api'].items():  # ids (in BOS session names too) differ between equal runs
            snap['api'][key] = sorted(UUID.sub('<id>', v) for v in values)
        for name in self.nodes.hosts:
            st = snap[name]
            # rbd-fuse numbers an image's inode by its place in the pool's image list: when the list changes
            # (an image made or removed in the pool), the kernel drops the dentry of an image file a loop device
            # holds open and losetup prints "<file> (deleted)"; the loop still reads the same image. Seen once
            # in three runs of the same point (CI, 2026-12-07); which image is attached is still compared.
            st['loops'] = [re.sub(r'^%s-p\d+-' % RUN, '', re.sub(r' \(deleted\)$', '', x)) for x in st.get('loops', [])]
            st.pop('fsuuid', None)
        return snap

    # ---- invariants at a kill point (named assertions); each returns a list of what does not hold
    def invariants(self, snap, point):
        api = snap['api']
        failed = []
        for x in api['registered']:
            if x not in api['locked']:
                failed.append('registered_is_locked: %s is registered in IMS but not locked in HSM' % x)
        for x in api['live_jobs']:
            if x and x not in api['locked']:
                failed.append('job_node_locked: a job runs on %s, which is unlocked' % x)
        by_xname = dict((h['xname'], n) for n, h in self.nodes.hosts.items())
        if self.cache:
            for x in set(api['registered']) | set(j for j in api['live_jobs'] if j):
                st = snap[by_xname[x]]
                mounted = set(line.split()[0] for line in st['mounts'])
                if not ({'/mnt/cache'} | set(BINDS)) <= mounted and self.ims_reaches(x):
                    why = 'registered' if x in api['registered'] else 'running a job'
                    failed.append('cache_under_jobs: %s is %s and IMS reaches it, but only %s is mounted (a job would '
                                  'run on the RAM root)' % (x, why, sorted(mounted)))
        for arch in ('x86_64', 'aarch64'):
            cfs = [s for s in api['cfs_sessions'] if arch.replace('_', '-') in s.split()[0]]
            if len(cfs) > 1:
                failed.append('one_cfs_session_per_arch: %s' % cfs)
        bos = collections.Counter(s.split()[1] for s in api['bos_sessions'])
        failed += ['one_bos_session_per_arch: %d sessions of template %s' % (n, t) for t, n in bos.items() if n > 1]
        failed += self.filesystem_errors(point)
        return failed

    def ims_reaches(self, xname):
        status, out = self.sim.request('GET', '/apis/ims/v3/remote-build-nodes/status/' + xname,
                                       headers={'Authorization': 'Bearer ' + self.sim.token()})
        return status == 200 and 'Unable to connect' not in json.dumps(out)

    def filesystem_errors(self, point):
        return []

    def duplicates(self, snap):
        api, dups = snap['api'], []
        for key in ('registered', 'images', 'cfs_configurations', 'cfs_sessions', 'bos_templates', 'bos_sessions'):
            names = [v.split()[0] for v in api[key]]
            dups += ['%s: %s' % (key, n) for n, c in collections.Counter(names).items() if c > 1]
        for name in self.nodes.hosts:
            st = snap[name]
            for key in ('keys', 'fstab', 'mounts', 'resolv', 'loops'):
                lines = [line for line in st.get(key, []) if line.strip() and not line.startswith('#')]
                dups += ['%s %s: %s' % (name, key, n) for n, c in collections.Counter(lines).items() if c > 1]
        return dups


class CacheScenario(Scenario):
    """Two nodes on the machine's network with the Ceph build cache (fuse map method)."""
    cache = True

    def extra(self):
        return {'remote_build_node_cache': True, 'ceph_buildcache_config_src': os.path.join(CEPH_DIR, 'etc'),
                'ceph_buildcache_map_method': 'fuse', 'ceph_buildcache_size': '256M',
                'ceph_buildcache_dns_server': '127.0.0.1', 'ceph_buildcache_legacy_image': '',
                'remote_build_node_min_free_gib': 0.05, 'remote_build_node_image_root_gib': 0.05,
                'remote_build_node_drain_poll_interval': 1,
                'remote_build_node_wait_timeout': 60}

    @property
    def nodes(self):
        return self.sweep.cache_nodes

    def inventory(self, images):
        return self.nodes.inventory(os.path.join(self.sweep.workdir, 'inventory.ini'), host_vars=dict(
            (n, 'ceph_buildcache_image=' + images[n]) for n in self.nodes.hosts if n in images))

    def reset_nodes(self, keep_packages=True):
        """Each node as it was before any run: nothing mounted or mapped, no /etc/ceph, its first keys."""
        for name in self.nodes.hosts:
            in_node(name, RESET % dict(fuse=FUSE_DIR, prefix=RUN, binds=' '.join(reversed(BINDS))))
            if not keep_packages:
                in_node(name, 'DEBIAN_FRONTEND=noninteractive apt-get -q -y remove rbd-fuse >/dev/null')

    def marker_image(self, image):
        """An RBD image that holds an ext4 filesystem with a marker file, as a cache used before does."""
        d = tempfile.mkdtemp(dir=self.sweep.workdir)
        os.mkdir(os.path.join(d, 'root'))
        token = uuid.uuid4().hex
        with open(os.path.join(d, 'root', MARKER), 'w') as f:
            f.write(token + '\n')
        fs_uuid = str(uuid.uuid4())
        out = sh('mkfs.ext4', '-q', '-F', '-U', fs_uuid, '-d', os.path.join(d, 'root'), os.path.join(d, 'fs'), '256M')
        assert out.returncode == 0, out.stdout
        out = rbd('import', '--no-progress', os.path.join(d, 'fs'), 'kube/' + image)
        assert out.returncode == 0, out.stdout
        shutil.rmtree(d)
        self.sweep.images.append(image)
        return token, fs_uuid

    def mount_cache(self, name, image):
        """Map and mount `image` on the node as the role does (what a finished remote_build_node.yml leaves)."""
        in_node(name, MOUNT % dict(fuse=FUSE_DIR, image=image, binds=' '.join(BINDS)))

    def comparable(self, snap):
        snap = Scenario.comparable(self, snap)
        for name, st in snap.items():  # each point's image has its own marker text: intact is what compares
            known = getattr(self, 'fs', {}).get(name)
            if name != 'api' and known and known[1] and st.get('marker') == [known[1]]:
                st['marker'] = ['<the marker written before the run>']
        return snap

    def filesystem_errors(self, point):
        errors = []
        for name, image in self.images.items():
            fs_uuid, marker = mapped_fs(name, image)
            known = self.fs.get(name)
            if known and fs_uuid and fs_uuid != known[0]:
                errors.append('no_reformat: %s: the filesystem on %s is %s, was %s' % (name, image, fs_uuid, known[0]))
            if known and known[1] and fs_uuid and marker != known[1]:
                errors.append('marker_intact: %s: marker on %s is %r, was %r' % (name, image, marker, known[1]))
            if fs_uuid and not known:
                self.fs[name] = (fs_uuid, None)  # made by this run: a re-run must keep it
        return errors


RESET = r'''
set -u
for p in $(pgrep -f '[A]nsiballZ'); do kill -9 $p 2>/dev/null; done
podman rm -a -f -t 0 >/dev/null 2>&1; podman rmi -a -f >/dev/null 2>&1
for t in %(binds)s; do
  while [ "$(findmnt -n -o FSROOT --mountpoint $t | tail -1)" = "$t" ]; do umount $t || umount -l $t; done
done
while findmnt -n --mountpoint /mnt/cache >/dev/null; do umount /mnt/cache || umount -l /mnt/cache; done
for d in $(losetup -n -O NAME,BACK-FILE | awk '$2 ~ "^%(fuse)s/%(prefix)s" {print $1}'); do losetup -d $d; done
while findmnt -n --mountpoint %(fuse)s >/dev/null; do umount %(fuse)s || umount -l %(fuse)s; done
rmdir %(fuse)s 2>/dev/null || true  # made by the run (a point after its creation); rmdir: never into a mount
rm -rf /etc/ceph/ceph.conf /etc/ceph/ceph.client.* /mnt/cache /tmp/ims_*
cat /root/crash-keys > /root/.ssh/authorized_keys
cat /root/crash-resolv > /etc/resolv.conf
'''

MOUNT = r'''
set -eu
mkdir -p %(fuse)s /mnt/cache
findmnt -n --mountpoint %(fuse)s >/dev/null || rbd-fuse -p kube --id kube --keyring /etc/ceph/ceph.client.kube.keyring %(fuse)s
dev=$(losetup -n -O NAME -j %(fuse)s/%(image)s | head -1)
[ -n "$dev" ] || dev=$(losetup -f --show %(fuse)s/%(image)s)
mount -t ext4 $dev /mnt/cache
for t in %(binds)s; do mkdir -p /mnt/cache$t; mount --bind /mnt/cache$t $t; done
'''


class RemoteBuildNode(CacheScenario):
    """remote_build_node.yml, cache on, 2 nodes: node a gets a new image (create, mkfs); node b has an image
    with a filesystem and a marker from before (it must be mounted, never formatted)."""
    name = playbook = 'remote_build_node'
    waits = (('IMS ableToRunJobs', 'GET', r'/remote-build-nodes/status/', 1),)

    def start_state(self, point):
        self.reset_nodes(keep_packages=not (point and point.get('task', '').endswith(PACKAGES_TASK)))
        self.sweep.reset_sim(self.nodes)
        names = sorted(self.nodes.hosts)
        self.images = {names[0]: '%s-p%d-new' % (RUN, point['no'] if point else 0),
                       names[1]: '%s-p%d-old' % (RUN, point['no'] if point else 0)}
        token, fs_uuid = self.marker_image(self.images[names[1]])
        self.sweep.images.append(self.images[names[0]])
        self.fs = {names[1]: (fs_uuid, token)}
        return self.inventory(self.images)

    def summary_want(self, name, snap):
        want = CacheScenario.summary_want(self, name, snap)
        want['CACHE'] = 'mounted' if cache_mounted(snap[name]) else 'off'
        want['CAN RUN JOBS'] = want['REGISTERED']
        return want


class RemoveRemoteBuildNode(CacheScenario):
    """remove_remote_build_node.yml on the 2 nodes set up with the cache (each image with a marker), an IMS
    job running on node a (its container on the cache): the drain waits until the job ends, which a thread
    does after the drain's second poll."""
    name = playbook = 'remove_remote_build_node'
    waits = (('the drain', 'GET', r'/apis/ims/v3/jobs$', 3),)

    def extra(self):
        """The full undo: the IMS key, /etc/ceph and the DNS lines go too, each a node-side point."""
        return dict(CacheScenario.extra(self), remote_build_node_remove_ims_key=True,
                    remote_build_node_remove_node_setup=True)

    def start_state(self, point):
        self.reset_nodes()
        names = sorted(self.nodes.hosts)
        if not getattr(self, 'images', None):  # one image per node for every point: the removal keeps the data
            self.images, self.fs = {}, {}
            for n in names:
                self.images[n] = '%s-rm-%s' % (RUN, n.rsplit('-', 1)[-1])
                token, fs_uuid = self.marker_image(self.images[n])
                self.fs[n] = (fs_uuid, token)
        self.sweep.reset_sim(self.nodes)
        for n in names:
            h = self.nodes.hosts[n]
            in_node(n, 'mkdir -p /etc/ceph && cp /root/crash-ceph/* /etc/ceph/ && cat /root/crash-keys > /root/.ssh/authorized_keys'
                       ' && echo "%s" >> /root/.ssh/authorized_keys' % self.sim.ims_public_key.strip())
            # the DNS lines remote_build_node.yml put first in resolv.conf (its search line replaced the node's)
            in_node(n, "{ echo 'nameserver 127.0.0.1'; echo 'search nmn mtl hmn'; grep -v '^search\\s' /root/crash-resolv; }"
                       ' > /etc/resolv.conf')
            self.mount_cache(n, self.images[n])
            self.sim.api('POST', '/apis/smd/hsm/v2/locks/lock', {'ComponentIDs': [h['xname']]})
            self.sim.api('POST', '/apis/ims/v3/remote-build-nodes', {'xname': h['xname']}, want=201)
        job = self.sim.start_job(self.nodes.hosts[names[0]]['xname'], publish=False, status='building_image')
        self.job = job['id']
        return self.inventory(self.images)

    def during_run(self):
        """End the job once the drain polled twice (the first read of each node, then two polls of the wait)."""
        stop = threading.Event()

        def ender():
            while not stop.wait(0.3):
                try:
                    n = len([e for e in self.sim.log() if e['method'] == 'GET' and e['path'] == '/apis/ims/v3/jobs'])
                    if n >= len(self.nodes.hosts) + 2:
                        self.sim.move_job(self.job, 'finish')
                        return
                except Exception:  # the simulator answers again on the next turn
                    pass
        t = threading.Thread(target=ender)
        t.daemon = True
        t.start()
        return stop

    def summary_want(self, name, snap):
        want = CacheScenario.summary_want(self, name, snap)
        want['CACHE'] = 'mounted' if cache_mounted(snap[name]) else 'unmounted'
        return want


class CleanRemoteBuildNode(CacheScenario):
    """clean_remote_build_node.yml on the 2 nodes (no cache mounted): each holds the footprint of a job that
    failed (IMS lists it as error) and one of a job IMS never knew; node a also runs a live job (kept)."""
    name = playbook = 'clean_remote_build_node'
    per_host = True

    def start_state(self, point):
        self.reset_nodes()
        self.images, self.fs = {}, {}
        self.sweep.reset_sim(self.nodes)
        names = sorted(self.nodes.hosts)
        for n in names:
            x = self.nodes.hosts[n]['xname']
            # IMS reaches the node with its key (a node that was set up as a remote build node)
            in_node(n, 'echo "%s" >> /root/.ssh/authorized_keys' % self.sim.ims_public_key.strip())
            self.sim.api('POST', '/apis/ims/v3/remote-build-nodes', {'xname': x}, want=201)
            dead = self.sim.start_job(x, publish=False, orphan=True)
            self.sim.move_job(dead['id'], 'fail')
            in_node(n, 'mkdir -p /tmp/ims_%s/image' % uuid.uuid4())
        live = self.sim.start_job(self.nodes.hosts[names[0]]['xname'], publish=False, status='building_image')
        self.live = live['id']
        for n in names:
            self.sim.api('DELETE', '/apis/ims/v3/remote-build-nodes/' + self.nodes.hosts[n]['xname'], want=204)
        # Still locked in HSM, as a builder is until its removal ends: a live job's node is locked (invariant).
        self.sim.api('POST', '/apis/smd/hsm/v2/locks/lock',
                     {'ComponentIDs': [self.nodes.hosts[n]['xname'] for n in names]})
        return self.inventory({})

    def invariants(self, snap, point):
        failed = Scenario.invariants(self, snap, point)
        a = snap[sorted(self.nodes.hosts)[0]]
        if not any(self.live in line for line in a['podman']) or not any(self.live in d for d in a['jobdirs']):
            failed.append('live_job_kept: the live job %s lost its footprint: %s %s' % (self.live, a['podman'], a['jobdirs']))
        return failed

    def comparable(self, snap):
        snap = CacheScenario.comparable(self, snap)
        for name in self.nodes.hosts:  # job ids differ between runs; their number does not
            for key in ('podman', 'jobdirs'):
                snap[name][key] = len(snap[name][key])
        snap['api']['jobs'] = [' '.join(j.split()[1:]) for j in snap['api']['jobs']]
        return snap

    def summary_errors(self, out, snap):
        m = re.findall(r'"msg": \[(.*?)\n\s*\]', out, re.S)
        lines = [json.loads(x.strip().rstrip(',')) for x in m[-1].strip().splitlines()] if m else []
        errors = []
        for name in self.nodes.hosts:
            if not [line for line in lines if line.startswith(name + ' (')]:
                errors.append('no summary line for %s' % name)
            for line in lines:
                job = re.match(r'\s+([0-9a-f-]{36}): ', line)
                if job and any(job.group(1) in d for d in snap[name]['jobdirs']):
                    errors.append('summary says %s removed, but its directory is on %s' % (job.group(1), name))
        return errors


class ConfigureRemoteBuildNodes(Scenario):
    """configure_remote_build_nodes.yml: image build (CFS) and boot (BOS) per architecture, then the rest, on
    an x86_64 and an aarch64 node of HSM group ims_builders (cray.csm.hsm inventory), no cache."""
    name = playbook = 'configure_remote_build_nodes'
    waits = (('CFS session', 'GET', r'/apis/cfs/v3/sessions/[^/]+$', 4),
             ('BOS session', 'GET', r'/apis/bos/v2/sessions/[^/]+(/status)?$', 4),
             ('IMS ableToRunJobs', 'GET', r'/remote-build-nodes/status/', 1))

    @property
    def nodes(self):
        return self.sweep.arch_nodes

    def extra(self):
        return {'remote_build_node_hosts': 'ims_builders', 'csm_poll_interval': 1}

    def start_state(self, point):
        self.sweep.reset_sim(self.nodes)
        self.sim.config(cfs_session_seconds=4, bos_session_seconds=4)
        for name in self.nodes.hosts:
            in_node(name, 'cat /root/crash-keys > /root/.ssh/authorized_keys')
        d = os.path.join(self.sweep.workdir, 'hsm-inventory')
        shutil.rmtree(d, ignore_errors=True)
        return self.nodes.hsm_inventory(d, 'ims_builders', api_gateway=self.sim.url, client_secret=self.sim.client_secret)

    def summary_want(self, name, snap):
        return dict(Scenario.summary_want(self, name, snap), BOOT=('now', 'before'))


class CfsBootedNode(CacheScenario):
    """playbooks/ims_computes.yml's booted-node play, cache and registration on, run as CFS node
    personalization runs it at a node's boot: a copy of the repository outside any ansible_collections tree,
    the AEE's ansible.cfg, no cray.csm installed, the Ceph kube key from Secret default/csi-kube-secret and
    the admin client secret from default/admin-client-auth of the simulator's stand-in Kubernetes API. The
    2 nodes are booted from the image half (podman, ceph-common, rbd-fuse; no IMS key, no Ceph key); the
    management node made their RBDs: node a's is empty (the layer makes the filesystem), node b's holds a
    filesystem with a marker (mounted, never formatted)."""
    name = 'ims_computes_booted'
    playbook = 'ims_computes'
    title = 'ims_computes.yml (booted-node play, CFS)'

    def layer(self):
        """The layer as CFS clones it: this checkout's files (links kept) where no ansible_collections is."""
        d = os.path.join(self.sweep.workdir, 'csm-config-layer')
        if not os.path.isdir(d):
            shutil.copytree(COLL, d, symlinks=True, ignore=shutil.ignore_patterns('.cache', '.git', 'tests'))
        return d

    def command(self, inventory):
        empty = os.path.join(self.sweep.workdir, 'no-collections')
        os.makedirs(empty, exist_ok=True)
        # As tests/cfs_layer's cfs_env: the AEE's settings, nothing of the management node's (no cray.csm found).
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'PYTHONPATH', 'CSM_')))
        env.update(ANSIBLE_CONFIG=AEE_CFG, ANSIBLE_COLLECTIONS_PATH=empty, KUBECONFIG=self.sim.kubeconfig,
                   ANSIBLE_NOCOLOR='1', ANSIBLE_LOCAL_TEMP=os.path.join(self.sweep.workdir, 'ansible-tmp'),
                   ANSIBLE_SSH_CONTROL_PATH_DIR=os.path.join(self.sweep.workdir, 'cp'),
                   ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'),
                   ANSIBLE_CALLBACKS_ENABLED='crash_point', PATH=self.sweep.runner.env['PATH'])
        return ['ansible-playbook', '-i', inventory, 'playbooks/ims_computes.yml'], env, self.layer()

    def start_state(self, point):
        self.reset_nodes()
        for name in self.nodes.hosts:  # the boot image has the Ceph client (the image half installs it)
            in_node(name, 'command -v rbd-fuse >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get -q -y install '
                          'rbd-fuse >/dev/null', timeout=600)
        self.sweep.reset_sim(self.nodes)
        with open(os.path.join(CEPH_DIR, 'etc', 'ceph.client.kube.keyring')) as f:
            kube_key = re.search(r'key\s*=\s*(\S+)', f.read()).group(1)
        self.sim.set_secret('default', 'csi-kube-secret', {'userID': 'kube', 'userKey': kube_key})
        names = sorted(self.nodes.hosts)
        no = point['no'] if point else 0
        self.images = {names[0]: '%s-p%d-cfsnew' % (RUN, no), names[1]: '%s-p%d-cfsold' % (RUN, no)}
        out = rbd('create', 'kube/' + self.images[names[0]], '--size', '256M')  # the management node's part
        assert out.returncode == 0, out.stdout
        self.sweep.images.append(self.images[names[0]])
        rbd('feature', 'disable', 'kube/' + self.images[names[0]], 'object-map', 'fast-diff', 'deep-flatten')
        token, fs_uuid = self.marker_image(self.images[names[1]])
        self.fs = {names[1]: (fs_uuid, token)}
        return self.inventory(self.images)

    def inventory(self, images):
        """CFS's inventory of booted nodes: group Compute (not cfs_image); the layer's variables in its
        group_vars, as a CFS configuration's additional inventory holds them."""
        d = os.path.join(self.sweep.workdir, 'cfs-inventory')
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(os.path.join(d, 'group_vars'))
        mon = [line.split('=', 1)[1].strip() for line in open(os.path.join(CEPH_DIR, 'etc', 'ceph.conf'))
               if line.split('=')[0].strip() == 'mon_host']
        write_yaml(os.path.join(d, 'group_vars', 'Compute.yml'), dict(
            self.nodes.connection_vars(), ims_computes_buildcache=True, ims_computes_register=True,
            ims_register_lock=True, csm_api_gateway=self.sim.url, ceph_buildcache_map_method='fuse',
            ceph_buildcache_monitors=mon))
        with open(os.path.join(d, 'hosts'), 'w') as f:
            f.write('[Compute]\n' + ''.join('%s xname=%s ansible_host=127.0.0.1 ansible_port=%d ceph_buildcache_image=%s\n' % (
                n, h['xname'], h['port'], images[n]) for n, h in sorted(self.nodes.hosts.items())))
        return d

    def invariants(self, snap, point):
        """And ims_key_after_cache: a node whose root accepts the IMS key has the cache and its 3 binds
        mounted (IMS checks a node over SSH with that key before it places a job there)."""
        failed = CacheScenario.invariants(self, snap, point)
        key = self.sim.ims_public_key.split()[1]
        for name in sorted(self.nodes.hosts):
            st = snap[name]
            mounted = set(line.split()[0] for line in st['mounts'])
            if any(key in line for line in st['keys']) and not ({'/mnt/cache'} | set(BINDS)) <= mounted:
                failed.append('ims_key_after_cache: %s accepts the IMS key, but only %s is mounted' % (name, sorted(mounted)))
        return failed

    def summary_errors(self, out, snap):
        """The layer prints no summary (CFS reports the session's outcome)."""
        return []


SCENARIOS = [RemoteBuildNode, RemoveRemoteBuildNode, CleanRemoteBuildNode, ConfigureRemoteBuildNodes, CfsBootedNode]


# ---------------------------------------------------------------- the sweep

class Sweep(object):
    def __init__(self, args):
        self.args = args
        self.workdir = tempfile.mkdtemp(prefix='csm-crash-')
        self.images = []
        os.mkdir(os.path.join(self.workdir, 'sim'))
        self.sim = CsmSim(workdir=os.path.join(self.workdir, 'sim'))
        self.sim.seed_images = [i['id'] for i in self.sim.api('GET', '/apis/ims/v3/images')]
        self.runner = Runner(self.workdir, self.sim)
        self.cache_nodes = self.arch_nodes = None
        self.results = []

    def reset_sim(self, nodes):
        self.sim.reset()
        self.sim.set_nodes(nodes.node_map())

    def up_cache_nodes(self):
        n = self.cache_nodes = Nodes(controller_key(), scope=SCOPE)  # cleanup() removes what started
        # A 256M cache: room for one job of a 0.05 GiB image root (the default 15 GiB would refuse it).
        n.group_vars = {'remote_build_node_min_free_gib': 0.05, 'remote_build_node_image_root_gib': 0.05}
        for suffix, xname in (('a', 'x3000c0s19b4n0'), ('b', 'x3000c0s19b3n0')):
            name = '%s-%s' % (RUN, suffix)
            node_up(n, name, xname, host_network=True)
            out = sh('podman', 'exec', '-e', 'DEBIAN_FRONTEND=noninteractive', name, 'sh', '-c',
                     'apt-get -q update && apt-get -q -y install ceph-common e2fsprogs rbd-fuse')
            assert out.returncode == 0, out.stdout[-2000:]
            in_node(name, 'cp /root/.ssh/authorized_keys /root/crash-keys; cp /etc/resolv.conf /root/crash-resolv;'
                          ' mkdir -p /root/crash-ceph')
            # what the role installs in /etc/ceph, for a node set up without it (the removal's start)
            out = sh('podman', 'cp', os.path.join(CEPH_DIR, 'etc') + '/.', name + ':/root/crash-ceph/')
            assert out.returncode == 0, out.stdout

    def up_arch_nodes(self):
        n = self.arch_nodes = Nodes(controller_key(), scope=SCOPE)
        for suffix, xname, arch in (('x86', 'x3000c0s19b4n0', 'x86_64'), ('arm', 'x3000c0s17b2n0', 'aarch64')):
            name = '%s-%s' % (RUN, suffix)
            node_up(n, name, xname, arch=arch)
            in_node(name, 'cp /root/.ssh/authorized_keys /root/crash-keys')

    def sweep(self, cls):
        sc = cls(self)
        t0 = time.time()
        if sc.cache and self.cache_nodes is None:
            self.up_cache_nodes()
        if not sc.cache and self.arch_nodes is None:
            self.up_arch_nodes()
        row = dict(playbook=sc.title or sc.playbook + '.yml', points=0, invariants=0, equal=0, duplicates=0, failures=[])
        # 1. the uninterrupted run: the reference state and the points it passes
        if sc.cache and cls is RemoteBuildNode:
            sc.reset_nodes(keep_packages=False)  # the reference run installs the packages: that point exists
        inv = sc.start_state(None)
        record = os.path.join(self.workdir, 'record-%s.jsonl' % sc.name)
        if os.path.exists(record):
            os.remove(record)
        stop = sc.during_run() if hasattr(sc, 'during_run') else None
        rc, out = self.runner.run(sc, inv, record=record)
        if stop:
            stop.set()
        reqlog = self.sim.log()
        if rc != 0:
            row['failures'].append('the uninterrupted run failed (rc %s):\n%s' % (rc, out[-4000:]))
            self.results.append(row)
            return row
        reference = sc.snapshot()
        ref_cmp = sc.comparable(reference)
        ref_dups = sc.duplicates(reference)
        if ref_dups:
            row['failures'].append('duplicates after the uninterrupted run: %s' % ref_dups)
        points = self.points(sc, reqlog, record)
        log('%s: uninterrupted run rc=0 in %.0f s; %d points' % (sc.name, time.time() - t0, len(points)))
        if self.args.points:
            points = [p for p in points if re.search(self.args.points, p['label'])]
        if self.args.max_points:
            points = points[:self.args.max_points]
        if self.args.sample:
            points = sample(points, self.args.sample, self.args.offset)
            log('%s: sample of %d points (--sample %d --offset %d): %s' % (
                sc.name, len(points), self.args.sample, self.args.offset, '; '.join(p['label'] for p in points)))
        for no, p in enumerate(points, 1):
            p['no'] = no
            self.point(sc, p, ref_cmp, row)
        row['seconds'] = int(time.time() - t0)
        self.results.append(row)
        return row

    def points(self, sc, reqlog, record):
        """Every state-changing request (before and after it), every changed node-side task (after it), every
        wait (SIGKILL and SIGINT), as the uninterrupted run passed them."""
        points = []
        mutating = [e for e in reqlog if re.match('^(%s)$' % MUTATING, e['method'])
                    and not re.search(READ_ONLY_POSTS, e['path'])]
        for i, e in enumerate(mutating, 1):
            for when in ('before', 'after'):
                points.append(dict(kind='request', label='%s %s %s #%d' % (when, e['method'], e['path'], i),
                                   crash=dict(method='^(%s)$' % MUTATING, path='.', exclude=READ_ONLY_POSTS, nth=i,
                                              when=when, signal=9)))
        for label, method, path, nth in sc.waits:
            seen = [e for e in reqlog if e['method'] == method and re.search(path, e['path'])]
            if len(seen) < nth:
                points.append(dict(kind='wait', label='during %s: the run made %d such polls' % (label, len(seen)),
                                   missing=True))
                continue
            for sig in ('SIGKILL', 'SIGINT'):
                points.append(dict(kind='wait', label='%s during %s' % (sig, label), sig=sig,
                                   crash=dict(method='^%s$' % method, path=path, nth=nth, when='after',
                                              signal=int(SIGNALS[sig]))))
        if sc.node_points and os.path.exists(record):
            seen = set()
            with open(record) as f:
                for line in f:
                    ev = json.loads(line)
                    item = '#%d' % ev['index'] if UNSTABLE_ITEM.match(ev['item'] or '') else ev['item']
                    key = (ev['task'], item) + ((ev['host'],) if sc.per_host else ())
                    if key in seen:
                        continue
                    seen.add(key)
                    kill = dict(task=ev['task'], signal=9, **({'index': ev['index']} if item != ev['item'] else {'item': item}))
                    if sc.per_host:
                        kill['host'] = ev['host']
                    points.append(dict(kind='node', label='after %s%s%s' % (
                        ev['task'], ' [%s]' % item if item else '',
                        ' on %s' % ev['host'] if sc.per_host else ''), task=ev['task'], kill=kill))
        return points

    def point(self, sc, p, ref_cmp, row):
        t0 = time.time()
        row['points'] += 1
        fail = []
        if p.get('missing'):
            row['failures'].append('%s: %s' % (sc.name, p['label']))
            return
        inv = sc.start_state(p)
        stop = sc.during_run() if hasattr(sc, 'during_run') else None
        rc, out = self.runner.run(sc, inv, crash=p.get('crash'), kill_task=p.get('kill'))
        if stop:
            stop.set()
        if rc == 0 or (p.get('crash') and not self.runner.fired):
            fail.append('the run was not interrupted (rc %s): the point was not reached' % rc)
        at_kill = sc.snapshot()
        broken = sc.invariants(at_kill, p)
        if not broken and not fail:
            row['invariants'] += 1
        fail += broken
        stop = sc.during_run() if hasattr(sc, 'during_run') else None
        rc2, out2 = self.runner.run(sc, inv)
        if stop:
            stop.set()
        if rc2 != 0:
            fail.append('the re-run failed (rc %s): %s' % (rc2, out2[-3000:]))
        final = sc.snapshot()
        fail += ['after the re-run: ' + e for e in sc.invariants(final, p)]
        dups = sc.duplicates(final)
        if dups:
            row['duplicates'] += len(dups)
            fail.append('duplicates: %s' % dups)
        diff = diff_states(ref_cmp, sc.comparable(final))
        if diff:
            fail.append('final state differs from the uninterrupted run: %s' % diff)
        elif rc2 == 0:
            row['equal'] += 1
        fail += sc.summary_errors(out2, final)
        if p['kind'] == 'wait':
            fail += self.wait_message(p, out2)
        status = 'ok' if not fail else 'FAIL'
        log('%s #%d %s: %s (%.0f s)%s' % (sc.name, p['no'], p['label'], status, time.time() - t0,
                                          ''.join('\n    ' + f for f in fail)))
        if fail:
            row['failures'].append('%s #%d %s: %s' % (sc.name, p['no'], p['label'], '; '.join(fail)))

    @staticmethod
    def wait_message(p, out):
        """A re-run after a kill during a CFS or BOS wait follows the session the killed run started (the
        duplicates and one_*_session checks) and says so at the default verbosity."""
        m = re.search(r'(CFS|BOS) session', p['label'])
        if not m or re.search(r'%s session \S+ was started by an earlier run' % m.group(1), out):
            return []
        # A BOS session that ended before the re-run leaves nothing to follow: the re-run finds the nodes
        # booted with the image (BOOT before) and starts no session.
        if m.group(1) == 'BOS' and [r.get('BOOT') for r in summary_rows(out).values()] == ['before'] * 2:
            return []
        return ['the re-run does not say that it follows the %s session of the interrupted run' % m.group(1)]

    def cleanup(self):
        for n in (self.cache_nodes, self.arch_nodes):
            if n is not None:
                for name in list(n.hosts):
                    sh('podman', 'exec', name, 'bash', '-c', RESET % dict(fuse=FUSE_DIR, prefix=RUN,
                                                                          binds=' '.join(reversed(BINDS))))
                n.down()
        for image in self.images:
            for _attempt in range(12):
                out = rbd('rm', '--no-progress', 'kube/' + image)
                if out.returncode == 0 or 'No such file' in out.stdout or 'does not exist' in out.stdout:
                    break
                time.sleep(5)
        self.sim.stop()
        if not self.args.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


def sample(points, n, offset):
    """n points: the waits first (they hold the sessions a re-run must follow), then every k-th of the others
    from `offset` on, so that successive offsets cover every point."""
    waits = [p for p in points if p['kind'] == 'wait']
    rest = [p for p in points if p['kind'] != 'wait']
    room = max(n - len(waits), 0)
    if room == 0 or not rest:
        return waits[:n]
    stride = max(len(rest) // room, 1)
    start = offset % stride
    return waits + rest[start::stride][:room]


def diff_states(a, b, path=''):
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += diff_states(a.get(k), b.get(k), '%s/%s' % (path, k))
        return out
    return [] if a == b else ['%s: %r != %r' % (path, a, b)]


def table(results):
    head = ('playbook', 'points tried', 'invariants held', 'final state equal', 'duplicates found')
    rows = [(r['playbook'], str(r['points']), '%d/%d' % (r['invariants'], r['points']),
             '%d/%d' % (r['equal'], r['points']), str(r['duplicates'])) for r in results]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]

    def line(cells):
        return '| ' + ' | '.join(c.ljust(w) for c, w in zip(cells, widths)) + ' |'
    return '\n'.join([line(head), '|' + '|'.join('-' * (w + 2) for w in widths) + '|'] + [line(r) for r in rows])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', default='')
    ap.add_argument('--max-points', type=int, default=0, help='the first N points of each scenario')
    ap.add_argument('--points', default='', help='only the points whose label matches this regex')
    ap.add_argument('--sample', type=int, default=0, help='at most N points per scenario: the waits, then every '
                    'k-th other point from --offset (default: every point)')
    ap.add_argument('--offset', type=int, default=int(time.time() // 86400), help='which k-th points (default: '
                    'the day number, so that the CI covers the others on the next days)')
    ap.add_argument('--keep', action='store_true')
    args = ap.parse_args()
    if os.geteuid() != 0:
        print('the crash sweep needs root (rootful podman runs the node containers)')
        return 1
    out = setup()
    assert out.returncode == 0, out.stdout
    with ceph_exclusive('crash sweep'):  # its nodes map RBDs of the test bed's one Ceph
        out = sh('bash', os.path.join(TESTBED, 'ceph.sh'), 'start', CEPH_DIR)
        assert out.returncode == 0, 'tests/testbed/ceph.sh start failed:\n' + out.stdout
        sweep = Sweep(args)
        try:
            for cls in SCENARIOS:
                if args.only and cls.name not in args.only.split(','):
                    continue
                sweep.sweep(cls)
        finally:
            sweep.cleanup()
    print(table(sweep.results))
    failures = [f for r in sweep.results for f in r['failures']]
    for f in failures:
        print('FAILED ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
