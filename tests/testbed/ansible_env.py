"""The environment of an Ansible run against the test bed: cray.csm found as this checkout, Ansible's
own files in a directory of the run, nothing taken from a user's CSM_* variables. Standard library only."""
import os

from testbed.nodes import COLL

# What every run here sets: no host key prompts (nodes get new host keys), no retry files.
COMMON = {'HOST_KEY_CHECKING': 'False', 'RETRY_FILES_ENABLED': 'False'}
# Runs on container nodes: several nodes at once, one SSH round trip per task.
NODE_RUN = {'FORKS': '10', 'PIPELINING': 'True'}
# The connection settings a module may take from the environment (plugins/doc_fragments): a test states its own.
CSM_VARIABLES = ('CSM_TOKEN', 'CSM_CLIENT_SECRET', 'CSM_API_GATEWAY')


def collections_path(workdir):
    """A collections path where cray.csm is this checkout: the checkout's own when it lies at
    .../ansible_collections/cray/csm (tests/run's build copy), else a link made under workdir."""
    parts = os.path.normpath(COLL).split(os.sep)
    if parts[-3:] == ['ansible_collections', 'cray', 'csm']:
        return os.sep.join(parts[:-3]) or os.sep
    root = os.path.join(workdir, 'collections')
    link = os.path.join(root, 'ansible_collections', 'cray', 'csm')
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(COLL, link)
    return root


def ansible_env(workdir, bindir=None, base=None, color=False, **settings):
    """os.environ (or base) with ANSIBLE_COLLECTIONS_PATH, ANSIBLE_LOCAL_TEMP under workdir, COMMON and
    settings (forks=10 is ANSIBLE_FORKS=10; **NODE_RUN for node runs), bindir first on PATH, no CSM_*;
    plain output (tests read it) unless color."""
    env = dict(os.environ if base is None else base)
    if not color:
        settings.setdefault('nocolor', '1')
    for key in CSM_VARIABLES:
        env.pop(key, None)
    env['ANSIBLE_COLLECTIONS_PATH'] = collections_path(workdir)
    env['ANSIBLE_LOCAL_TEMP'] = os.path.join(workdir, 'ansible-tmp')
    for key, value in dict(COMMON, **dict((k.upper(), v) for k, v in settings.items())).items():
        env['ANSIBLE_' + key] = str(value)
    if bindir:
        env['PATH'] = bindir + os.pathsep + env.get('PATH', '')
    return env
