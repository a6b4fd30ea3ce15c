"""Container "compute nodes" (tests/testbed/nodes.sh) reached by SSH on 127.0.0.1:<port>, and the Ansible
inventories that reach them: an INI file, or a cray.csm.hsm inventory with host_vars. Standard library only."""
import json
import os
import socket
import subprocess

TESTBED = os.path.dirname(os.path.abspath(__file__))
COLL = os.path.dirname(os.path.dirname(TESTBED))
NODES_SH = os.path.join(TESTBED, 'nodes.sh')
PODMAN_IMAGE = 'localhost/csm-node-podman'  # has podman (the default here)
BASE_IMAGE = 'localhost/csm-node-base'      # no podman: the playbooks install it
# How Ansible reaches every node (the controller key of nodes.sh; host keys change with each node).
SSH_COMMON_ARGS = '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket()
    try:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]
    finally:
        s.close()


def sh(*args, **kw):
    """Run a command; stdout and stderr together in .stdout; never raises on its exit status."""
    return subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          check=False, **kw)


def nodes_sh(*args, **kw):
    """tests/testbed/nodes.sh ARGS; raises with its output when it fails."""
    out = sh('bash', NODES_SH, *args, **kw)
    if out.returncode != 0:
        raise RuntimeError('nodes.sh %s failed (%s):\n%s' % (' '.join(args), out.returncode, out.stdout[-3000:]))
    return out.stdout


def setup(**kw):
    """tests/testbed/podman_setup.sh (podman and the node images; built once, then reused): its result."""
    return sh('bash', os.path.join(TESTBED, 'podman_setup.sh'), **kw)


def controller_key(**kw):
    """The path of the controller's private key, which every node authorizes for root."""
    return nodes_sh('key', **kw).strip().splitlines()[-1]


def node_sh(name, script, timeout=300):
    """Run a bash script in a node as root (podman exec); asserts it succeeds, returns its output."""
    out = sh('podman', 'exec', name, 'bash', '-c', script, timeout=timeout)
    assert out.returncode == 0, (script, out.stdout)
    return out.stdout


def write_yaml(path, data, comment=''):
    """A YAML file of a flat mapping, written as JSON values (JSON is YAML); no PyYAML needed."""
    with open(path, 'w') as f:
        f.write(''.join('# %s\n' % line for line in comment.splitlines()))
        f.write(''.join('%s: %s\n' % (k, json.dumps(v)) for k, v in data.items()))
    return path


class Nodes(object):
    """Nodes started by one user of the test bed; `scope` (CSM_TESTBED_SCOPE) keeps them apart from the
    nodes of other runs on the machine (down_all() removes only its scope's)."""

    # More variables for every node of the inventories written (subclasses add theirs). The simulator's IMS jobs
    # carry a root of a few MiB, not a 15 GiB compute image: room for one job in /tmp is sized for that.
    group_vars = {'remote_build_node_image_root_gib': 0.1}

    def __init__(self, key=None, scope=None, echo=None):
        """echo: a file to copy what nodes.sh prints to (the demo shows it)."""
        self.echo = echo
        self.env = dict(os.environ)
        if scope:
            self.env['CSM_TESTBED_SCOPE'] = scope
        self.key = key or controller_key(env=self.env)
        self.hosts = {}  # name -> dict(xname, port)

    def up(self, name, xname, arch='x86_64', image=PODMAN_IMAGE, host_network=False, privileged=False, port=None):
        """Start a node (nodes.sh up) that answers SSH on 127.0.0.1:port; `arch` is what its `uname -i`
        prints (unknown: Debian's, which IMS rejects). Returns the port."""
        port = port or free_port()
        flags = (['--host-network'] if host_network else []) + (['--privileged'] if privileged else [])
        out = nodes_sh('up', name, str(port), '--image', image, '--arch', arch, *flags, env=self.env)
        if self.echo:
            self.echo.write(out)
        self.hosts[name] = dict(xname=xname, port=port)
        return port

    def reboot(self, name):
        """Reboot a node (nodes.sh reboot): recreated from its image, same name and port; what it held at run
        time (files written to its root, mounts, keys added after boot) is gone, data in Ceph stays."""
        out = nodes_sh('reboot', name, env=self.env)
        if self.echo:
            self.echo.write(out)
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.down()

    def down(self):
        """Remove the nodes started here (whatever fails, the others are still removed)."""
        for name in self.hosts:
            sh('bash', NODES_SH, 'down', name, env=self.env)
        self.hosts = {}

    def down_all(self, check=True):
        """Remove every test-bed node of this scope (all of them without a scope)."""
        out = sh('bash', NODES_SH, 'down-all', env=self.env)
        self.hosts = {}
        if check and out.returncode != 0:
            raise RuntimeError('nodes.sh down-all failed (%s):\n%s' % (out.returncode, out.stdout[-3000:]))

    def node_map(self, names=None):
        """{xname: '127.0.0.1:port'}, for CsmSim.set_nodes: where the simulated IMS reaches each node."""
        return dict((h['xname'], '127.0.0.1:%d' % h['port'])
                    for n, h in self.hosts.items() if names is None or n in names)

    def connection_vars(self):
        return dict(dict(ansible_user='root', ansible_ssh_private_key_file=self.key,
                         ansible_ssh_common_args=SSH_COMMON_ARGS, ansible_python_interpreter='/usr/bin/python3'),
                    **self.group_vars)

    def inventory(self, path, names=None, host_vars=None, group='remote_build_nodes'):
        """An INI inventory of the nodes (all without names) in `group`; host_vars: {name: 'k=v ...'}."""
        lines = ['[%s]' % group]
        for n in names or list(self.hosts):
            h = self.hosts[n]
            lines.append(('%s xname=%s ansible_host=127.0.0.1 ansible_port=%d %s' % (
                n, h['xname'], h['port'], (host_vars or {}).get(n, ''))).rstrip())
        lines += ['', '[%s:vars]' % group]
        for k, v in self.connection_vars().items():
            lines.append("%s='%s'" % (k, v) if ' ' in str(v) else '%s=%s' % (k, v))
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        return path

    def hsm_inventory(self, directory, group, comment='', **options):
        """A cray.csm.hsm inventory of HSM group `group` (options: api_gateway, client_secret, ... of the
        plugin), with host_vars that say where each xname's sshd listens here (on CSM, DNS resolves it)."""
        for sub in ('host_vars', 'group_vars'):
            os.makedirs(os.path.join(directory, sub), exist_ok=True)
        for h in self.hosts.values():
            write_yaml(os.path.join(directory, 'host_vars', h['xname'] + '.yml'),
                       dict(ansible_host='127.0.0.1', ansible_port=h['port']))
        write_yaml(os.path.join(directory, 'group_vars', group + '.yml'), self.connection_vars())
        return write_yaml(os.path.join(directory, 'builders.hsm.yml'),
                          dict(plugin='cray.csm.hsm', hsm_groups=[group], **options), comment)
