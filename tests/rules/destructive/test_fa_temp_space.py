"""False alarm removed: writes and deletes inside the user's temp space (/tmp/<x>,
$TMPDIR/<x>, /var/tmp/<x>) are allowed; /tmp itself, other users' files there and running
code from there keep their rules."""

from __future__ import annotations

import os
import sys

import pytest

from prempti_hook.event_source.places import Places
from prempti_hook.event_source.shell import MAX_FIELDS

ALLOWS = [
    "rm -rf /tmp/agent-build && mkdir -p /tmp/agent-build && cp -r src /tmp/agent-build/",
    "mktemp -d /tmp/migrate.XXXXXX",
    "rm -rf /var/tmp/playwright-traces",
    "dd if=/dev/urandom of=/tmp/blob.bin bs=1M count=2",
    "mkdir -p /tmp/rel && tar -xzf release.tgz -C /tmp/rel",
    "git clone --depth 1 https://github.com/example/repo /tmp/repo-ref",
    "pg_dump app_dev > /tmp/app_dev.sql",
    "truncate -s 0 /tmp/dev-server.log",
    "cd /tmp/repro-7 && rm -rf ./*",
    "rm -rf \"$TMPDIR/vitest\"",
    "echo hi > \"$TMPDIR\"/notes.txt",
]


@pytest.mark.parametrize("command", ALLOWS)
def test_temp_space_is_the_agents_scratch_space(verdict, command):
    result = verdict(command, env={"TMPDIR": "/var/tmp"})
    assert result == "allow", (result.rules, result.places)


def test_writing_a_file_in_tmp_is_allowed(verdict):
    result = verdict({"file_path": "/tmp/agent-notes/plan.md", "content": "# plan\n"},
                     tool="Write")
    assert result == "allow", result.rules


@pytest.mark.parametrize("command", ["rm -rf /var/tmp", "rm -rf /var/tmp/*", "chmod 777 /var/tmp"])
def test_temp_folders_themselves_keep_their_rules(verdict, command):
    assert verdict(command) == "ask"


@pytest.mark.parametrize("command", ["rm -rf /tmp", "rm -rf /tmp/*", "chmod 777 /tmp"])
def test_tmp_itself_is_never_scratch_space(verdict, command):
    # Asked; denied outright when the interpreter running the checks lives under /tmp (a
    # checkout there: its folders are the hook's own, see prempti.interpreter_paths), unless
    # /tmp holds more entries than the analysis looks at: then `/tmp/*` is too complex to
    # know (asked), and the checkout may be among the entries it did not look at.
    ours_in_tmp = any(p == "/tmp" or p.startswith("/tmp/") for p in [sys.executable, *sys.path])
    seen_whole = "*" not in command or len(os.listdir("/tmp")) <= MAX_FIELDS
    result = verdict(command)
    if not ours_in_tmp:
        assert result == "ask", result.rules
    elif seen_whole:
        assert result == "deny" and "Deny changes to prempti-hook files" in result.rules
    else:  # never allowed: denied if the checkout is among the entries looked at
        assert result in ("deny", "ask"), result.rules


def test_running_code_from_temp_keeps_its_rules(verdict):
    assert verdict("bash /tmp/x/install.sh") in ("ask", "deny")
    assert verdict("/tmp/x/tool --sync") in ("ask", "deny")


def test_tmpdir_pointed_at_home_is_not_temp_space(verdict):
    assert verdict('TMPDIR=~; rm -rf "$TMPDIR"/*') == "deny"
    # an environment whose TMPDIR is the home folder does not make home scratch space
    assert verdict("rm -rf ~/Downloads/data", env={"TMPDIR": "{home}"}) == "ask"


def test_other_users_files_in_tmp_are_not_the_users(tmp_path, monkeypatch):
    (tmp_path / "p").mkdir()
    places = Places(str(tmp_path / "p"), str(tmp_path), {})
    assert places.of_write("/tmp/nobody-has-this-name-41") == "temp"
    existing = [e for e in os.scandir("/tmp")][:1]
    if not existing:
        os.mkdir("/tmp/prempti-test-owned")
        existing = [e for e in os.scandir("/tmp")][:1]
    # seen as another user: the owner of every existing file differs from us
    monkeypatch.setattr(os, "getuid", lambda: 2 ** 31 - 7)
    assert places.of_write("/tmp/" + existing[0].name + "/x") == "temp_root"
    assert places.of_delete("/tmp/" + existing[0].name, "many") == ["temp_root"]


# Class: a temp entry named partly by a variable the hook does not see (it is not set in the
# hook's environment, which the agent's shell shares) is still an entry of the temp folder:
# the shell analysis records the write as the folder, the delete analysis judges the entry.
@pytest.mark.parametrize("command", [
    "rm -rf /var/tmp/jest-cache-$LOGNAME",
    "rm -rf /var/tmp/ci-build-$CI_PIPELINE_ID/out",
    'rm -rf "/var/tmp/playwright-$RUN_ID" && mkdir -p "/var/tmp/playwright-$RUN_ID"',
])
def test_a_temp_entry_named_by_an_unseen_variable_is_temp_space(verdict, command):
    # (/var/tmp: a checkout under /tmp makes /tmp a folder of the hook's own interpreter)
    result = verdict(command)
    assert result == "allow", (result.rules, result.places)


@pytest.mark.parametrize("command", [
    "rm -rf /tmp/$WORKDIR",                # empty: /tmp itself
    "rm -rf /tmp/cache-$(cat name.txt)",   # program output may hold ../
    "rm -rf /tmp/cache-$RUN/../..",
    "rm -rf /tmp/cache-$RUN ~/Documents/old",
    "rm -rf /tmp/cache-$RUN; mv ~/notes /tmp/",
])
def test_run_time_temp_names_that_can_reach_further_still_ask(verdict, command):
    result = verdict(command)
    assert result in ("ask", "deny"), (result.rules, result.places)
