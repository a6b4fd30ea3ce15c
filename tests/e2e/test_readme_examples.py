"""End to end: the examples of README.md and of the role READMEs that are meant to run, as written, against
the simulator over TLS and a container node. A code block runs when the line before it is
`<!-- readme-example: NAME [expect=fail] -->`: a YAML block is a playbook; in a bash block each
`ansible-playbook` command runs, in order (`expect=fail`: the block's commands must fail, as the status
playbook does before a node is set up).

What stands for the real system, and nothing else: the environment the README has the admin set
(CSM_CA_PATH: the simulator's CA; CSM_API_GATEWAY and K8S_AUTH_KUBECONFIG: the simulator, in place of the
management node's defaults), `-i inventory.ini` (the test bed's inventory of one node with the README's
xname), the platform CA path (the simulator's CA) and, for the IMS check from the controller, where the
node's sshd listens (on CSM, DNS resolves the xname).
"""
import os
import re
import shlex
import subprocess
import sys

import pytest

from e2e_testbed import XNAMES, Nodes, Result
from testbed.ansible_env import NODE_RUN, ansible_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MARK = re.compile(r'^[ \t]*<!-- readme-example: (\S+)((?: \S+=\S+)*) -->\n[ \t]*```(\w+)\n(.*?)\n[ \t]*```', re.M | re.S)
CA = '/etc/cray/ca/certificate_authority.crt'
X = 'x3000c0s19b4n0'  # the xname of the README's examples (and one of the simulator's nodes)
NODE = 'guide25-readme-%d' % (os.getpid() % 100000)
PAGES = ['README.md'] + ['roles/%s/README.md' % r for r in sorted(os.listdir(os.path.join(ROOT, 'roles')))]


def examples():
    """[(page, name, options, language, code)] of every marked block."""
    found = []
    for page in PAGES:
        with open(os.path.join(ROOT, page)) as f:
            for m in MARK.finditer(f.read()):
                opts = dict(o.split('=', 1) for o in m.group(2).split())
                code = '\n'.join(line[len(re.match(r'[ \t]*', m.group(4)).group(0)):] for line in m.group(4).split('\n'))
                found.append((page, m.group(1), opts, m.group(3), code))
    return found


def test_the_readme_marks_its_runnable_examples():
    names = [(p, n) for p, n, _o, _l, _c in examples()]
    # the first session of README.md in its order, its module example and the role README's example
    assert [n for p, n in names if p == 'README.md'][:3] == ['first_status', 'build_image', 'first_run'], names
    assert ('README.md', 'lock_register') in names
    assert ('roles/remote_build_node/README.md', 'role_remote_build_node') in names


@pytest.fixture(scope='module')
def node(testbed):
    assert X in XNAMES
    with Nodes(testbed) as n:
        n.up(NODE, X)
        yield n


def run(cmd, env, cwd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                          cwd=cwd, timeout=900, check=False)
    return Result(proc)


def test_readme_examples_run(csm_sim_tls, node, tmp_path):
    sim = csm_sim_tls
    sim.set_nodes(node.node_map())
    port = node.hosts[NODE]['port']
    inv = node.inventory(str(tmp_path / 'testbed.ini'))
    bindir = os.path.dirname(os.path.abspath(sys.executable))
    env = ansible_env(str(tmp_path), bindir=bindir, **NODE_RUN)
    env.update(CSM_CA_PATH=sim.ca_path, CSM_API_GATEWAY=sim.url, K8S_AUTH_KUBECONFIG=sim.kubeconfig)
    ran = []
    for page, name, opts, lang, code in examples():
        if lang == 'yaml':
            code = code.replace(CA, sim.ca_path)
            if 'ssh_host:' not in code:  # where the node's sshd listens; on CSM the xname resolves
                code = re.sub(r'\n( *)preflight: true\n', r'\g<0>\1ssh_host: 127.0.0.1\n\1ssh_port: %d\n' % port, code)
            play = tmp_path / ('%s.yml' % name)
            play.write_text(code)
            results = [run([os.path.join(bindir, 'ansible-playbook'), '-i', inv, str(play)], env, str(tmp_path))]
        else:
            cmds = [shlex.split(line.split('#')[0]) for line in code.replace('\\\n', ' ').split('\n')
                    if line.startswith('ansible-playbook ')]
            assert cmds, (page, name)
            results = [run([os.path.join(bindir, c[0])] + [inv if a == 'inventory.ini' else a for a in c[1:]],
                           env, str(tmp_path)) for c in cmds]
        for res in results:
            if opts.get('expect') == 'fail':
                assert res.rc != 0 and res.recap, (page, name, res.out)
            else:
                assert res.rc == 0, (page, name, res.out)
        ran.append(name)
        assert sim.client_secret not in ''.join(r.out for r in results)
    # the session in order: the node can run jobs at the end
    status = sim.api('GET', '/apis/ims/v3/remote-build-nodes/status/' + X)
    assert status['ableToRunJobs'] is True, status
    assert ran[:3] == ['first_status', 'build_image', 'first_run'], ran
