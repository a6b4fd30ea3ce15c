"""Real Kubernetes clients against the simulator's Kubernetes subset (TESTBED.md)."""
import base64
import shutil
import subprocess

import kubernetes  # requirements.txt
from kubernetes.dynamic import DynamicClient


def test_python_client(csm_sim):
    api = kubernetes.config.new_client_from_config(config_file=csm_sim.kubeconfig)
    v1 = kubernetes.client.CoreV1Api(api)
    sec = v1.read_namespaced_secret('admin-client-auth', 'default')
    assert base64.b64decode(sec.data['client-secret']).decode() == csm_sim.client_secret
    # the discovery path that kubernetes.core.k8s_info takes
    cms = DynamicClient(api).resources.get(api_version='v1', kind='ConfigMap')
    cm = cms.get(name='cray-ims-remote-keys', namespace='services')
    assert cm.data.public_key.startswith('ecdsa-sha2-nistp384 ')


def test_kubectl(csm_sim):
    assert shutil.which('kubectl'), 'no kubectl on PATH (bindep.txt: tests/run setup installs kubernetes-client)'
    out = subprocess.check_output(['kubectl', '--kubeconfig', csm_sim.kubeconfig, 'get', 'secrets',
                                   'admin-client-auth', '-o', 'jsonpath={.data.client-secret}'],
                                  timeout=60)
    assert base64.b64decode(out).decode() == csm_sim.client_secret
