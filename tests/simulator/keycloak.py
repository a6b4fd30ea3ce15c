"""Keycloak token endpoint: client_credentials for admin-client, as Cray-HPE/python-csm-api-client
csm_api_client/session.py asks for it."""
import base64
import json
import secrets
import time
from urllib.parse import parse_qs

from core import Response

TOKEN_PATH = '/keycloak/realms/shasta/protocol/openid-connect/token'


def _b64(d):
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b'=').decode()


def register(app):
    @app.route('POST', TOKEN_PATH, auth=False)
    def token(app, req):
        form = dict((k, v[-1]) for k, v in parse_qs(req.body.decode(errors='replace')).items())
        if form.get('grant_type') != 'client_credentials':
            return Response(400, {'error': 'unsupported_grant_type',
                                  'error_description': 'Unsupported grant_type'})
        if form.get('client_id') != 'admin-client' or form.get('client_secret') != app.client_secret:
            return Response(401, {'error': 'unauthorized_client',
                                  'error_description': 'Invalid client or Invalid client credentials'})
        ttl = int(app.config['token_ttl'])
        now = int(time.time())
        # JWT-shaped but unsigned: only the simulator checks it, by lookup
        tok = '.'.join([_b64({'alg': 'none', 'typ': 'JWT'}),
                        _b64({'exp': now + ttl, 'iat': now, 'azp': 'admin-client',
                              'jti': secrets.token_hex(8)}),
                        secrets.token_urlsafe(16)])
        with app.lock:
            app.tokens[tok] = time.time() + ttl  # exact, so a 1 s TTL lasts 1 s
        return Response(200, {'access_token': tok, 'expires_in': ttl, 'refresh_expires_in': 0,
                              'token_type': 'Bearer', 'not-before-policy': 0,
                              'scope': 'profile email'})
