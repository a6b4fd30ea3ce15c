"""SLS v1 networks (Cray-HPE/hms-sls api/openapi.yaml): GET /networks, GET /networks/{name}."""
from core import ok, problem, deepcopy

P = '/apis/sls/v1'


def load(app):
    app.data['sls_networks'] = deepcopy(app.seed.get('sls_networks') or [])


def register(app):
    app.loaders.append(load)

    @app.route('GET', P + '/networks')
    def networks(app, req):
        return ok(app.data['sls_networks'])

    @app.route('GET', P + '/networks/(?P<name>[^/]+)')
    def network(app, req, name):
        for n in app.data['sls_networks']:
            if n['Name'] == name:
                return ok(n)
        return problem(404, 'Network not found: %s' % name)
