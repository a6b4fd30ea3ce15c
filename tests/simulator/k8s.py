"""The Kubernetes subset (TESTBED.md "A stand-in Kubernetes API"): discovery, ConfigMaps, Secrets.

No auth check: kubectl sends no bearer token over plain http.
"""
import base64

import yaml

from core import Response


def _status(code, msg):
    return Response(code, {'kind': 'Status', 'apiVersion': 'v1', 'status': 'Failure',
                           'message': msg, 'reason': 'NotFound', 'code': code})


def configmaps(app):
    keys = app.ims_keys
    remote_keys = {'public_key': keys['public_key'], 'private_key': keys['private_key'],
                   'certificate': keys['certificate']}
    catalog = app.seed.get('product_catalog') or {}
    cms = {
        ('services', 'cray-ims-remote-keys'): remote_keys,
        ('ims', 'cray-ims-remote-keys'): remote_keys,  # IMS posts it in both namespaces (ims src/server/vault.py)
        ('services', 'cray-product-catalog'): dict(
            (product, yaml.safe_dump(versions, default_flow_style=False))
            for product, versions in catalog.items()),
    }
    return cms


def register(app):
    @app.route('GET', '/version', auth=False)
    def version(app, req):
        return Response(200, {'major': '1', 'minor': '24', 'gitVersion': 'v1.24.17'})

    @app.route('GET', '/api', auth=False)
    def api(app, req):
        return Response(200, {'kind': 'APIVersions', 'versions': ['v1'],
                              'serverAddressByClientCIDRs': []})

    @app.route('GET', '/apis', auth=False)
    def apis(app, req):
        return Response(200, {'kind': 'APIGroupList', 'apiVersion': 'v1', 'groups': []})

    @app.route('GET', '/api/v1', auth=False)
    def api_v1(app, req):
        return Response(200, {'kind': 'APIResourceList', 'groupVersion': 'v1', 'resources': [
            {'name': 'configmaps', 'singularName': '', 'namespaced': True, 'kind': 'ConfigMap',
             'verbs': ['get'], 'shortNames': ['cm']},
            {'name': 'secrets', 'singularName': '', 'namespaced': True, 'kind': 'Secret',
             'verbs': ['get']}]})

    @app.route('GET', '/api/v1/namespaces/(?P<ns>[^/]+)/configmaps/(?P<name>[^/]+)', auth=False)
    def configmap(app, req, ns, name):
        data = configmaps(app).get((ns, name))
        if data is None:
            return _status(404, 'configmaps "%s" not found' % name)
        return Response(200, {'kind': 'ConfigMap', 'apiVersion': 'v1',
                              'metadata': {'name': name, 'namespace': ns}, 'data': data})

    @app.route('GET', '/api/v1/namespaces/(?P<ns>[^/]+)/secrets/(?P<name>[^/]+)', auth=False)
    def secret(app, req, ns, name):
        if (ns, name) != ('default', 'admin-client-auth'):
            return _status(404, 'secrets "%s" not found' % name)
        b64 = base64.b64encode(app.client_secret.encode()).decode()
        return Response(200, {'kind': 'Secret', 'apiVersion': 'v1', 'type': 'Opaque',
                              'metadata': {'name': name, 'namespace': ns},
                              'data': {'client-secret': b64}})
