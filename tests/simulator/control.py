"""CsmSim: start the CSM simulator as a process and drive its control API (no pytest needed)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import ssl

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, 'csm_simulator.py')


class CsmSim(object):
    def __init__(self, tls=False):
        self.workdir = tempfile.mkdtemp(prefix='csm-sim-')
        self.kubeconfig = os.path.join(self.workdir, 'kubeconfig')
        args = [sys.executable, SCRIPT, '--port', '0', '--kubeconfig', self.kubeconfig]
        self.ca_path = None
        if tls:
            args += ['--tls', os.path.join(self.workdir, 'certs')]
        # stderr to a file: an unread pipe would block the simulator once full
        self.stderr_path = os.path.join(self.workdir, 'stderr.log')
        with open(self.stderr_path, 'w') as err:
            self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err,
                                         universal_newlines=True)
        line = self.proc.stdout.readline()
        if not line.startswith('CSM simulator listening on '):
            self.proc.kill()
            with open(self.stderr_path) as err:
                raise RuntimeError('simulator did not start: %r %s' % (line, err.read()))
        self.url = line.split()[-1]
        if tls:
            self.ca_path = self.proc.stdout.readline().split('CA: ', 1)[1].strip()
            self._ctx = ssl.create_default_context(cafile=self.ca_path)
        else:
            self._ctx = None
        self._load_identity()

    def _load_identity(self):
        sec = self._get('/api/v1/namespaces/default/secrets/admin-client-auth')
        import base64
        self.client_secret = base64.b64decode(sec['data']['client-secret']).decode()
        cm = self._get('/api/v1/namespaces/services/configmaps/cray-ims-remote-keys')
        self.ims_public_key = cm['data']['public_key']
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
        req = urllib.request.Request(self.url + '/keycloak/realms/shasta/protocol/openid-connect/token',
                                     data=form, method='POST')
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
        return self._control('POST', 'nodes', nodes)

    def start_job(self, remote_build_node, **kw):
        """Start an IMS job on a registered node (footprint left over SSH); returns its record + `_sim`."""
        kw['remote_build_node'] = remote_build_node
        return self._control('POST', 'ims/jobs', kw)

    def move_job(self, job_id, action=None, **kw):
        """action advance, finish or fail (or status=...); orphan=True leaves the footprint at the end."""
        if action:
            kw['action'] = action
        return self._control('POST', 'ims/jobs/' + job_id, kw)

    def expire_tokens(self):
        self._control('POST', 'tokens/expire')

    def reset(self):
        self._control('POST', 'reset')

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)  # holds the IMS private key
