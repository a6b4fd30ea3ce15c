#!/usr/bin/env python3
"""A tiny stand-in Kubernetes API on 127.0.0.1 serving ConfigMaps from a JSON file.

Only for this scenario until tests/simulator lands: it answers the discovery requests
kubernetes.core.k8s_info makes and GET of namespaced ConfigMaps; anything else is 404.
Usage: k8s_stub.py --configmaps FILE.json --kubeconfig OUT [--pidfile F] [--lifetime SECONDS]
It exits by itself after --lifetime seconds (default 600), so a failed run leaves nothing behind.
FILE.json: {"NAMESPACE/NAME": {"data key": "value", ...}, ...}
"""
import argparse
import json
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

DISCOVERY = {
    "/version": {},
    "/api": {"kind": "APIVersions", "versions": ["v1"]},
    "/apis": {"kind": "APIGroupList", "groups": []},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "configmaps", "namespaced": True, "kind": "ConfigMap", "verbs": ["get"], "shortNames": ["cm"]}]},
}
CM_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/configmaps/([^/?]+)$")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configmaps", required=True)
    ap.add_argument("--kubeconfig", required=True)
    ap.add_argument("--pidfile")
    ap.add_argument("--lifetime", type=float, default=600)
    args = ap.parse_args()
    with open(args.configmaps) as f:
        configmaps = json.load(f)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            path = self.path.split("?")[0]
            body, code = DISCOVERY.get(path), 200
            m = CM_PATH.match(path)
            if m and "%s/%s" % m.groups() in configmaps:
                body = {"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"namespace": m.group(1), "name": m.group(2)},
                        "data": configmaps["%s/%s" % m.groups()]}
            elif body is None:
                code = 404
                body = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404,
                        "message": "%s not found" % path}
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    url = "http://127.0.0.1:%d" % server.server_address[1]
    kubeconfig = {"apiVersion": "v1", "kind": "Config", "current-context": "stub",
                  "clusters": [{"name": "stub", "cluster": {"server": url}}],
                  "users": [{"name": "stub", "user": {"token": "stub-token"}}],
                  "contexts": [{"name": "stub", "context": {"cluster": "stub", "user": "stub"}}]}
    tmp = args.kubeconfig + ".tmp"
    with open(tmp, "w") as f:
        json.dump(kubeconfig, f)
    os.rename(tmp, args.kubeconfig)  # appears only once the server listens
    if args.pidfile:
        with open(args.pidfile, "w") as f:
            f.write(str(os.getpid()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    time.sleep(args.lifetime)


if __name__ == "__main__":
    main()
