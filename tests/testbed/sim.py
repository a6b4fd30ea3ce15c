"""CsmSim: start and stop the CSM simulator (tests/simulator) as a process, or attach to a running one,
and drive its control routes (`/_sim/...`) and API. Standard library only."""
import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'simulator', 'csm_simulator.py')
BANNER = 'CSM simulator listening on '
TOKEN_PATH = '/keycloak/realms/shasta/protocol/openid-connect/token'


class CsmSim(object):
    """A simulator process started here (CsmSim()) or one already running (CsmSim.attach(url))."""

    def __init__(self, tls=False, workdir=None, python=None, detached=False, timeout=30):
        """workdir: where the kubeconfig, the IMS private key and the simulator's output go (a new temporary
        directory, removed by stop(), when not given). detached: the simulator outlives this process (its own
        session, none of this process's open files but its output ones), as the demo needs."""
        self.owns_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix='csm-sim-')
        self.kubeconfig = os.path.join(self.workdir, 'kubeconfig')
        self.stdout_path = os.path.join(self.workdir, 'sim.out')
        # output to files: an unread pipe would block the simulator once full
        self.stderr_path = os.path.join(self.workdir, 'sim.log')
        args = [python or sys.executable, SCRIPT, '--port', '0', '--kubeconfig', self.kubeconfig]
        if tls:
            args += ['--tls', os.path.join(self.workdir, 'certs')]
        with open(self.stdout_path, 'w') as out, open(self.stderr_path, 'w') as err:
            self.proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                         start_new_session=detached, close_fds=True)
        lines = self._banner(2 if tls else 1, timeout)
        self.url = lines[0].split()[-1]
        self.ca_path = lines[1].split('CA: ', 1)[1].strip() if tls else None
        self._ctx = ssl.create_default_context(cafile=self.ca_path) if tls else None
        self._load_identity(write_key=True)

    @classmethod
    def attach(cls, url, ca_path=None):
        """A client of a simulator that runs already (started by another process); stop() leaves it running."""
        sim = cls.__new__(cls)
        sim.proc, sim.owns_workdir, sim.workdir, sim.url, sim.ca_path = None, False, None, url.rstrip('/'), ca_path
        sim._ctx = ssl.create_default_context(cafile=ca_path) if ca_path else None
        sim._load_identity(write_key=False)
        return sim

    def _banner(self, count, timeout):
        """The simulator's first `count` stdout lines, once it has printed them."""
        deadline = time.time() + timeout
        while True:
            with open(self.stdout_path) as f:
                lines = f.read().splitlines()
            if len(lines) >= count and lines[0].startswith(BANNER):
                return lines[:count]
            if self.proc.poll() is not None or time.time() > deadline:
                self.proc.kill()
                with open(self.stderr_path) as err:
                    raise RuntimeError('simulator did not start: %r %s' % (lines, err.read()))
            time.sleep(0.05)

    def _load_identity(self, write_key):
        sec = self._get('/api/v1/namespaces/default/secrets/admin-client-auth')
        self.client_secret = base64.b64decode(sec['data']['client-secret']).decode()
        cm = self._get('/api/v1/namespaces/services/configmaps/cray-ims-remote-keys')
        self.ims_public_key = cm['data']['public_key']
        self.ims_private_key = None
        if write_key:
            self.ims_private_key = os.path.join(self.workdir, 'ims_id_ecdsa')
            fd = os.open(self.ims_private_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, 'w') as f:
                f.write(cm['data']['private_key'])

    # plain HTTP helpers (no third-party client needed)
    def request(self, method, path, body=None, headers=None):
        data = None
        hdrs = dict(headers or {})
        if body is not None:
            data = json.dumps(body).encode()
            hdrs.setdefault('Content-Type', 'application/json')
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, context=self._ctx, timeout=30) as r:
                raw = r.read()
                status = r.status
        except urllib.error.HTTPError as e:
            raw, status = e.read(), e.code
        return status, (json.loads(raw.decode()) if raw else None)

    def api(self, method, path, body=None, want=200):
        """A CSM API call with a fresh token; asserts the status, returns the body."""
        status, out = self.request(method, path, body, headers={'Authorization': 'Bearer ' + self.token()})
        assert status == want, (method, path, status, out)
        return out

    def _get(self, path):
        status, body = self.request('GET', path)
        assert status == 200, (path, status, body)
        return body

    def _control(self, method, path, body=None):
        status, out = self.request(method, '/_sim/' + path, body)
        if status >= 300:
            raise RuntimeError('control API %s %s: %s %s' % (method, path, status, out))
        return out

    def token(self):
        form = urllib.parse.urlencode({'grant_type': 'client_credentials', 'client_id': 'admin-client',
                                       'client_secret': self.client_secret}).encode()
        req = urllib.request.Request(self.url + TOKEN_PATH, data=form, method='POST')
        with urllib.request.urlopen(req, context=self._ctx, timeout=30) as r:
            return json.loads(r.read().decode())['access_token']

    def log(self):
        return self._control('GET', 'log')

    def clear_log(self):
        self._control('DELETE', 'log')

    def fault(self, **kw):
        return self._control('POST', 'faults', [kw])

    def clear_faults(self):
        self._control('DELETE', 'faults')

    def config(self, **kw):
        return self._control('POST', 'config', kw)

    def set_nodes(self, nodes):
        """{xname: '127.0.0.1:port'}: where the simulated IMS reaches each node over SSH."""
        return self._control('POST', 'nodes', nodes)

    def start_job(self, remote_build_node, **kw):
        """Start an IMS job on a registered node (footprint left over SSH); returns its record + `_sim`."""
        kw['remote_build_node'] = remote_build_node
        return self._control('POST', 'ims/jobs', kw)

    def place_job(self, **kw):
        """Create an IMS job as `POST /v3/jobs` does: on the registered node that passes IMS's SSH check now,
        has the job's arch and the fewest jobs, else in Kubernetes (remote_build_node ""); `_sim.checked`
        holds the node statuses seen. Same options as start_job (arch, job_type, footprint, ...)."""
        kw['place'] = True
        return self._control('POST', 'ims/jobs', kw)

    def move_job(self, job_id, action=None, **kw):
        """action advance, finish or fail (or status=...); orphan=True leaves the footprint at the end."""
        if action:
            kw['action'] = action
        return self._control('POST', 'ims/jobs/' + job_id, kw)

    def set_secret(self, namespace, name, data, readers=None):
        """A Kubernetes Secret ({key: text}); with readers (bearer tokens) any other caller gets 403."""
        return self._control('POST', 'k8s/secrets', dict(namespace=namespace, name=name, data=data, readers=readers))

    def add_cfs_component(self, xname, **fields):
        """A CFS component for the node (desired_config "", enabled, no state unless given), as cfs-hwsync-agent makes."""
        fields['id'] = xname
        return self._control('POST', 'cfs/components', fields)

    def expire_tokens(self):
        self._control('POST', 'tokens/expire')

    def reset(self):
        self._control('POST', 'reset')

    def stop(self):
        """End the process started here (an attached simulator keeps running); remove its own workdir."""
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)  # holds the IMS private key
