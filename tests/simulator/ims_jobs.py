"""IMS v3 jobs (Cray-HPE/ims src/server/v3/resources/jobs.py, src/server/models/jobs.py @ 9bb6942)
and their footprint on a remote build node (Cray-HPE/ims-utils scripts/prep-env.sh, Cray-HPE/ims-sshd
entrypoint.sh `clean_remote_node`).

There is no Kubernetes here, so no job pod runs a job: a test starts one on a registered node with
the control route `POST /_sim/ims/jobs` and moves it with `POST /_sim/ims/jobs/{id}`. The simulator
then does over SSH, with the IMS key, what the job pod does on the node. With `place: true` instead of
a node, the job goes where IMS's `POST /v3/jobs` would put it (`find_remote_node_for_job`).
"""
import datetime
import re
import uuid

from core import deepcopy, no_content, ok, problem
from ims import NOT_FOUND, P, node_status, ssh_connect
from ims import problem as ims_problem  # IMS's own: no `type` (the control routes use core's)

# models/jobs.py STATUS_TYPES, in order; the spec's JobStatuses lacks packaging_artifacts.
STATUSES = ('creating', 'fetching_image', 'fetching_recipe', 'waiting_for_repos', 'building_image',
            'packaging_artifacts', 'waiting_on_user', 'error', 'success')
FINAL = ('error', 'success')
JOB_TYPES = ('create', 'customize')
# The statuses a job passes through, by type (the job pod's containers PATCH them in this order).
FLOW = {'create': ('creating', 'fetching_recipe', 'waiting_for_repos', 'building_image',
                   'packaging_artifacts', 'success'),
        'customize': ('creating', 'fetching_image', 'waiting_on_user', 'packaging_artifacts', 'success')}
KERNEL = {'x86_64': 'vmlinuz', 'aarch64': 'Image'}
HINT = ('Determine the specific information that is missing or invalid and then re-run the request '
        'with valid information.')
FIRST_REMOTE_PORT = 2022  # ims-utils prep-env.sh

# What prep-env.sh leaves on the node: /tmp/ims_<id>/image/ (with the image squashfs), the image
# ims-remote-<id>:1.0.0 (podman load; here podman import of a tiny root with bash), and the
# container ims-<id> (podman run -p <port>:22 -v ...:/mnt/image:U,Z --privileged --detach).
# When podman cannot start it, podman run leaves it Created: reported as such.
# The container's job script traps SIGTERM/SIGINT and touches /mnt/image/remote_error as ims-utils
# remote_customize_entrypoint.sh does (IMS 3.32+); `echo` is there for the pod's heartbeat
# (podman exec ims-<id> echo heartbeat, ims-sshd entrypoint.sh wait_for_remote_complete).
FOOTPRINT = r'''set -e
ID=%(id)s
mkdir -p /tmp/ims_$ID/image/
: > /tmp/ims_$ID/image/image.sqsh
if [ -x /usr/bin/podman ]; then
    ctx=$(mktemp -d)
    printf '%%s\n' "trap 'touch /mnt/image/remote_error; exit 1' TERM INT" 'while :; do sleep 1 & wait $!; done' \
        > $ctx/ims-job.sh
    bash_path=$(command -v bash)
    files=""
    for b in sleep bash touch echo; do
        p=$(type -P $b || true)
        case "$p" in /*) files="$files ${p#/} $(ldd $p | grep -o '/[^ ]*' | sed 's,^/,,' | tr '\n' ' ')";; esac
    done
    tar -C / -chf $ctx/root.tar $(printf '%%s\n' $files | sort -u)
    tar -C $ctx -rf $ctx/root.tar ims-job.sh
    podman import --change "CMD [\"$bash_path\", \"/ims-job.sh\"]" $ctx/root.tar \
        localhost/ims-remote-$ID:1.0.0 >/dev/null
    rm -rf $ctx
    port=""
    if [ %(publish)s = 1 ]; then
        used=$(podman ps -a --format '{{.Ports}}')
        port=%(first_port)d
        while echo "$used" | grep -q ":$port->"; do port=$((port + 1)); done
        net="-p $port:22"
    else
        net="--network none"
    fi
    podman run $net -v /tmp/ims_$ID/image:/mnt/image:U,Z --name ims-$ID --privileged --detach \
        localhost/ims-remote-$ID:1.0.0 >/dev/null 2>/tmp/ims_$ID.err || true
    echo "container=$(podman inspect -f '{{.State.Status}}' ims-$ID 2>/dev/null || echo none)"
    echo "port=$port"
    rm -f /tmp/ims_$ID.err
else
    echo "container=none"
fi
'''

# ims-sshd entrypoint.sh clean_remote_node, after the container ended (stop -t 0 stands for that).
CLEAN = r'''ID=%(id)s
if [ -x /usr/bin/podman ]; then podman stop -t 0 ims-$ID >/dev/null 2>&1; fi
rm -rf /tmp/ims_$ID/
if [ -x /usr/bin/podman ]; then
    podman rm ims-$ID >/dev/null 2>&1
    podman rmi ims-remote-$ID:1.0.0 >/dev/null 2>&1
    podman volume prune -f >/dev/null 2>&1
fi
exit 0
'''


# What happens to a job on the node, for tests (POST /_sim/ims/jobs/<id> {"node": ...}): its end of build
# (ims-utils touches remote_exiting), a stop (the trap touches remote_error), a kill (the container is gone, no
# signal file: the pod's heartbeat fails until IMS errors the job).
NODE_EVENTS = {
    'exiting': 'touch /tmp/ims_%(id)s/image/remote_exiting',
    'terminate': 'podman stop -t 20 ims-%(id)s >/dev/null',
    'kill': 'podman rm -f -t 0 ims-%(id)s >/dev/null',
}


def load(app):
    app.data['jobs'] = {}  # id -> record, in creation order (IMS keeps a dict too)
    app.data['job_sim'] = {}  # id -> {'orphan': bool, 'footprint': {...}}: what only the simulator knows


def not_found():
    return ims_problem(404, NOT_FOUND)


def now():
    # IMS stores datetime.datetime.now() (naive) and marshmallow dumps it with isoformat()
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def record(remote_build_node, job_type, arch, artifact_id):
    """A job record with every field V2JobRecordSchema dumps (models/jobs.py)."""
    job_id = str(uuid.uuid4())
    return {
        'id': job_id, 'created': now().isoformat(), 'job_type': job_type, 'artifact_id': artifact_id,
        'public_key_id': str(uuid.uuid4()), 'image_root_archive_name': 'sim-job-%s' % job_id[:8],
        'enable_debug': False, 'build_env_size': 60, 'job_mem_size': 8,
        'kernel_file_name': KERNEL[arch], 'initrd_file_name': 'initrd',
        'kernel_parameters_file_name': 'kernel-parameters', 'ssh_containers': None,
        'require_dkms': True, 'status': 'creating', 'resultant_image_id': None, 'arch': arch,
        'kubernetes_job': 'cray-ims-%s-%s' % (job_id, job_type),
        'kubernetes_service': 'cray-ims-%s-service' % job_id,
        'kubernetes_configmap': 'cray-ims-%s-configmap' % job_id,
        'kubernetes_pvc': 'cray-ims-%s-job-claim' % job_id,
        'kubernetes_namespace': 'ims', 'kubernetes_secret': None,
        'remote_build_node': remote_build_node,
    }


def find_remote_node_for_job(app, arch):
    """Where IMS puts a new job (ims src/server/models/jobs.py find_remote_node_for_job, called by
    V3JobCollection.post): every registered node is checked over SSH again (getStatus); of those able to run
    jobs with the job's arch, the one with the fewest /tmp/ims_* (numCurrentJobs; -1, unknown, counts as
    10000), the first on a tie. "" (no node): the job runs in Kubernetes. Returns (xname, statuses checked).
    IMS first checks its private key file (test_private_key_file); the simulator's key is always there."""
    best, best_count, checked = '', 10000, []
    with app.lock:
        xnames = list(app.data['remote_build_nodes'])
    for xname in xnames:
        st = node_status(app, xname)
        checked.append(st)
        if st['ableToRunJobs'] and st['nodeArch'] == arch:
            count = 10000 if st['numCurrentJobs'] == -1 else st['numCurrentJobs']
            if best == '' or count < best_count:
                best, best_count = xname, count
    return best, checked


def age_to_timestamp(age):
    """V3BaseJobResource._age_to_timestamp: each unit found adds; no unit at all means 'now'."""
    delta = {}
    for interval in ['weeks', 'days', 'hours', 'minutes']:
        result = re.search(r'(\d+)\w*{}'.format(interval[0]), age, re.IGNORECASE)
        if result:
            delta[interval] = int(result.groups()[0])
    return now() - datetime.timedelta(**delta)


def run_on_node(app, xname, script):
    """Run a shell script on the node as root with the IMS key; returns its stdout. Raises on failure."""
    addr = app.data['node_addrs'].get(xname)
    if not addr:
        raise RuntimeError('no address for %s (POST /_sim/nodes)' % xname)
    timeout = float(app.config['ssh_timeout'])
    client = ssh_connect(app, addr, timeout)
    try:
        _unused, out, err = client.exec_command('bash -s', timeout=max(timeout, 120))
        out.channel.sendall(script.encode())
        out.channel.shutdown_write()
        text = out.read().decode(errors='replace')
        rc = out.channel.recv_exit_status()
        if rc != 0:
            raise RuntimeError('exit %d: %s' % (rc, err.read().decode(errors='replace').strip()))
        return text
    finally:
        client.close()


def leave_footprint(app, job, publish):
    out = run_on_node(app, job['remote_build_node'], FOOTPRINT % {
        'id': job['id'], 'publish': 1 if publish else 0, 'first_port': FIRST_REMOTE_PORT})
    found = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
    return {'directory': '/tmp/ims_%s' % job['id'], 'container': found.get('container', 'none'),
            'port': int(found['port']) if found.get('port') else None}


def end_job(app, job_id):
    """The job pod's end on the node: clean_remote_node; or, when the test wants an orphan, the abrupt end, which
    only runs `podman stop ims-<id>` (FACTS section 9; the container's trap then touches remote_error)."""
    with app.lock:
        job = app.data['jobs'].get(job_id)
        sim = app.data['job_sim'].get(job_id) or {}
    if job and job['remote_build_node'] and sim.get('footprint') and not sim.get('orphan'):
        run_on_node(app, job['remote_build_node'], CLEAN % {'id': job_id})
        sim['footprint'] = None
    elif job and job['remote_build_node'] and sim.get('footprint'):
        run_on_node(app, job['remote_build_node'], NODE_EVENTS['terminate'] % {'id': job_id} + ' 2>&1 || true')


def validate_patch(body):
    """V2JobRecordPatchSchema (marshmallow, unknown=RAISE)."""
    errors = {}
    for k, v in body.items():
        if k == 'status':
            if v not in STATUSES:
                errors[k] = ['Job state must be one of: %s.' % ', '.join(STATUSES)]
        elif k == 'resultant_image_id':
            try:
                uuid.UUID(str(v))
            except ValueError:
                errors[k] = ['Not a valid UUID.']
        else:
            errors[k] = ['Unknown field.']
    return errors


def register(app):
    app.loaders.append(load)

    def jobs(app):
        return app.data['jobs']

    @app.route('GET', P + '/jobs')
    def list_jobs(app, req):
        # no query filter (V3JobCollection.get): clients filter the list themselves
        with app.lock:
            return ok([deepcopy(j) for j in jobs(app).values()])

    @app.route('DELETE', P + '/jobs')
    def delete_jobs(app, req):
        statuses = [s.lower() for s in req.query.get('status', [])]
        for s in statuses:
            if s not in STATUSES:
                return ims_problem(400, 'Unsupported status %s in query parameters. %s' % (s, HINT))
        job_type = req.arg('job_type')  # QUIRK: one value (request.args.get), the spec says an array
        if job_type and job_type not in JOB_TYPES:
            return ims_problem(400, 'Unsupported job_type %s in query parameters. %s' % (job_type, HINT))
        max_age = None
        age = req.arg('age')
        if age is not None:
            try:
                max_age = age_to_timestamp(age)
            except (OverflowError, ValueError):
                return ims_problem(400, 'Unsupported age %s in query parameters. %s' % (age, HINT))
        with app.lock:
            doomed = [i for i, j in jobs(app).items()
                      if (not statuses or j['status'] in statuses)
                      and (not job_type or j['job_type'] == job_type)
                      and not (max_age and max_age <= datetime.datetime.fromisoformat(j['created']))]
        for job_id in doomed:
            delete_job(app, job_id)
        return no_content()

    def delete_job(app, job_id):
        # Deleting the Kubernetes job stops its pod; a live remote job's pod then cleans the node
        # (ims-sshd entrypoint.sh: trap clean_exit SIGTERM -> podman stop, clean_remote_node).
        with app.lock:
            job = jobs(app).get(job_id)
        if job and job['status'] not in FINAL:
            try:
                end_job(app, job_id)
            except Exception:  # noqa: BLE001 - an unreachable node does not stop IMS deleting the record
                pass
        with app.lock:
            jobs(app).pop(job_id, None)
            app.data['job_sim'].pop(job_id, None)

    @app.route('GET', P + '/jobs/(?P<job_id>[^/]+)')
    def get_job(app, req, job_id):
        with app.lock:
            job = jobs(app).get(job_id)
            return ok(deepcopy(job)) if job else not_found()

    @app.route('DELETE', P + '/jobs/(?P<job_id>[^/]+)')
    def delete_one(app, req, job_id):
        if job_id not in jobs(app):
            return not_found()
        delete_job(app, job_id)
        return no_content()

    @app.route('PATCH', P + '/jobs/(?P<job_id>[^/]+)')
    def patch_job(app, req, job_id):
        # Only the job pod PATCHes (x-private): the record changes, the node is not touched.
        if job_id not in jobs(app):
            return not_found()
        try:
            body = req.json()
        except ValueError:
            body = None
        if not body:
            return ims_problem(400, 'No input provided. Determine the specific information that is missing '
                                    'or invalid and then re-run the request with valid information.')
        if not isinstance(body, dict):
            return ims_problem(422, 'Input data was understood, but failed validation. Re-run request with valid '
                                    'input values for the fields indicated in the response.',
                               errors={'_schema': ['Invalid input type.']})
        errors = validate_patch(body)
        if errors:
            return ims_problem(422, 'Input data was understood, but failed validation. Re-run request with valid '
                                    'input values for the fields indicated in the response.', errors=errors)
        with app.lock:
            jobs(app)[job_id].update(body)
            return ok(deepcopy(jobs(app)[job_id]))

    register_control(app)


def json_object(req):
    """The request's JSON object ({} without a body), or None."""
    try:
        b = req.json() if req.body else {}
    except ValueError:
        return None
    return b if isinstance(b, dict) else None


def register_control(app):
    """Control routes (no auth): start a job on a node, move it through its statuses."""

    @app.route('POST', '/_sim/ims/jobs', auth=False)
    def start_job(app, req):
        b = json_object(req)
        if b is None:
            return problem(400, 'JSON object expected')
        xname = b.get('remote_build_node') or ''
        job_type = b.get('job_type', 'customize')
        arch = b.get('arch', 'x86_64')
        if job_type not in JOB_TYPES or arch not in KERNEL:
            return problem(400, 'job_type must be one of %s, arch one of %s' % (JOB_TYPES, sorted(KERNEL)))
        status = b.get('status', 'creating')
        if status not in STATUSES:
            return problem(400, 'status must be one of %s' % (STATUSES,))
        if xname and xname not in app.data['remote_build_nodes']:
            return problem(409, '%s is not registered in IMS: IMS sends jobs only to registered nodes' % xname)
        checked = None
        if b.get('place'):
            if xname:
                return problem(400, 'give remote_build_node or place, not both')
            xname, checked = find_remote_node_for_job(app, arch)
        images = [i for i in app.data['images'].values() if i.get('arch') == arch]
        job = record(xname, job_type, arch, b.get('artifact_id') or (images[0]['id'] if images else str(uuid.uuid4())))
        job['status'] = status
        sim = {'orphan': bool(b.get('orphan')), 'footprint': None}
        if checked is not None:
            sim['checked'] = checked  # the node statuses the placement saw
        if xname and b.get('footprint', True):
            try:
                sim['footprint'] = leave_footprint(app, job, b.get('publish', True))
            except Exception as exc:  # noqa: BLE001 - answer the reason to the test
                return problem(502, 'could not start the job on %s: %s' % (xname, exc))
        with app.lock:
            app.data['jobs'][job['id']] = job
            app.data['job_sim'][job['id']] = sim
        out = deepcopy(job)
        out['_sim'] = deepcopy(sim)
        return ok(out, 201)

    @app.route('POST', '/_sim/ims/jobs/(?P<job_id>[^/]+)', auth=False)
    def move_job(app, req, job_id):
        b = json_object(req)
        if b is None:
            return problem(400, 'JSON object expected')
        with app.lock:
            job = app.data['jobs'].get(job_id)
            if job is None:
                return not_found()
            sim = app.data['job_sim'].setdefault(job_id, {'orphan': False, 'footprint': None})
            if 'orphan' in b:
                sim['orphan'] = bool(b['orphan'])
            action = b.get('action')
            event = b.get('node')
        if event is not None:
            if event not in NODE_EVENTS or not job['remote_build_node']:
                return problem(400, 'node must be one of %s, for a job on a node' % sorted(NODE_EVENTS))
            try:
                run_on_node(app, job['remote_build_node'], NODE_EVENTS[event] % {'id': job_id})
            except Exception as exc:  # noqa: BLE001
                return problem(502, 'could not %s the job on %s: %s' % (event, job['remote_build_node'], exc))
            if action is None and 'status' not in b:
                with app.lock:
                    out = deepcopy(job)
                    out['_sim'] = deepcopy(sim)
                return ok(out)
        with app.lock:
            if action == 'finish':
                status = 'success'
            elif action == 'fail':
                status = 'error'
            elif action == 'advance':
                flow = FLOW[job['job_type']]
                i = flow.index(job['status']) if job['status'] in flow else 0
                status = flow[min(i + 1, len(flow) - 1)]
            elif action is None and b.get('status') in STATUSES:
                status = b['status']
            else:
                return problem(400, 'give action (advance, finish, fail) or a status of %s' % (STATUSES,))
        if status in FINAL and job['status'] not in FINAL:
            try:
                end_job(app, job_id)
            except Exception as exc:  # noqa: BLE001
                return problem(502, 'could not clean %s: %s' % (job['remote_build_node'], exc))
        with app.lock:
            job['status'] = status
            out = deepcopy(job)
            out['_sim'] = deepcopy(sim)
        return ok(out)
