"""The Kubernetes subset (TESTBED.md "A stand-in Kubernetes API"): discovery, ConfigMaps, Secrets.

No auth check: kubectl sends no bearer token over plain http. Except for a Secret set through the
control route POST /_sim/k8s/secrets with `readers` (bearer tokens, as a service account's): any other
caller gets 403 Forbidden, as RBAC answers a service account without `get` on secrets.
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


def load(app):
    app.data['k8s_secrets'] = {}


def _forbidden(ns, name):
    # The text of a Kubernetes RBAC refusal (apiserver's authorization filter, a Status with reason Forbidden).
    msg = ('secrets "%s" is forbidden: User "system:serviceaccount:services:cray-cfs" cannot get resource '
           '"secrets" in API group "" in the namespace "%s"' % (name, ns))
    return Response(403, {'kind': 'Status', 'apiVersion': 'v1', 'status': 'Failure', 'message': msg,
                          'reason': 'Forbidden', 'details': {'name': name, 'kind': 'secrets'}, 'code': 403})


def register(app):
    app.loaders.append(load)

    @app.route('POST', '/_sim/k8s/secrets', auth=False)
    def set_secret(app, req):
        """{namespace, name, data: {key: text}, readers: [token] (optional)}: add or replace a Secret."""
        try:
            b = req.json()
        except ValueError:
            b = None
        if not isinstance(b, dict) or not b.get('name') or not isinstance(b.get('data'), dict):
            return Response(400, {'message': 'give namespace, name, data (and readers)'})
        data = dict((k, base64.b64encode(str(v).encode()).decode()) for k, v in b['data'].items())
        with app.lock:
            app.data['k8s_secrets'][(b.get('namespace', 'default'), b['name'])] = (data, b.get('readers'))
        return Response(201, {'name': b['name']})

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
        found = app.data['k8s_secrets'].get((ns, name))
        if found:
            data, readers = found
            bearer = req.headers.get('Authorization', '')[len('Bearer '):].strip()
            if readers is not None and bearer not in readers:
                return _forbidden(ns, name)
            return Response(200, {'kind': 'Secret', 'apiVersion': 'v1', 'type': 'Opaque',
                                  'metadata': {'name': name, 'namespace': ns}, 'data': data})
        if (ns, name) != ('default', 'admin-client-auth'):
            return _status(404, 'secrets "%s" not found' % name)
        b64 = base64.b64encode(app.client_secret.encode()).decode()
        return Response(200, {'kind': 'Secret', 'apiVersion': 'v1', 'type': 'Opaque',
                              'metadata': {'name': name, 'namespace': ns},
                              'data': {'client-secret': b64}})
