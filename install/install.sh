#!/usr/bin/env bash
# Install prempti-hook for the current user, or remove it.
#
#   install/install.sh                       build the zipapp if needed, install it into
#                                            $PREMPTI_HOME (default ~/.prempti), register the
#                                            hook in ~/.claude/settings.json, prove it works
#   install/install.sh --uninstall           unregister the hook, remove the installed files;
#                                            keep rules/user/, config.yaml and the logs
#   install/install.sh --uninstall --purge   ... and remove those too
#   install/install.sh --system [--user=NAME]...
#                                            as root: the hardened install for every user
#                                            (root-owned files in /opt/prempti-hook, managed
#                                            policy in /etc/prempti, append-only audit logs in
#                                            /var/log/prempti-hook, the hook in Claude Code's
#                                            managed settings); see README "Hardened install"
#   install/install.sh --system --uninstall [--purge]
#
# Environment: PYTHON (the interpreter to run the hook with; default python3, and
# /usr/bin/python3 with --system), PREMPTI_HOME, HOME, CLAUDE_CONFIG_DIR (moves ~/.claude).
# Safe to run again. Uninstalling the per-user install asks you to type a code (only a
# person may switch the guard off).
set -euo pipefail

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,22s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
action=install
purge=0
system=0
users=()
for arg in "$@"; do
    case "$arg" in
        --uninstall) action=uninstall ;;
        --purge) purge=1 ;;
        --system) system=1 ;;
        --user=*) users+=("$arg") ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown argument '$arg' (try --help)" ;;
    esac
done
[ "$purge" = 0 ] || [ "$action" = uninstall ] || die "--purge only goes with --uninstall"
[ "${#users[@]}" = 0 ] || [ "$system" = 1 ] || die "--user only goes with --system"
[ -n "${HOME:-}" ] || die "HOME is not set"
if [ "$system" = 1 ]; then
    [ "$(id -u)" = 0 ] || die "--system needs root (try: sudo $0 $*)"
    action="system_$action"
fi

# The real interpreter, not a pyenv/asdf shim: the hook command must keep working whatever
# the current directory's Python version file says. The system install needs one that only
# root can change (prempti-hook checks it).
if [ "$system" = 1 ]; then python_cmd=${PYTHON:-/usr/bin/python3}; else python_cmd=${PYTHON:-python3}; fi
command -v "$python_cmd" >/dev/null 2>&1 \
    || die "$python_cmd not found: install Python 3.9 or newer, or set PYTHON=/path/to/python3"
python=$("$python_cmd" -c 'import os, sys; print(os.path.realpath(sys.executable))') \
    || die "cannot run $python_cmd"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' \
    || die "$python is Python $("$python" -c 'import platform; print(platform.python_version())'), prempti-hook needs 3.9 or newer"

home=${PREMPTI_HOME:-$HOME/.prempti}
case "$home" in /*) ;; *) home="$PWD/$home" ;; esac
home=${home%/}
[ -n "$home" ] && [ "$home" != "${HOME%/}" ] || die "PREMPTI_HOME must be a folder of its own, not '${home:-/}'"
# The launcher extracts the installed zipapp into $PREMPTI_HOME/lib (see launcher.py).
export PREMPTI_HOME="$home"
installed="$home/bin/prempti-hook"
dist="$repo/dist/prempti-hook.pyz"
umask 077
shopt -s nullglob

build_id() {
    "$python" -c 'import json, sys, zipfile
print(json.loads(zipfile.ZipFile(sys.argv[1]).read("environment.json"))["build_id"])' "$1"
}

needs_build() {
    [ ! -f "$dist" ] && return 0
    [ -n "$(find "$repo/prempti_hook" "$repo/rules" "$repo/build_zipapp.py" \
        "$repo/pyproject.toml" -newer "$dist" -type f ! -name '*.pyc' -print -quit)" ]
}

install_files() {
    mkdir -p "$home" "$home/bin" "$home/rules" "$home/rules/user" "$home/lib"
    chmod 700 "$home" "$home/bin" "$home/rules" "$home/lib"

    # The zipapp: copy next to its place, then one rename (a running hook keeps its file).
    cp "$dist" "$installed.new.$$"
    chmod 700 "$installed.new.$$"
    mv -f "$installed.new.$$" "$installed"

    # Shipped rules: a fresh copy replaces rules/default/ as a whole (removed rules go too).
    local fresh="$home/rules/.default.new.$$" old="$home/rules/.default.old.$$"
    mkdir "$fresh"
    for rule in "$repo"/rules/*.yaml "$repo"/rules/*.yml; do
        cp "$rule" "$fresh/"
    done
    chmod -R go-rwx "$fresh"
    if [ -e "$home/rules/default" ]; then mv "$home/rules/default" "$old"; fi
    mv "$fresh" "$home/rules/default"
    rm -rf "$old"

    # Extractions of earlier builds are never used again (the build id differs): drop them.
    local id entry
    id=$(build_id "$installed")
    for entry in "$home"/lib/prempti-hook_* "$home"/lib/.prempti-hook_*_lock; do
        case "$entry" in
            "$home/lib/prempti-hook_$id" | "$home/lib/.prempti-hook_${id}_lock") ;;
            *) rm -rf -- "$entry" ;;
        esac
    done
}

# Pipe a sample tool call through the command exactly as Claude Code will run it.
prove() {
    local command sample out errors rc=0
    command=$("$python" -I -S "$installed" hook command)
    sample=$("$python" -c 'import json, os
print(json.dumps({"session_id": "prempti-install-check", "transcript_path": "",
                  "cwd": os.getcwd(), "permission_mode": "default",
                  "hook_event_name": "PreToolUse", "tool_name": "Bash",
                  "tool_input": {"command": "cat ~/.ssh/id_rsa",
                                 "description": "install.sh check"},
                  "tool_use_id": "toolu_prempti_install_check"}))')
    errors=$(mktemp)
    out=$(printf '%s\n' "$sample" | sh -c "$command" 2>"$errors") || rc=$?
    printf '%s' "$out" | "$python" -c '
import json, sys
rc = int(sys.argv[1])
text = sys.stdin.read().strip()
if rc != 0:
    errors = open(sys.argv[2], errors="replace").read().strip().replace("\n", " | ")
    sys.exit(f"the installed hook exited {rc} on a sample call (Claude Code blocks every tool call until this is fixed): {errors}")
if not text:
    print("  check: Bash `cat ~/.ssh/id_rsa` -> no decision (monitor mode?)")
    sys.exit(0)
try:
    output = json.loads(text)["hookSpecificOutput"]
    decision = output["permissionDecision"]
except (ValueError, KeyError, TypeError):
    sys.exit(f"the installed hook answered something that is not a verdict: {text[:200]!r}")
reason = output.get("permissionDecisionReason", "")
if reason.startswith("prempti-hook could not"):
    sys.exit(f"the installed hook cannot decide, so it blocks every tool call: {reason}")
print(f"  check: Bash `cat ~/.ssh/id_rsa` -> {decision}" + (f": {reason}" if reason else ""))
' "$rc" "$errors" || { rm -f "$errors"; die "the installation is in place but does not work; see above"; }
    rm -f "$errors"
}

do_install() {
    if needs_build; then
        echo "building $dist ..."
        "$python" "$repo/build_zipapp.py" --quiet || die "the build failed (see above)"
    fi
    install_files
    "$python" -I -S "$installed" install
    echo "prempti-hook $("$python" -I -S "$installed" --version | cut -d' ' -f2) installed in $home"
    prove
}

# The zipapp builds with the interpreter that runs the build (python3 on PATH, or
# BUILD_PYTHON); the system install then runs it with the root-owned interpreter.
build_if_needed() {
    if needs_build; then
        echo "building $dist ..."
        "${BUILD_PYTHON:-$python}" "$repo/build_zipapp.py" --quiet || die "the build failed (see above)"
    fi
}

do_system_install() {
    BUILD_PYTHON=${BUILD_PYTHON:-$(command -v python3 || echo "$python")} build_if_needed
    "$python" -I -S "$dist" install --system --python "$python" "${users[@]}" \
        || die "the system install failed (see above)"
}

do_system_uninstall() {
    local args=()
    [ "$purge" = 0 ] || args+=(--purge)
    if [ -f /opt/prempti-hook/bin/prempti-hook ]; then
        "$python" -I -S /opt/prempti-hook/bin/prempti-hook uninstall --system "${args[@]}"
    else
        PYTHONPATH="$repo" "$python" -m prempti_hook uninstall --system "${args[@]}"
    fi
}

do_uninstall() {
    # Unregister first: a registered hook whose files are gone blocks every tool call.
    # (Without the installed zipapp, the package in this checkout does it: nothing to extract.)
    if [ -f "$installed" ]; then
        "$python" -I -S "$installed" uninstall
    else
        PYTHONPATH="$repo" "$python" -m prempti_hook uninstall
    fi || die "could not unregister the hook; nothing else was removed"
    rm -rf -- "$home/bin" "$home/rules/default" "$home/cache" "$home/lib" "$home/install"
    if [ "$purge" = 1 ]; then
        rm -rf -- "$home/rules/user" "$home/log" "$home/config.yaml"
    fi
    rmdir -- "$home/rules/user" "$home/rules" "$home" 2>/dev/null || true
    if [ -d "$home" ]; then
        echo "prempti-hook uninstalled; kept in $home: $(cd "$home" && echo *)"
    else
        echo "prempti-hook uninstalled"
    fi
}

"do_$action"
