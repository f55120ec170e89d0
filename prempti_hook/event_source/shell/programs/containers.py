"""Containers and clusters: what `docker|podman|nerdctl run|create|exec|cp` and `kubectl|oc
run|exec|debug|cp` give a container of the host, and what the command inside it does.

- Host folders mounted into the container (`-v /:/host`, `--mount type=bind,...`, a pod's
  `hostPath`, the Docker socket) are `tool.cmd.container_mounts`; what the container gets
  besides (`--privileged`, `--pid=host`, `--cap-add=SYS_ADMIN`, `--device`, `hostPID`...) is
  `tool.cmd.container_privileges`.
- The command run inside is analysed like any command (its programs, hosts, credentials),
  but its files are the container's: a path under a mount is the host path it maps to
  (`-v /etc:/mnt/etc ... >> /mnt/etc/passwd` writes the host's `/etc/passwd`), any other
  path is reported as written, in `tool.cmd.container_paths`.
"""

from __future__ import annotations

from .... import jsonio
from ...paths import lexical, resolve_expanded
from ..analysis import Analysis, Call, State, has_marker, name_set
from .common import generic, getopt

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..evaluate import Evaluator


_DOCKER_GLOBAL_VALUES = name_set("-H --host -c --context --config -l --log-level --tlscacert "
                                 "--tlscert --tlskey --url --connection --identity")
_RUN_VALUES = name_set(
    "-a --attach --add-host --annotation --blkio-weight --blkio-weight-device --cap-add "
    "--cap-drop --cgroup-parent --cgroupns --cidfile --cpu-period --cpu-quota "
    "--cpu-rt-period --cpu-rt-runtime -c --cpu-shares --cpus --cpuset-cpus --cpuset-mems "
    "--device --device-cgroup-rule --device-read-bps --device-read-iops --device-write-bps "
    "--device-write-iops --dns --dns-option --dns-search --domainname --entrypoint -e --env "
    "--env-file --expose --gpus --group-add --health-cmd --health-interval --health-retries "
    "--health-start-period --health-timeout -h --hostname --ip --ip6 --ipc --isolation "
    "--kernel-memory -l --label --label-file --link --link-local-ip --log-driver --log-opt "
    "--mac-address -m --memory --memory-reservation --memory-swap --memory-swappiness "
    "--mount --name --network --net --network-alias --oom-score-adj --pid --pids-limit "
    "--platform --pull -p --publish --restart --runtime --security-opt --shm-size "
    "--stop-signal --stop-timeout --storage-opt --sysctl --tmpfs --ulimit -u --user "
    "--userns --uts -v --volume --volume-driver --volumes-from -w --workdir --arch --os "
    "--pod --secret --systemd --uidmap --gidmap --subuidname --subgidname --hooks-dir "
    "--cgroups --conmon-pidfile --init-path --preserve-fds --requires --seccomp-policy "
    "--timezone --umask --variant --chrootdirs --passwd-entry --hostuser --rootfs")
_EXEC_VALUES = name_set("-e --env --env-file -u --user -w --workdir --detach-keys")
_HOST_NAMESPACES = {"--pid": "host_pid", "--network": "host_network", "--net": "host_network",
                    "--ipc": "host_ipc", "--uts": "host_uts", "--userns": "host_userns",
                    "--cgroupns": "host_cgroupns"}
_SOCKETS = ("docker.sock", "podman.sock", "containerd.sock", "crio.sock", "kubelet.sock")


class Mount:
    """A host path seen inside a container at `target`."""

    __slots__ = ("host", "read_only", "target")

    def __init__(self, host: str, target: str, read_only: bool) -> None:
        self.host = host
        self.target = target.rstrip("/") or "/"
        self.read_only = read_only


def _volume(value: str) -> Mount | None:
    """`-v HOST:CONTAINER[:ro]` (a named volume has no `/`: not a host path)."""
    pieces = value.split(":")
    if len(pieces) < 2 or not pieces[0] or not (pieces[0][0] in "/.~" or "/" in pieces[0]):
        return None
    options = pieces[2].split(",") if len(pieces) > 2 else []
    return Mount(pieces[0], pieces[1] or "/", "ro" in options or "readonly" in options)


def _mount(value: str) -> Mount | None:
    """`--mount type=bind,source=/x,target=/y,readonly`."""
    fields: dict[str, str] = {}
    for item in value.split(","):
        key, _eq, setting = item.partition("=")
        fields[key.strip().lower()] = setting.strip()
    if fields.get("type", "volume") not in ("bind", ""):
        return None
    source = fields.get("source") or fields.get("src")
    target = fields.get("target") or fields.get("destination") or fields.get("dst")
    if not source or not target:
        return None
    read_only = "readonly" in fields or "ro" in fields
    return Mount(source, target, read_only and fields.get("readonly", "true") != "false")


def _record_mount(ev: Evaluator, st: State, mount: Mount) -> None:
    if has_marker(mount.host):
        ev.unknown(mount.host, "computed_path")
        return
    cwd = st.cwds[0]
    for form in (resolve_expanded(mount.host, cwd), lexical(mount.host, cwd)):
        ev.out.container_mounts[form] = None
        home = ev.home.rstrip("/")
        if form == home or form.startswith(home + "/"):
            ev.out.container_mounts["~" + form[len(home):]] = None
        if form.endswith(_SOCKETS):
            ev.out.container_privileges["runtime_socket"] = None


def _privileges(ev: Evaluator, opts: list) -> None:
    privileges = ev.out.container_privileges
    for name, value in opts:
        if name == "--privileged" and value in (None, "true"):
            privileges["privileged"] = None
        elif name in _HOST_NAMESPACES and value in ("host", "private:host"):
            privileges[_HOST_NAMESPACES[name]] = None
        elif name == "--cap-add" and value:
            for cap in value.upper().replace("CAP_", "").split(","):
                privileges["cap_" + cap.strip().lower()] = None
        elif name == "--device" and value:
            privileges["device"] = None
        elif name == "--security-opt" and value:
            setting = value.replace(":", "=", 1).lower()
            if setting in ("apparmor=unconfined", "seccomp=unconfined",
                           "systempaths=unconfined"):
                privileges[setting.replace("=", "_")] = None
            elif setting in ("label=disable", "label=disabled"):
                privileges["selinux_disabled"] = None


def _split_docker(args: list) -> tuple[str, list]:
    """(subcommand, its arguments), skipping global options and `container`."""
    opts, ops = getopt(args, _DOCKER_GLOBAL_VALUES, stop=True)
    del opts
    if ops[:1] == ["container"]:
        ops = ops[1:]
    return (ops[0], ops[1:]) if ops else ("", [])


def _h_docker(ev: Evaluator, call: Call) -> None:
    st = call.st
    sub, args = _split_docker(call.argv[1:])
    if sub in ("run", "create"):
        opts, ops = getopt(args, _RUN_VALUES, stop=True)
        mounts: list[Mount] = []
        workdir = "/"
        for name, value in opts:
            if value is None:
                continue
            mount = None
            if name in ("-v", "--volume"):
                mount = _volume(value)
            elif name == "--mount":
                mount = _mount(value)
            elif name in ("--env-file", "--label-file", "--cidfile"):
                ev.path(value, st, write=name == "--cidfile")
            elif name in ("-w", "--workdir"):
                workdir = value
            if mount is not None:
                mounts.append(mount)
                _record_mount(ev, st, mount)
        _privileges(ev, opts)
        entrypoint = next((v for n, v in opts if n == "--entrypoint" and v), None)
        command = ops[1:]
        if entrypoint is not None:
            command = [entrypoint, *command]
        if command:
            inside(ev, call, command, mounts, workdir)
    elif sub == "exec":
        _opts, ops = getopt(args, _EXEC_VALUES, stop=True)
        workdir = next((v for n, v in _opts if n in ("-w", "--workdir") and v), "/")
        if len(ops) > 1:
            inside(ev, call, ops[1:], [], workdir)
    elif sub == "cp":
        _opts, ops = getopt(args, name_set(""))
        _copy(ev, st, ops)
    else:
        generic(ev, call)
        if sub == "compose" and any(a in ("up", "run", "create", "start") for a in args):
            files = [args[k + 1] for k, a in enumerate(args[:-1]) if a in ("-f", "--file")]
            _manifest_files(ev, st, files or list(_COMPOSE_FILES))


_COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def _copy(ev: Evaluator, st: State, ops: list) -> None:
    """`docker cp CONTAINER:PATH HOST` / `kubectl cp POD:PATH HOST` and back."""
    for index, op in enumerate(ops[:2]):
        head, sep, tail = op.partition(":")
        if sep and head and not op.startswith(("/", ".", "~")) and tail.startswith("/"):
            ev.out.container_paths[tail] = None
        elif not has_marker(op) or op.startswith("/"):
            ev.path(op, st, write=index == 1)


def inside(ev: Evaluator, call: Call, argv: list, mounts: list, workdir: str) -> None:
    """Analyse a command run inside a container: its programs, hosts, credentials and code
    count as they are; its paths are mapped through `mounts` to host paths, and the others
    are the container's own (`tool.cmd.container_paths`)."""
    out = Analysis()
    out.reasons = ev.out.reasons
    sub = type(ev)(ev.ctx, out, ev.env, ev.home)  # a fresh evaluator, sharing the budgets
    st = State(workdir if workdir.startswith("/") and not has_marker(workdir) else "/")
    ev.ctx.enter()
    try:
        sub.command(Call(list(argv), st, None, {}, call.net))
    finally:
        ev.ctx.leave()
    _merge(ev, call, out, mounts)


def _merge(ev: Evaluator, call: Call, out: Analysis, mounts: list) -> None:
    main = ev.out
    for name in out.names:
        main.names[name] = None
    for arg in out.args:
        main.args[arg] = None
    for host in out.hosts:
        ev.reach(host)
    main.urls.update(out.urls)
    main.pipes_to_shell = main.pipes_to_shell or out.pipes_to_shell
    for field in ("code_producers", "credential_reads", "credential_sinks", "data_hosts",
                  "data_channels", "container_mounts", "container_privileges",
                  "container_paths"):
        getattr(main, field).update(getattr(out, field))
    writes = out.lexical_write_paths
    # With the runtime's socket, containers started inside are the host's: the paths they
    # mapped through their own mounts are host paths (over-approximated: all of them).
    nested_on_host = any(mount.host.endswith(_SOCKETS) for mount in mounts)
    for path in out.lexical_paths:
        write = path in writes
        for mount in mounts:
            if path == mount.target or path.startswith(mount.target.rstrip("/") + "/"):
                rest = path[len(mount.target.rstrip("/")):]
                ev.path(mount.host.rstrip("/") + rest if rest else mount.host, call.st,
                        write=write and not mount.read_only)
                break
        else:
            if nested_on_host:
                ev.path(path, call.st, write=write)
            else:
                main.container_paths[path] = None


# --- kubectl / oc -----------------------------------------------------------------------

_KUBECTL_VALUES = name_set(
    "-n --namespace --context --cluster --user --kubeconfig -s --server --token --as "
    "--as-group -c --container -l --selector -o --output --image --overrides --restart "
    "--env --labels --port --serviceaccount --target --profile --attach --pod-running-timeout "
    "--image-pull-policy --copy-to --share-processes --custom -f --filename --timeout")


def _h_kubectl(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    st = call.st
    opts, ops = getopt(args, _KUBECTL_VALUES)
    for name, value in opts:
        if name == "--kubeconfig" and value:
            ev.path(value, st)
        elif name in ("-s", "--server") and value:
            ev.url(value, "https")
    sub = ops[0] if ops else ""
    command = args[args.index("--") + 1:] if "--" in args else []
    if sub == "run":
        mounts = _pod_overrides(ev, st, next(
            (v for n, v in opts if n == "--overrides" and v), None))
        if command:
            inside(ev, call, command, mounts, "/")
    elif sub in ("exec", "attach") and command:
        inside(ev, call, command, [], "/")
    elif sub == "debug":
        target = ops[1] if len(ops) > 1 else ""
        if target.startswith(("node/", "nodes/")):
            # a pod in the node's namespaces with the node's root at /host
            ev.out.container_privileges["node_debug"] = None
            host_root = Mount("/", "/host", False)
            ev.out.container_mounts["/"] = None
            if command:
                inside(ev, call, command, [host_root], "/")
        elif command:
            inside(ev, call, command, [], "/")
    elif sub == "cp":
        _copy(ev, st, ops[1:])
    else:
        generic(ev, call)
        if sub in ("apply", "create", "replace"):
            _manifest_files(ev, st, [v for n, v in opts if n in ("-f", "--filename") and v])


def _manifest_files(ev: Evaluator, st: State, names: list) -> None:
    """`kubectl apply -f FILE|DIR`: what the manifests on disk give their pods
    (`event_source.manifests`), as if given on the command line."""
    cwd = next((c for c in st.cwds if not has_marker(c)), None)
    paths = [resolve_expanded(n, cwd) for n in names[:8]
             if cwd is not None and n != "-" and "://" not in n and not has_marker(n)]
    if not paths:
        return
    from ...manifests import read_manifests

    facts = read_manifests(paths)
    for privilege in facts.privileges:
        ev.out.container_privileges[privilege] = None
    for host in facts.host_paths[:32]:
        if host.startswith("/"):
            _record_mount(ev, st, Mount(host, "/", False))


def _pod_overrides(ev: Evaluator, st: State, text: str | None) -> list[Mount]:
    """`kubectl run --overrides=JSON`: the pod's host namespaces, privileged containers and
    hostPath volumes (the mounts returned, for the command run inside)."""
    if not text or has_marker(text):
        return []
    try:
        spec = jsonio.loads(text)
    except (ValueError, RecursionError):
        return []
    if not isinstance(spec, dict):
        return []
    spec = spec.get("spec") if isinstance(spec.get("spec"), dict) else spec
    privileges = ev.out.container_privileges
    for key, privilege in (("hostPID", "host_pid"), ("hostNetwork", "host_network"),
                           ("hostIPC", "host_ipc")):
        if spec.get(key) is True:
            privileges[privilege] = None
    volumes = {}
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict) and isinstance(volume.get("hostPath"), dict):
            path = volume["hostPath"].get("path")
            if isinstance(path, str) and path:
                volumes[volume.get("name")] = path
                _record_mount(ev, st, Mount(path, "/", False))
    mounts: list[Mount] = []
    for container in spec.get("containers") or []:
        if not isinstance(container, dict):
            continue
        context = container.get("securityContext")
        if isinstance(context, dict):
            if context.get("privileged") is True:
                privileges["privileged"] = None
            added = (context.get("capabilities") or {}).get("add") if isinstance(
                context.get("capabilities"), dict) else None
            for cap in added if isinstance(added, list) else []:
                if isinstance(cap, str):
                    privileges["cap_" + cap.lower().replace("cap_", "")] = None
        for mount in container.get("volumeMounts") or []:
            if isinstance(mount, dict) and mount.get("name") in volumes and isinstance(
                    mount.get("mountPath"), str):
                mounts.append(Mount(volumes[mount["name"]], mount["mountPath"],
                                    mount.get("readOnly") is True))
        command = [w for w in (container.get("command") or []) + (container.get("args") or [])
                   if isinstance(w, str)]
        if command:
            inside(ev, Call(command, st, None, {}, False), command, mounts, "/")
    return mounts


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {"docker": _h_docker, "podman": _h_docker, "nerdctl": _h_docker,
                  "kubectl": _h_kubectl, "oc": _h_kubectl}
