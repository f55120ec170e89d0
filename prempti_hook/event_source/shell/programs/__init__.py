"""Command knowledge: how each program uses its arguments, and the table from program names
to their handlers.

A handler is called as `handler(evaluator, call)` with the program's expanded words in
`call.argv`. It records the paths, URLs, hosts and code the program would use, and returns
None, or for a wrapper (`sudo`, `env`, `xargs`...) the `Call` of the command it runs, which
the evaluator then analyses in turn. A program without a handler gets `common.generic`
(its URLs, and the arguments that look like paths).

Most file utilities (cat, ls, grep, cp, rm...) use their arguments in ways a table of their
options describes (`common.Spec`): they are declared below. The others have handlers of their
own, grouped by family, one module each:
- `common`: option parsing and helpers shared by the families; unknown programs.
- `wrappers`: programs that run another command (sudo, env, xargs, timeout, tmux...).
- `find`: find, which runs commands on what it finds (`-exec`, `-delete`).
- `interpreters`: shells, language interpreters, eval/source/trap/alias, and the programs
  that run code from local files (npm scripts, just recipes; make and git hooks by call).
- `shell_state`: builtins that change the shell's state (cd, read, set, unset...).
- `file_syntax`: file utilities with a syntax of their own (sed, awk, tar, dd...).
- `devtools`: version control, package managers and make (git, pip, make).
- `compilers`: compilers that write a program (go build -o, cc -o, rustc -o).
- `containers`: what containers and pods get of the host, and what runs in them (docker,
  podman, kubectl).
- `credentials` and `servers` (not families: `inspect` calls them for CREDENTIAL_PROGRAMS
  and SERVER_PROGRAMS): helpers that print stored credentials, logins that read them on
  stdin; local servers and the folders they publish.
- `network`: programs that reach other hosts (curl, wget, ssh, scp, rsync, nc...).
- `patches`: `apply_patch`, which the Codex CLI runs itself when a shell command calls it.

Observers (`observer_for`) are called next to a program's handler and record what the program
destroys, publishes or kills rather than its paths (`programs/destructive.py` says what they
record): `deletes` (rm, shred, truncate, dd, rsync --delete, mkfs...), `databases` (ORMs and
database clients), `infra` (cloud, cluster and platform CLIs, publishing), `processes`
(kill, pkill...), `safeguards` (proxies, other agents' approvals), `mentions` (tests and
listings name a path without reading it). They load, like the families, the first time
one of their programs is met.

`handler_for` finds a program's handler. A family module is imported the first time one of
its programs is met: a hook call is a new process whose command line usually runs one or two
programs, and importing every family would cost each call about a millisecond. The family
modules never import this one (dependencies go one way).
"""

from __future__ import annotations

from ..analysis import name_set
from .common import LANGS, SHELLS, file_handler, program_family

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from types import ModuleType

# Program name -> handler, for the programs met so far: the file utilities declared here,
# and the programs of each family module as it loads.
_handlers: dict = {}
_family_handlers: dict = {}


def _owner(base: str, listed: Iterable[str]) -> str | None:
    """The first of `listed` (strings of space-separated names) that names `base`, else
    None. The tables are looked up this way, once per program name met, rather than turned
    into dicts of every name when the module loads: a hook call meets a few programs, and
    building the dicts cost every Bash call about 0.1 ms."""
    if not base or " " in base:
        return None
    token = " " + base + " "
    for names in listed:
        if token in " " + names + " ":
            return names
    return None


def _owner_module(base: str, names_by_module: dict[str, str]) -> str | None:
    """The module of `names_by_module` (module -> the names of its programs) naming `base`."""
    names = _owner(base, names_by_module.values())
    if names is None:
        return None
    return next(module for module, listed in names_by_module.items() if listed is names)


# --- file utilities described by a table of their options --------------------------------

# The names of the file utilities declared together -> (role, options) of their `Spec`.
_DECLARED: dict[str, tuple[str, dict]] = {}


def _declare(names: str, role: str, **options: str | bool) -> None:
    """File utilities whose arguments `Spec(role, **options)` describes."""
    _DECLARED[names] = (role, options)


def _declared_handler(base: str) -> Callable | None:
    """The handler of the file utility `base`, made the first time one of the programs
    declared with it is met (programs declared together share it)."""
    names = _owner(base, _DECLARED)
    if names is None:
        return None
    role, options = _DECLARED[names]
    handler = file_handler(role, **options)
    _handlers.update(dict.fromkeys(names.split(), handler))
    return handler


# An option wrongly listed as taking a value would swallow the path after it (`cat -A
# /etc/shadow`), while a missing one only adds a harmless extra path (`head -n 5` -> `5`).
# So each group lists only options that take a value in every program of the group.
_declare("cat rev zcat bzcat xzcat zstdcat lzcat md5sum sha1sum sha224sum sha256sum sha384sum "
         "sha512sum cksum sum lsattr getfacl ldd namei readelf objdump nm comm less more most pg "
         "zless zmore wc strings file od hexdump xxd base32 base64 basenc fold fmt expand unexpand "
         "column tac cmp paste nl readlink realpath bat batcat source-highlight xmllint csvlook "
         "mlr shasum b2sum ssh-add",
         "read", reads="--files0-from")
_declare("head tail", "read",
         values="-n -c --lines --bytes --pid -s --sleep-interval --max-unchanged-stats")
_declare("cut", "read",
         values="-b -c -f -d --bytes --characters --fields --delimiter --output-delimiter")
_declare("stat", "read", values="-c --format --printf")
_declare("diff diff3", "read",
         values="-C -U -I -x -L -F -W --label --width --ignore-matching-lines --horizon-lines "
                "--exclude",
         reads="-X --exclude-from --from-file --to-file")
_declare("join", "read", values="-1 -2 -j -t -e -o -a -v")
_declare("iconv", "read", values="-f -t --from-code --to-code", writes="-o --output")
_declare("ls dir vdir exa eza lsd", "read",
         values="-I --ignore -T --tabsize -w --width --block-size --format --hide "
                "--indicator-style --quoting-style --sort --time --time-style",
         default_cwd=True)
_declare("du", "read",
         values="-d --max-depth -B --block-size -t --threshold --exclude --time-style",
         reads="-X --exclude-from --files0-from",
         default_cwd=True)
_declare("tree", "read",
         values="-L -P -I -H -T --filelimit --charset",
         writes="-o",
         default_cwd=True)
_declare("grep egrep fgrep zgrep zegrep zfgrep bzgrep xzgrep", "pattern",
         values="-e --regexp -A -B -C -m -d -D --max-count --context --after-context "
                "--before-context --label --include --exclude --exclude-dir --devices "
                "--directories --binary-files --group-separator",
         reads="-f --file --exclude-from")
_declare("rg", "pattern",
         values="-e --regexp -A -B -C -m -g -t -T -j -M -E -r --max-count --context --glob --iglob "
                "--type --type-not --threads --max-columns --max-depth --max-filesize --type-add "
                "--colors --sort --sortr --encoding --pre --pre-glob --replace --path-separator "
                "--context-separator --field-match-separator --engine",
         reads="-f --file --ignore-file",
         default_cwd=True)
_declare("ag ack ack-grep pt sift ugrep", "pattern",
         values="-e -A -B -C -m --regexp",
         reads="-f --file",
         default_cwd=True)
_declare("rm unlink rmdir dos2unix unix2dos mac2unix sponge", "write")
_declare("mkdir mkfifo", "write", values="-m --mode")
_declare("shred srm wipe", "write", values="-n --iterations -s --size", reads="--random-source")
_declare("truncate", "write", values="-s --size", reads="-r --reference")
_declare("touch", "write", values="-d --date -t", reads="-r --reference")
_declare("chown chgrp", "mode", values="--from", reads="--reference")
# `chmod -x FILE`: a mode may start with `-`, so chmod reads `-x`, `-w`, `-rwx`... as its mode.
_declare("chmod", "mode", reads="--reference", dash_modes=True)
_declare("setfacl", "write",
         values="-m --modify -x --remove --set",
         reads="-M --modify-file -X --remove-file --set-file")
_declare("cp", "dest", values="-S --suffix", targets="-t --target-directory", copies=True)
_declare("mv", "move", values="-S --suffix", targets="-t --target-directory")
_declare("ln link", "link", values="-S --suffix", targets="-t --target-directory")
_declare("sort", "read",
         values="-k --key -t --field-separator -S --buffer-size -T --temporary-directory "
                "--batch-size --parallel --compress-program",
         reads="--files0-from --random-source",
         writes="-o --output")
_declare("split csplit", "dest",
         values="-a -b -C -l -n -t -f --additional-suffix --filter --suffix-length --bytes --lines "
                "--line-bytes --number --separator --prefix --suffix-format")
_declare("uniq", "dest", values="-f -s -w --skip-fields --skip-chars --check-chars")
_declare("sdiff", "read", values="-w -I --width", writes="-o --output")
_declare("gpg gpg2", "read",
         values="-r -u -R --recipient --local-user --default-key --hidden-recipient --cipher-algo "
                "--digest-algo -z --trust-model --keyserver --recv-keys --passphrase",
         reads="--homedir --keyring --secret-keyring --passphrase-file",
         writes="-o --output")
_declare("age rage", "read",
         values="-r --recipient",
         reads="-i --identity -R --recipients-file",
         writes="-o --output")
_declare("ssh-keygen", "read",
         values="-t -b -C -N -P -I -n -V -z -O -E -Y -m -a -w -D -r -G -M -S -J -j -K -s -u -Z -g "
                "-F -R",
         writes="-f",
         # These only read the key file (fingerprint, print the public key, find a host...).
         read_only="-l -y -B -e -i -L -F -Q -D -k")
# (`printf` prints text too, but `shell_state` knows it: `printf -v` sets a variable.)
_declare("echo true false : yes seq sleep kill killall pkill pgrep ps id whoami groups uname "
         "hostname uptime printenv which type whereis help history unalias jobs wait fg bg disown "
         "exit return break continue umask ulimit times clear reset tput stty basename dirname "
         "expr factor numfmt nproc arch tty logname users who w last sync getconf locale cal "
         "notify-send say logger wall mesg tr envsubst",
         "text")
_declare("date", "text", values="-d --date", reads="-f --file -r --reference")


# --- programs with handlers of their own ---------------------------------------------------

# Which family module knows each program (the names of its `HANDLERS`).
_NAMES_BY_MODULE = {
    "wrappers":
        "env sudo doas su runuser sg xargs flock watch chroot script command builtin exec "
        "busybox toybox npx bunx pnpx uv uvx poetry pipenv pdm hatch rye bundle conda mamba "
        "micromamba pixi pnpm yarn direnv op doppler aws-vault infisical dotenv nix-shell nix "
        "tmux screen parallel at batch bwrap nohup setsid unbuffer eatmydata fakeroot "
        "catchsegv dbus-run-session xvfb-run torsocks proxychains proxychains4 tsocks pkexec "
        "nice timeout stdbuf ionice taskset chrt caffeinate faketime time strace ltrace "
        "valgrind firejail cgexec numactl prlimit systemd-run nsenter unshare gosu su-exec "
        "chpst setpriv coproc railway",
    "find": "find gfind",
    "interpreters": "bun eval source . trap alias hash pwsh powershell npm just ztcp pytest "
                    "py.test",
    "shell_state":
        "cd pushd popd read mapfile readarray printf unset set shift getopts test [ let "
        "compgen",
    "file_syntax":
        "dd tee install mknod chattr sed gsed awk gawk mawk nawk busybox-awk jq gojq yq jaq "
        "fd fdfind tar gtar bsdtar zip unzip gzip gunzip bzip2 bunzip2 xz unxz lzma "
        "unlzma zstd unzstd lz4 compress uncompress pigz pbzip2 brotli vi vim nvim vimdiff "
        "nano pico emacs ed ex micro joe jed kak hx",
    "devtools": "git pip pipx make gmake",
    "compilers": "go gcc cc clang g++ c++ clang++ rustc tcc",
    "containers": "docker podman nerdctl kubectl oc",
    "network":
        "curl wget wget2 http https xh xhs nc ncat netcat socat ssh mosh autossh scp sftp "
        "rsync openssl ping ping6 traceroute traceroute6 tracepath mtr dig nslookup host "
        "whois telnet ftp tftp lftp nmap arping fping hping3 mysql mariadb psql redis-cli "
        "mongo mongosh ldapsearch smbclient",
    "patches": "apply_patch applypatch",
}
# Family name (`common.program_family`: `python3.12` -> `python`) -> the module whose
# `FAMILY_HANDLERS` has it, for programs not known by their exact name.
_FAMILY_MODULE_OF = dict.fromkeys(SHELLS | LANGS.keys(), "interpreters")
_FAMILY_MODULE_OF["pip"] = "devtools"


# Programs that print stored credentials or read a password on stdin (`gh auth token`,
# `docker login --password-stdin`): `credentials.check` looks at each of their commands, on
# top of whatever handles them otherwise. `docker-credential-*` and `git-credential-*` too.
CREDENTIAL_PROGRAMS = name_set(
    "aws gcloud az gh glab kubectl oc security pass gopass op bw lpass keepassxc-cli vault "
    "npm pnpm yarn heroku sops ansible-vault gpg gpg2 ps secret-tool keyring kwallet-query "
    "git docker podman nerdctl buildah skopeo helm oras crane cosign")
_HELPER_PREFIXES = ("docker-credential-", "git-credential-")


# Programs that can publish a folder over HTTP (`servers.check`); pythons and rubies by
# family name (`python3 -m http.server`, `ruby -run -e httpd`).
SERVER_PROGRAMS = name_set("php http-server serve httpd caddy miniserve darkhttpd")
_SERVER_FAMILIES = ("python", "pypy", "ruby")


def inspect(ev, call, base: str) -> None:
    """What a command (its program's basename: `base`) does besides what its family's
    handler sees: stored credentials it prints or reads on stdin (CREDENTIAL_PROGRAMS),
    folders it serves (SERVER_PROGRAMS). The modules that know load only when such a
    program runs."""
    if base in CREDENTIAL_PROGRAMS or ("-credential-" in base
                                       and base.startswith(_HELPER_PREFIXES)):
        from .credentials import check

        check(ev, call)
    elif base in SERVER_PROGRAMS or (len(call.argv) > 2 and base.startswith(_SERVER_FAMILIES)
                                     and program_family(base) in _SERVER_FAMILIES):
        from .servers import check as check_server

        check_server(ev, call)


# Which observer module knows each program (the names of its `OBSERVERS`), and the family
# names (`python3.12` -> `python`) observed.
_OBSERVED_BY_MODULE = {
    "deletes":
        "rm unlink shred srm wipe truncate dd rsync rimraf del-cli mkfs mke2fs "
        "mkfs.ext2 mkfs.ext3 mkfs.ext4 mkfs.xfs mkfs.btrfs mkfs.vfat mkfs.fat mkfs.msdos "
        "mkfs.ntfs mkfs.exfat mkfs.f2fs mkswap newfs newfs_apfs wipefs fdisk sfdisk cfdisk "
        "parted gdisk sgdisk blkdiscard",
    "databases":
        "prisma drizzle-kit supabase rails rake manage.py django-admin sequelize sequelize-cli "
        "typeorm typeorm-ts-node-commonjs typeorm-ts-node-esm knex alembic dropdb psql mysql "
        "mariadb sqlite3 redis-cli mongosh mongo neonctl pscale turso python",
    "infra":
        "terraform tofu terragrunt pulumi cdk cdktf helm kubectl oc aws gcloud gsutil az doctl "
        "gh glab docker podman nerdctl docker-compose vercel netlify firebase serverless sls "
        "wrangler heroku fly flyctl railway npm pnpm yarn bun cargo twine gem poetry flit "
        "hatch uv mvn gradle gradlew dotnet nuget curl wget http https xh",
    "processes": "kill pkill killall fuser pm2 tmux",
    "safeguards": "unset export gemini copilot codex bash sh zsh ksh dash",
    "mentions": "test [ ls dir vdir exa eza lsd tree du stat file grep egrep fgrep rg ag ack",
}
_observers: dict = {}


def observer_for(base: str) -> Callable | None:
    """The observer of the program named `base` (exact name, else family name), or None."""
    observer = _observers.get(base, False)
    if observer is not False:
        return observer
    module = _owner_module(base, _OBSERVED_BY_MODULE)
    name = base
    if module is None:
        name = program_family(base)
        module = _owner_module(name, _OBSERVED_BY_MODULE) if name != base else None
        if module is None:
            _observers[base] = None  # (remembered: looked up once per name)
            return None
    loaded = _observers_of(module)
    _observers[base] = loaded[name]
    return loaded[name]


def _observers_of(module: str) -> dict:
    """The OBSERVERS of the observer module `module`, checked against the table above."""
    loaded = __import__(module, globals(), None, ("OBSERVERS",), 1).OBSERVERS
    if loaded.keys() != set(_OBSERVED_BY_MODULE[module].split()):
        raise ImportError(f"programs.{module} and the observer table of programs/__init__.py "
                          "do not name the same programs")
    return loaded


def handler_for(base: str) -> Callable | None:
    """The handler of the program named `base` (a basename): by its exact name, else by its
    family name; None when no module knows it (then `common.generic` applies)."""
    handler = _handlers.get(base, False)
    if handler is not False:
        return handler
    handler = _declared_handler(base)
    if handler is not None:
        return handler
    module = _owner_module(base, _NAMES_BY_MODULE)
    if module is not None:
        return _load(module).HANDLERS[base]
    family = program_family(base)
    handler = _family_handlers.get(family)
    if handler is None:
        module = _FAMILY_MODULE_OF.get(family)
        if module is not None:
            handler = _load(module).FAMILY_HANDLERS[family]
    _handlers[base] = handler  # (remembered, None too: looked up once per name)
    return handler


def _load(name: str) -> ModuleType:
    """Import the module `name` of this package and add its handlers to the loaded ones."""
    module = __import__(name, globals(), None, ("HANDLERS",), 1)
    handlers = module.HANDLERS
    family_handlers = getattr(module, "FAMILY_HANDLERS", {})
    # Each program is named once here (declared above, or listed in `_NAMES_BY_MODULE` with
    # the names of its module's `HANDLERS`, so that none is silently forgotten). A module
    # that disagrees fails the first time it is used (in tests).
    declared = {program for names in _DECLARED for program in names.split()}
    if (handlers.keys() != set(_NAMES_BY_MODULE[name].split())
            or family_handlers.keys() != {f for f, owner in _FAMILY_MODULE_OF.items()
                                          if owner == name}
            or not handlers.keys().isdisjoint(declared)):
        raise ImportError(f"programs.{name} and the tables of programs/__init__.py do not "
                          "name the same programs")
    _handlers.update(handlers)
    _family_handlers.update(family_handlers)
    return module


def table_names() -> tuple[list, list]:
    """Every program name of the handler tables (declared here or listed for a family
    module), and of the observer table, each as often as it is listed (for tests: a name
    listed twice would be found in the first place only)."""
    handled = [p for names in (*_DECLARED, *_NAMES_BY_MODULE.values()) for p in names.split()]
    observed = [p for names in _OBSERVED_BY_MODULE.values() for p in names.split()]
    return handled, observed
