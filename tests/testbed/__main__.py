"""The test-bed library for shell scripts (the demo): PYTHONPATH=<checkout>/tests python -m testbed COMMAND ...

  free-port                         a free TCP port on 127.0.0.1
  ansible-env DIR [KEY=VALUE ...]   `export ANSIBLE_...=...` lines for eval: cray.csm as this checkout, the
                                    node-run settings, more ANSIBLE_KEY=VALUE settings
  sim-start DIR [PYTHON]            start the simulator detached (it outlives this command), its files in DIR;
                                    writes DIR/url and DIR/sim.pid
  sim-secret URL                    the admin client secret of the simulator at URL
  nodes-up URL IMAGE INVENTORY NAME=XNAME:ARCH ...
                                    start the nodes, tell the simulator at URL where they are; INVENTORY is
                                    ini:PATH (group remote_build_nodes) or hsm:DIR:GROUP (cray.csm.hsm)
"""
import json
import os
import shlex
import sys

from testbed.ansible_env import NODE_RUN, ansible_env
from testbed.nodes import Nodes, free_port
from testbed.sim import BANNER, CsmSim

HSM_COMMENT = ('cray.csm.hsm: the nodes of HSM group %s; api_gateway and client_secret come from\n'
               'CSM_API_GATEWAY and CSM_CLIENT_SECRET, as for the modules')


def cmd_ansible_env(workdir, *settings):
    env = ansible_env(workdir, base={}, color=True, **dict(NODE_RUN, **dict(s.split('=', 1) for s in settings)))
    for key, value in sorted(env.items()):
        print('export %s=%s' % (key, shlex.quote(value)))


def cmd_sim_start(workdir, python=None):
    sim = CsmSim(workdir=workdir, python=python, detached=True)
    for name, value in (('url', sim.url), ('sim.pid', str(sim.proc.pid))):
        with open(os.path.join(workdir, name), 'w') as f:
            f.write(value + '\n')
    print('%s%s (pid %d, kubeconfig %s)' % (BANNER, sim.url, sim.proc.pid, sim.kubeconfig))


def cmd_nodes_up(url, image, inventory, *nodes):
    sim = CsmSim.attach(url)
    n = Nodes(echo=sys.stderr)
    for spec in nodes:
        name, rest = spec.split('=', 1)
        xname, arch = rest.split(':', 1)
        n.up(name, xname, arch=arch, image=image)
    print('simulator node map: %s' % json.dumps(sim.set_nodes(n.node_map()), sort_keys=True), file=sys.stderr)
    kind, _colon, where = inventory.partition(':')
    if kind == 'hsm':
        directory, group = where.rsplit(':', 1)
        print(n.hsm_inventory(directory, group, HSM_COMMENT % group))
    else:
        print(n.inventory(where))


COMMANDS = {'free-port': lambda: print(free_port()), 'ansible-env': cmd_ansible_env, 'sim-start': cmd_sim_start,
            'sim-secret': lambda url: print(CsmSim.attach(url).client_secret), 'nodes-up': cmd_nodes_up}


def main(argv):
    if len(argv) < 1 or argv[0] not in COMMANDS:
        sys.exit(__doc__)
    COMMANDS[argv[0]](*argv[1:])


if __name__ == '__main__':
    main(sys.argv[1:])
