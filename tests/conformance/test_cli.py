"""The command line of the simulator: banner, --csm-version, --seed, --tls, --kubeconfig."""
import os
import subprocess
import sys

import requests
import yaml

SCRIPT = os.path.join(os.path.dirname(__file__), '..', 'simulator', 'csm_simulator.py')


def start(*args):
    p = subprocess.Popen([sys.executable, SCRIPT, '--port', '0'] + list(args),
                         stdout=subprocess.PIPE, universal_newlines=True)
    line = p.stdout.readline()
    return p, line


def test_banner_version_and_seed(tmp_path):
    seed = yaml.safe_load(open(os.path.join(os.path.dirname(SCRIPT), 'seed.yml')))
    seed['client_secret'] = 'other-secret'
    path = tmp_path / 'seed.yml'
    path.write_text(yaml.safe_dump(seed))
    p, line = start('--csm-version', '1.7', '--seed', str(path), '--kubeconfig', str(tmp_path / 'kc'))
    try:
        assert line.startswith('CSM simulator listening on http://127.0.0.1:')
        url = line.split()[-1]
        assert requests.get(url + '/_sim/config').json()['csm_version'] == '1.7'
        requests.post(url + '/_sim/reset')  # the CLI version survives a reset
        assert requests.get(url + '/_sim/config').json()['csm_version'] == '1.7'
        r = requests.post(url + '/keycloak/realms/shasta/protocol/openid-connect/token',
                          data={'grant_type': 'client_credentials', 'client_id': 'admin-client',
                                'client_secret': 'other-secret'})
        assert r.status_code == 200
        kc = yaml.safe_load((tmp_path / 'kc').read_text())
        assert kc['clusters'][0]['cluster']['server'] == url
    finally:
        p.terminate()
        p.wait(10)


def test_tls_banner(tmp_path):
    p, line = start('--tls', str(tmp_path / 'certs'))
    try:
        assert line.startswith('CSM simulator listening on https://127.0.0.1:')
        ca = p.stdout.readline().strip()
        assert ca == 'CA: %s' % (tmp_path / 'certs' / 'ca.crt')
        assert requests.get(line.split()[-1] + '/version', verify=ca[4:]).status_code == 200
        assert oct(os.stat(tmp_path / 'certs' / 'server.key').st_mode & 0o777) == '0o600'
    finally:
        p.terminate()
        p.wait(10)
