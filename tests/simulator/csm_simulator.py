"""CSM API gateway simulator: IMS, CFS, BOS, HSM, SLS, Keycloak and a Kubernetes subset.

Usage: csm_simulator.py [--port 0] [--seed seed.yml] [--tls CERT_DIR] [--csm-version 1.6]
                        [--kubeconfig PATH]
Binds 127.0.0.1 only. See README.md for the control API under /_sim/.
"""
import argparse
import datetime
import ipaddress
import os
import ssl
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import yaml  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

import bos  # noqa: E402
import cfs  # noqa: E402
import hsm  # noqa: E402
import ims  # noqa: E402
import ims_jobs  # noqa: E402
import k8s  # noqa: E402
import keycloak  # noqa: E402
import sls  # noqa: E402
from core import App, make_server, no_content, ok, problem  # noqa: E402

CONFIG_KEYS = ('csm_version', 'token_ttl', 'cfs_session_seconds', 'bos_session_seconds',
               'cfs_fail_sessions', 'cfs_slow_sessions', 'bos_fail_sessions', 'ssh_timeout', 'bos_reject_nids',
               'bos_ims_images_must_exist', 'hsm_reservation_cleanup_seconds')


def ims_keys():
    """ECDSA P-384 pair like the Vault transit key ecdsa-p384-compute-imsssh-key (Cray-HPE/ims src/server/vault.py)."""
    key = ec.generate_private_key(ec.SECP384R1())
    pub = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                        serialization.PublicFormat.OpenSSH).decode()
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()
    # an OpenSSH user certificate for principal root, as IMS gets from Vault
    ca = ec.generate_private_key(ec.SECP384R1())
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    cert = (serialization.SSHCertificateBuilder()
            .public_key(key.public_key()).serial(1).type(serialization.SSHCertificateType.USER)
            .key_id(b'ims-remote').valid_principals([b'root'])
            .valid_after(now - 60).valid_before(now + 87600 * 3600).sign(ca))
    return {'public_key': pub, 'private_key': priv,
            'certificate': cert.public_bytes().decode()}


def tls_context(cert_dir):
    os.makedirs(cert_dir, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'CSM simulator CA')])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = dict((n, os.path.join(cert_dir, n)) for n in ('ca.crt', 'server.crt', 'server.key'))
    with open(paths['ca.crt'], 'wb') as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths['server.crt'], 'wb') as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    fd = os.open(paths['server.key'], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(paths['server.crt'], paths['server.key'])
    return ctx, paths['ca.crt']


def write_kubeconfig(path, base_url, ca_path):
    cluster = {'server': base_url}
    if ca_path:
        cluster['certificate-authority'] = ca_path
    cfg = {'apiVersion': 'v1', 'kind': 'Config', 'current-context': 'csm-sim',
           'clusters': [{'name': 'csm-sim', 'cluster': cluster}],
           'users': [{'name': 'csm-sim', 'user': {'token': 'csm-simulator'}}],
           'contexts': [{'name': 'csm-sim', 'context': {'cluster': 'csm-sim', 'user': 'csm-sim'}}]}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        yaml.safe_dump(cfg, f, default_flow_style=False)


def register_control(app):
    def body(req):
        try:
            return req.json() if req.body else {}
        except ValueError:
            return None

    @app.route('GET', '/_sim/log', auth=False)
    def get_log(app, req):
        with app.lock:
            return ok(list(app.log))

    @app.route('DELETE', '/_sim/log', auth=False)
    def clear_log(app, req):
        with app.lock:
            del app.log[:]
        return no_content()

    @app.route('GET', '/_sim/faults', auth=False)
    def get_faults(app, req):
        return ok(app.faults)

    @app.route('POST', '/_sim/faults', auth=False)
    def add_faults(app, req):
        b = body(req)
        items = b if isinstance(b, list) else [b]
        for f in items:
            if not isinstance(f, dict) or not f.get('path'):
                return problem(400, 'each fault needs a "path" regex')
            if not (f.get('status') or f.get('drop') or f.get('delay')):
                f['status'] = 503
        with app.lock:
            app.faults.extend(items)
        return ok(app.faults)

    @app.route('DELETE', '/_sim/faults', auth=False)
    def clear_faults(app, req):
        with app.lock:
            del app.faults[:]
        return no_content()

    @app.route('GET', '/_sim/config', auth=False)
    def get_config(app, req):
        return ok(app.config)

    @app.route('POST', '/_sim/config', auth=False)
    def set_config(app, req):
        b = body(req)
        if not isinstance(b, dict):
            return problem(400, 'JSON object expected')
        unknown = [k for k in b if k not in CONFIG_KEYS]
        if unknown:
            return problem(400, 'unknown config keys: %s (known: %s)' % (unknown, list(CONFIG_KEYS)))
        if 'csm_version' in b:
            b['csm_version'] = str(b['csm_version'])
        with app.lock:
            app.config.update(b)
        return ok(app.config)

    @app.route('POST', '/_sim/tokens/expire', auth=False)
    def expire(app, req):
        with app.lock:
            for t in app.tokens:
                app.tokens[t] = 0
        return no_content()

    @app.route('GET', '/_sim/nodes', auth=False)
    def get_nodes(app, req):
        return ok(app.data['node_addrs'])

    @app.route('POST', '/_sim/nodes', auth=False)
    def set_nodes(app, req):
        b = body(req)
        if not isinstance(b, dict):
            return problem(400, 'JSON object {xname: "host:port"} expected')
        with app.lock:
            for x, addr in b.items():
                if addr is None:
                    app.data['node_addrs'].pop(x, None)
                else:
                    app.data['node_addrs'][x] = addr
        return ok(app.data['node_addrs'])

    @app.route('POST', '/_sim/crash', auth=False)
    def set_crash(app, req):
        b = body(req)
        if not isinstance(b, dict) or not isinstance(b.get('pgid'), int) or not b.get('path') \
                or b.get('when', 'after') not in ('before', 'after') or int(b.get('nth', 1)) < 1:
            return problem(400, 'expected {pgid, path (regex), method? (regex), exclude? (regex), nth? (1), '
                                'when? (before or after), signal? (9)}')
        crash = {'pgid': b['pgid'], 'path': b['path'], 'method': b.get('method') or '.', 'exclude': b.get('exclude'),
                 'nth': int(b.get('nth', 1)), 'when': b.get('when', 'after'), 'signal': int(b.get('signal', 9)),
                 'seen': 0, 'fired': None}
        with app.lock:
            app.crash = crash
        return ok(crash)

    @app.route('GET', '/_sim/crash', auth=False)
    def get_crash(app, req):
        return ok(app.crash)

    @app.route('DELETE', '/_sim/crash', auth=False)
    def clear_crash(app, req):
        with app.lock:
            app.crash = None
        return no_content()

    @app.route('POST', '/_sim/reset', auth=False)
    def reset(app, req):
        app.reset()
        return no_content()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--seed', default=os.path.join(HERE, 'seed.yml'))
    ap.add_argument('--tls', metavar='CERT_DIR')
    ap.add_argument('--csm-version')
    ap.add_argument('--kubeconfig')
    args = ap.parse_args(argv)

    app = App(args.seed, args.csm_version)
    app.ims_keys = ims_keys()
    for mod in (keycloak, k8s, ims, ims_jobs, hsm, cfs, bos, sls):
        mod.register(app)
    hsm.register_groups(app)
    register_control(app)
    app.reset()

    ctx, ca_path = (tls_context(args.tls) if args.tls else (None, None))
    srv = make_server(app, args.port, ctx)
    scheme = 'https' if ctx else 'http'
    app.base_url = '%s://127.0.0.1:%d' % (scheme, srv.server_address[1])
    if args.kubeconfig:
        write_kubeconfig(args.kubeconfig, app.base_url, ca_path)
    print('CSM simulator listening on %s' % app.base_url, flush=True)
    if ca_path:
        print('CA: %s' % ca_path, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
