"""Helpers of the end-to-end tests: container nodes and playbook results (see conftest.py).
The nodes, inventories and the Ansible environment come from the test-bed library (tests/testbed/)."""
import re

from testbed import nodes
from testbed.nodes import node_sh, sh  # the tests import them from here too

# HSM components of the simulator's seed that are powered on.
XNAMES = ['x3000c0s19b4n0', 'x3000c0s19b3n0', 'x3000c0s19b1n0']
# What the ceph_buildcache role installs on Debian for the fuse map method.
CACHE_NODE_PACKAGES = 'ceph-common e2fsprogs rbd-fuse'
RECAP = re.compile(r'^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', re.M)


def fetch_cache_packages(name):
    """Download the build cache packages in the node, from the mirror the role uses; None, or why not."""
    out = sh('podman', 'exec', '-e', 'DEBIAN_FRONTEND=noninteractive', name, 'sh', '-c',
             'apt-get -q update && apt-get -q -y install --download-only ' + CACHE_NODE_PACKAGES)
    if out.returncode != 0:
        return 'the node cannot get %s: %s' % (CACHE_NODE_PACKAGES, out.stdout[-600:])
    return None


class Nodes(nodes.Nodes):
    """Container nodes started for one test module (Nodes(key) of tests/testbed/nodes.py); removed at the end."""

    # The nodes' /tmp is a tmpfs sized from the machine's memory: a small CI machine must not
    # fall below the playbook's free-space minimum. Tests of the minimum pass their own (-e wins).
    group_vars = dict(nodes.Nodes.group_vars, remote_build_node_min_free_gib=0.5)


class Result(object):
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.recap = dict((m[0], dict(ok=int(m[1]), changed=int(m[2]), unreachable=int(m[3]), failed=int(m[4])))
                          for m in RECAP.findall(self.out))

    @property
    def changed(self):
        return sum(r['changed'] for r in self.recap.values())


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
    return sim.api(method, path, body, want)
