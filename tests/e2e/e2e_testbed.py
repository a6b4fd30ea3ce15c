"""Helpers of the end-to-end tests: container nodes and playbook results (see conftest.py)."""
import os
import re
import socket
import subprocess

COLL = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
TESTBED = os.path.join(COLL, 'tests', 'testbed')
NODE_IMAGE = 'localhost/csm-node-podman'
# HSM components of the simulator's seed that are powered on.
XNAMES = ['x3000c0s19b4n0', 'x3000c0s19b3n0', 'x3000c0s19b1n0']
# What the ceph_buildcache role installs on Debian for the fuse map method.
CACHE_NODE_PACKAGES = 'ceph-common e2fsprogs rbd-fuse'
RECAP = re.compile(r'^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sh(*args):
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)


def fetch_cache_packages(name):
    """Download the build cache packages in the node, from the mirror the role uses; None, or why not."""
    out = sh('podman', 'exec', '-e', 'DEBIAN_FRONTEND=noninteractive', name, 'sh', '-c',
             'apt-get -q update && apt-get -q -y install --download-only ' + CACHE_NODE_PACKAGES)
    if out.returncode != 0:
        return 'the node cannot get %s: %s' % (CACHE_NODE_PACKAGES, out.stdout[-600:])
    return None


class Nodes(object):
    """Container nodes started for one test module; removed at the end."""

    def __init__(self, key):
        self.key = key
        self.hosts = {}  # name -> dict(xname, port)

    def up(self, name, xname, arch='x86_64', host_network=False, image=NODE_IMAGE, privileged=False):
        """privileged: for IMS job containers inside the node (tests/testbed/README.md)."""
        port = free_port()
        out = sh('bash', os.path.join(TESTBED, 'nodes.sh'), 'up', name, str(port), '--image', image,
                 '--arch', arch, *(['--host-network'] if host_network else []),
                 *(['--privileged'] if privileged else []))
        assert out.returncode == 0, out.stdout
        self.hosts[name] = dict(xname=xname, port=port)

    def down(self):
        for name in self.hosts:
            sh('bash', os.path.join(TESTBED, 'nodes.sh'), 'down', name)

    def node_map(self, names=None):
        return dict((h['xname'], '127.0.0.1:%d' % h['port'])
                    for n, h in self.hosts.items() if names is None or n in names)

    def inventory(self, path, names, host_vars=None):
        lines = ['[remote_build_nodes]']
        for n in names:
            h = self.hosts[n]
            lines.append(('%s xname=%s ansible_host=127.0.0.1 ansible_port=%d %s' % (
                n, h['xname'], h['port'], (host_vars or {}).get(n, ''))).rstrip())
        # The nodes' /tmp is a tmpfs sized from the machine's memory: a small CI machine must not
        # fall below the playbook's free-space minimum. Tests of the minimum pass their own (-e wins).
        lines += ['', '[remote_build_nodes:vars]', 'ansible_user=root', 'remote_build_node_min_free_gib=0.5',
                  'ansible_ssh_private_key_file=%s' % self.key,
                  "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
                  'ansible_python_interpreter=/usr/bin/python3']
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return path


class Result(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.recap = dict((m[0], dict(ok=int(m[1]), changed=int(m[2]), unreachable=int(m[3]), failed=int(m[4])))
                          for m in RECAP.findall(self.out))

    @property
    def changed(self):
        return sum(r['changed'] for r in self.recap.values())


def node_sh(container, script):
    """Run a bash script in a node container as root; asserts it succeeds, returns its output."""
    out = subprocess.run(['podman', 'exec', container, 'bash', '-c', script], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert out.returncode == 0, (script, out.stdout)
    return out.stdout


def make_footprint(container, job_id):
    """What an IMS job stopped irregularly leaves (Troubleshoot page): its directory, image and container."""
    node_sh(container, 'set -e; mkdir -p /tmp/ims_{0}; tar -cf - -T /dev/null | podman import -q - localhost/ims-remote-{0}:1.0.0'
                       ' >/dev/null; podman create -q --name ims-{0} -v /mnt/image localhost/ims-remote-{0}:1.0.0 /bin/true'
            .format(job_id))


def node_state(container):
    """What a node holds that a day-2 playbook could change: /tmp, mounts, root's keys, podman's objects."""
    return node_sh(container, 'ls -1a /tmp /mnt 2>&1; cat /root/.ssh/authorized_keys; findmnt -rn -o TARGET,SOURCE | sort;'
                              ' if command -v podman >/dev/null; then podman ps -a --format "{{.Names}}" | sort;'
                              ' podman images --format "{{.Repository}}:{{.Tag}}" | sort; podman volume ls -q | sort; fi')


def api(sim, method, path, body=None, want=200):
    """A CSM API call with a token; asserts the status."""
    status, out = sim.request(method, path, body, headers={'Authorization': 'Bearer ' + sim.token()})
    assert status == want, (method, path, status, out)
    return out
