"""IMS v3: remote-build-nodes (FACTS 2.1, 3.1, 7) and images (FACTS 2.2)."""
import io
import socket

from core import ok, no_content, problem, deepcopy

P = '/apis/ims/v3'
NOT_FOUND = 'Requested resource does not exist. Re-run request with valid ID.'


def load(app):
    app.data['remote_build_nodes'] = {}
    app.data['images'] = dict((i['id'], deepcopy(i)) for i in app.seed.get('images') or [])
    app.data['node_addrs'] = dict(app.seed.get('nodes') or {})


def not_found():
    return problem(404, NOT_FOUND)


def ssh_connect(app, addr, timeout):
    """A paramiko client logged in as root with the IMS key at addr ("host:port"), as IMS's Fabric does."""
    import paramiko
    host, _unused, port = addr.rpartition(':')
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # Fabric default (FACTS 3.1)
    pkey = paramiko.ECDSAKey.from_private_key(io.StringIO(app.ims_keys['private_key']))
    client.connect(host, port=int(port), username='root', pkey=pkey, timeout=timeout,
                   banner_timeout=timeout, auth_timeout=timeout,
                   look_for_keys=False, allow_agent=False)
    return client


def node_status(app, xname):
    """Real check over SSH, in the order of IMS getStatus() (FACTS 3.1)."""
    import paramiko
    st = {'xname': xname, 'sshStatus': 'Unknown', 'podmanStatus': 'Unknown',
          'nodeArch': 'Unknown', 'numCurrentJobs': -1, 'ableToRunJobs': False}
    addr = app.data['node_addrs'].get(xname)
    if not addr:
        # IMS uses the xname as SSH hostname; an unmapped name does not resolve (FACTS 7)
        st['sshStatus'] = 'Unable to connect to node. Error: [Errno -2] Name or service not known'
        return st
    timeout = float(app.config['ssh_timeout'])
    try:
        client = ssh_connect(app, addr, timeout)
    except (paramiko.BadHostKeyException, paramiko.AuthenticationException,
            paramiko.ssh_exception.NoValidConnectionsError, paramiko.SSHException,
            socket.error) as exc:
        st['sshStatus'] = 'Unable to connect to node. Error: %s' % exc
        return st
    st['sshStatus'] = 'SSH connection established.'

    def run(cmd):
        _unused, out, err = client.exec_command(cmd, timeout=timeout)
        text = out.read().decode(errors='replace')
        return out.channel.recv_exit_status(), text, err.read().decode(errors='replace')

    try:
        rc, out, _unused = run('uname -i')
        if 'aarch64' in out:
            st['nodeArch'] = 'aarch64'
        elif 'x86' in out:
            st['nodeArch'] = 'x86_64'
        else:
            st['nodeArch'] = 'Undefined architecture type for node, result: %s' % out
            return st
        rc, out, err = run('which podman')
        if rc != 0:
            # Fabric raises UnexpectedExit on a non-zero exit
            st['podmanStatus'] = ('Unable determine if tools are installed on node. Error: '
                                  'Encountered a bad command exit code!\n\nCommand: \'which podman\''
                                  '\n\nExit code: %d' % rc)
            return st
        if '/usr/bin/podman' not in out:
            st['podmanStatus'] = 'Podman not installed on node.'
            return st
        st['podmanStatus'] = 'Podman present at /usr/bin/podman'
        st['ableToRunJobs'] = True
        rc, out, _unused = run('ls -d1 /tmp/* | grep /tmp/ims_ | wc -l')
        try:
            st['numCurrentJobs'] = int(out.strip())
        except ValueError:
            pass  # best effort, stays -1
    except Exception as exc:
        if st['nodeArch'] == 'Unknown':
            st['nodeArch'] = 'Unable to determine architecture of node.'
        else:
            st['podmanStatus'] = 'Unable determine if tools are installed on node. Error: %s' % exc
    finally:
        client.close()
    return st


def register(app):
    app.loaders.append(load)

    def nodes(app):
        return app.data['remote_build_nodes']

    @app.route('GET', P + '/remote-build-nodes')
    def list_nodes(app, req):
        return ok([{'xname': x} for x in sorted(nodes(app))])

    @app.route('POST', P + '/remote-build-nodes')
    def create_node(app, req):
        ctype = req.headers.get('Content-Type', '')
        if req.body and 'json' not in ctype:
            return problem(415, 'Unsupported Media Type')
        try:
            body = req.json()
        except ValueError:
            return problem(400, 'Failed to decode JSON object: Expecting value: line 1 column 1 (char 0)')
        if not body:
            return problem(400, 'No input provided. Determine the specific information that is missing '
                                'or invalid and then re-run the request with valid information.')
        if not isinstance(body, dict):
            return problem(422, 'Input data was not valid.', errors={'_schema': ['Invalid input type.']})
        errors = {}
        for k in body:
            if k != 'xname':
                errors[k] = ['Unknown field.']  # marshmallow unknown=RAISE (FACTS 2.1)
        x = body.get('xname')
        if 'xname' not in body:
            errors['xname'] = ['Missing data for required field.']
        elif not isinstance(x, str):
            errors['xname'] = ['Not a valid string.']
        elif not x:
            errors['xname'] = ['name field must not be blank']
        if errors:
            return problem(422, 'Input data was not valid.', errors=errors)
        # QUIRK (FACTS 2.1, 7): a duplicate POST silently overwrites and answers 201
        with app.lock:
            nodes(app)[x] = {'xname': x}
        return ok({'xname': x}, 201)

    @app.route('DELETE', P + '/remote-build-nodes')
    def delete_all(app, req):
        # QUIRK (FACTS 2.1): the collection DELETE removes every node
        with app.lock:
            nodes(app).clear()
        return no_content()

    @app.route('GET', P + '/remote-build-nodes/status')
    def status_all(app, req):
        if app.csm_version() < (1, 6):
            return problem(404, 'The requested URL was not found on the server.')  # IMS 3.15 (FACTS 1)
        return ok([node_status(app, x) for x in sorted(nodes(app))])

    @app.route('GET', P + '/remote-build-nodes/status/(?P<xname>[^/]+)')
    def status_one(app, req, xname):
        if app.csm_version() < (1, 6):
            return problem(404, 'The requested URL was not found on the server.')
        if xname not in nodes(app):
            return not_found()
        # QUIRK (FACTS 2.1): one object, where the spec says an array
        return ok(node_status(app, xname))

    @app.route('GET', P + '/remote-build-nodes/(?P<xname>[^/]+)')
    def get_node(app, req, xname):
        if xname not in nodes(app):
            return not_found()
        return ok(nodes(app)[xname])

    @app.route('DELETE', P + '/remote-build-nodes/(?P<xname>[^/]+)')
    def delete_node(app, req, xname):
        with app.lock:
            if nodes(app).pop(xname, None) is None:
                return not_found()
        return no_content()

    @app.route('GET', P + '/images')
    def list_images(app, req):
        return ok(sorted(app.data['images'].values(), key=lambda i: i['created']))

    @app.route('GET', P + '/images/(?P<image_id>[^/]+)')
    def get_image(app, req, image_id):
        img = app.data['images'].get(image_id)
        if img is None:
            return not_found()
        return ok(img)
