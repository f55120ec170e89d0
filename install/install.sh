#!/usr/bin/env bash
# Install prempti-hook for the current user, or remove it.
#
#   install/install.sh                       build the zipapp if needed, install it into
#                                            $PREMPTI_HOME (default ~/.prempti), put the
#                                            `prempti-hook` command in ~/.local/bin (or
#                                            $XDG_BIN_HOME), register the hook in
#                                            ~/.claude/settings.json, prove it works
#   install/install.sh --agent NAME ...      register it with these agents instead (claude,
#                                            codex, gemini, copilot; repeat --agent for more)
#   install/install.sh --uninstall           unregister the hook from every agent, remove the
#                                            installed files and the command; keep
#                                            rules/user/, config.yaml and the logs
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
# /usr/bin/python3 with --system), PREMPTI_HOME, HOME, XDG_BIN_HOME (where the command goes),
# CLAUDE_CONFIG_DIR (moves ~/.claude), CODEX_HOME, GEMINI_CLI_HOME, COPILOT_HOME. Safe to run
# again. Uninstalling the per-user install asks you to type a code (only a person may switch
# the guard off).
set -euo pipefail

die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
# A command line that cannot be run: exit 2, as every prempti-hook command does.
usage_error() { printf 'install.sh: %s (see install/install.sh --help)\n' "$*" >&2; exit 2; }
usage() { sed -n '2,27s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
action=install
purge=0
system=0
users=()
agents=()
while [ $# -gt 0 ]; do
    case "$1" in
        --uninstall) action=uninstall ;;
        --purge) purge=1 ;;
        --system) system=1 ;;
        --user=*) users+=("$1") ;;
        --agent) [ $# -ge 2 ] || usage_error "--agent needs a name (claude, codex, gemini, copilot)"
                 agents+=("$2"); shift ;;
        --agent=*) agents+=("${1#--agent=}") ;;
        -h|--help) usage; exit 0 ;;
        *) usage_error "unknown argument '$1'" ;;
    esac
    shift
done
for agent in ${agents[@]+"${agents[@]}"}; do
    case "$agent" in
        claude|claude_code|claude-code|codex|gemini|copilot) ;;
        *) usage_error "unknown agent '$agent' (claude, codex, gemini or copilot)" ;;
    esac
done
[ "${#agents[@]}" -gt 0 ] || agents=(claude)
[ "$action" = install ] || [ "${#agents[@]}" = 1 ] || usage_error "--uninstall removes the hook from every agent; it takes no --agent"
[ "$purge" = 0 ] || [ "$action" = uninstall ] || usage_error "--purge only goes with --uninstall"
[ "${#users[@]}" = 0 ] || [ "$system" = 1 ] || usage_error "--user only goes with --system"
[ -n "${HOME:-}" ] || die "HOME is not set"
if [ "$system" = 1 ]; then
    [ "$(id -u)" = 0 ] || die "--system needs root (try: sudo $0 --system)"
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

# Pipe a sample tool call, in the agent's own JSON, through the command exactly as the agent
# will run it, and check that the answer is that agent's deny.
prove() {
    local agent=$1 command sample out errors rc=0
    command=$("$python" -I -S "$installed" hook command "$agent")
    sample=$("$python" -c '
import json, os, sys
agent, cwd = sys.argv[1], os.getcwd()
command = {"command": "cat ~/.ssh/id_rsa", "description": "install.sh check"}
if agent == "gemini":
    call = {"session_id": "prempti-install-check", "transcript_path": "", "cwd": cwd,
            "hook_event_name": "BeforeTool", "timestamp": "", "tool_name": "run_shell_command",
            "tool_input": command}
elif agent == "copilot":
    call = {"sessionId": "prempti-install-check", "timestamp": 0, "cwd": cwd,
            "toolName": "bash", "toolArgs": command}
else:
    call = {"session_id": "prempti-install-check", "transcript_path": "", "cwd": cwd,
            "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": command, "tool_use_id": "toolu_prempti_install_check"}
print(json.dumps(call))' "$agent")
    errors=$(mktemp)
    out=$(printf '%s\n' "$sample" | sh -c "$command" 2>"$errors") || rc=$?
    printf '%s' "$out" | "$python" -c '
import json, sys
agent, rc = sys.argv[1], int(sys.argv[2])
label = "" if agent.startswith("claude") else f" ({agent})"
tool = {"gemini": "run_shell_command", "copilot": "bash"}.get(agent, "Bash")
text = sys.stdin.read().strip()
if rc != 0:
    errors = open(sys.argv[3], errors="replace").read().strip().replace("\n", " | ")
    sys.exit(f"the installed hook exited {rc} on a sample {agent} call (the agent blocks every tool call until this is fixed): {errors}")
if not text:
    print(f"  check{label}: {tool} `cat ~/.ssh/id_rsa` -> no decision (monitor mode?)")
    sys.exit(0)
try:
    output = json.loads(text)
    if agent == "gemini":
        decision, reason = output["decision"], output.get("reason", "")
    elif agent == "copilot":
        decision, reason = output["permissionDecision"], output.get("permissionDecisionReason", "")
    else:
        output = output["hookSpecificOutput"]
        decision, reason = output["permissionDecision"], output.get("permissionDecisionReason", "")
except (ValueError, KeyError, TypeError):
    sys.exit(f"the installed hook answered something that is not a verdict: {text[:200]!r}")
if reason.startswith("prempti-hook could not"):
    sys.exit(f"the installed hook cannot decide, so it blocks every tool call: {reason}")
print(f"  check{label}: {tool} `cat ~/.ssh/id_rsa` -> {decision}" + (f": {reason}" if reason else ""))
' "$agent" "$rc" "$errors" || { rm -f "$errors"; die "the installation is in place but does not work; see above"; }
    rm -f "$errors"
}

# The `prempti-hook` command: a small launcher in ~/.local/bin (or $XDG_BIN_HOME) that runs
# the installed zipapp the way the hook command does (this interpreter, isolated, this
# PREMPTI_HOME). It is ours when it holds LAUNCHER_MARK; one that is not is never replaced
# or removed. $home/install/launcher records where it went and the folders made for it.
LAUNCHER_MARK="# prempti-hook launcher, written by install/install.sh (--uninstall removes it)"
launcher_record="$home/install/launcher"
bin_dir=${XDG_BIN_HOME:-$HOME/.local/bin}
case "$bin_dir" in /*) ;; *) bin_dir="$PWD/$bin_dir" ;; esac
bin_dir=${bin_dir%/}
launcher="$bin_dir/prempti-hook"

is_our_launcher() {
    [ -f "$1" ] && [ ! -L "$1" ] && [ "$(sed -n 2p "$1" 2>/dev/null)" = "$LAUNCHER_MARK" ]
}

install_launcher() {
    if [ -e "$launcher" ] || [ -L "$launcher" ]; then
        if ! is_our_launcher "$launcher"; then
            echo "install.sh: $launcher exists and is not ours: left alone (run $installed through $python -I -S instead)" >&2
            return 0
        fi
    fi
    local made=() folder=$bin_dir
    while [ -n "$folder" ] && [ ! -e "$folder" ]; do
        made=("$folder" ${made[@]+"${made[@]}"})
        folder=${folder%/*}
    done
    mkdir -p "$bin_dir" || { echo "install.sh: cannot make $bin_dir: no prempti-hook command" >&2; return 0; }
    local quoted_home quoted_python quoted_zipapp
    quoted_home=$(printf '%q' "$home")
    quoted_python=$(printf '%q' "$python")
    quoted_zipapp=$(printf '%q' "$installed")
    printf '#!/bin/sh\n%s\nPREMPTI_HOME=%s exec %s -I -S %s "$@"\n' "$LAUNCHER_MARK" \
        "$quoted_home" "$quoted_python" "$quoted_zipapp" > "$launcher.new.$$"
    chmod 755 "$launcher.new.$$"
    mv -f "$launcher.new.$$" "$launcher"
    mkdir -p "$home/install"
    chmod 700 "$home/install"
    {   # the folders made by an earlier install stay recorded
        printf '%s\n' "$launcher"
        [ ! -f "$launcher_record" ] || tail -n +2 "$launcher_record"
        [ "${#made[@]}" = 0 ] || printf '%s\n' "${made[@]}"
    } > "$launcher_record.new.$$"
    mv -f "$launcher_record.new.$$" "$launcher_record"
}

remove_launcher() {
    [ -f "$launcher_record" ] || return 0
    local recorded folder
    recorded=$(head -n 1 "$launcher_record")
    if is_our_launcher "$recorded"; then
        rm -f -- "$recorded"
    elif [ -e "$recorded" ]; then
        echo "install.sh: $recorded is no longer ours: left alone" >&2
    fi
    # The folders made for it (recorded outermost first), innermost first, while empty.
    local folders=() i
    while IFS= read -r folder; do folders+=("$folder"); done < <(tail -n +2 "$launcher_record")
    for ((i = ${#folders[@]} - 1; i >= 0; i--)); do
        rmdir -- "${folders[i]}" 2>/dev/null || break
    done
    rm -f -- "$launcher_record"
}

# What to try next, and how to reach the command when its folder is not on PATH.
next_steps() {
    local run="prempti-hook"
    if ! is_our_launcher "$launcher"; then
        run="$python -I -S $installed"
        [ "$home" = "$HOME/.prempti" ] || run="PREMPTI_HOME=$home $run"
    else
        case ":$PATH:" in
            *":$bin_dir:"*) ;;
            *)
                echo "$bin_dir is not on your PATH: add this line to your shell's startup file (~/.bashrc, ~/.zshrc or ~/.profile) and open a new shell"
                # shellcheck disable=SC2016
                case "$bin_dir" in
                    "$HOME"/*) printf '  export PATH="$HOME/%s:$PATH"\n' "${bin_dir#"$HOME"/}" ;;
                    *) printf '  export PATH="%s:$PATH"\n' "$bin_dir" ;;
                esac
                echo "(until then, type $launcher for prempti-hook)"
                ;;
        esac
    fi
    echo "next:"
    printf '  %-37s %s\n' "$run status" "is the hook registered with each agent, and would it fire?" \
        "$run logs -f" "watch the verdicts while your agent works" \
        "$run explain bash 'rm -rf ~'" "why a call gets its verdict, rule by rule" \
        "$run --check" "check the rules (yours go in $home/rules/user/)" \
        "$run --help" "every command, setting and environment variable"
}

do_install() {
    if needs_build; then
        echo "building $dist ..."
        "$python" "$repo/build_zipapp.py" --quiet || die "the build failed (see above)"
    fi
    install_files
    local agent
    for agent in "${agents[@]}"; do
        case "$agent" in
            claude|claude_code|claude-code) "$python" -I -S "$installed" install ;;
            *) "$python" -I -S "$installed" hook add "$agent" ;;
        esac || exit 1  # the command said why, in one line
    done
    install_launcher
    echo "prempti-hook $("$python" -I -S "$installed" --version | cut -d' ' -f2) installed in $home"
    for agent in "${agents[@]}"; do
        prove "$agent"
    done
    next_steps
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
    "$python" -I -S "$dist" install --system --python "$python" ${users[@]+"${users[@]}"} \
        || die "the system install failed (see above)"
}

do_system_uninstall() {
    local args=()
    [ "$purge" = 0 ] || args+=(--purge)
    if [ -f /opt/prempti-hook/bin/prempti-hook ]; then
        "$python" -I -S /opt/prempti-hook/bin/prempti-hook uninstall --system ${args[@]+"${args[@]}"}
    else
        PYTHONPATH="$repo" "$python" -m prempti_hook uninstall --system ${args[@]+"${args[@]}"}
    fi
}

do_uninstall() {
    # Unregister first (from every agent): a registered hook whose files are gone blocks
    # every tool call.
    # (Without the installed zipapp, the package in this checkout does it: nothing to extract.)
    if [ -f "$installed" ]; then
        "$python" -I -S "$installed" uninstall
    else
        PYTHONPATH="$repo" "$python" -m prempti_hook uninstall
    fi || die "could not unregister the hook; nothing else was removed"
    remove_launcher
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
