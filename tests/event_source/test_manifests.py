"""Manifests on disk (`event_source.manifests`): the host a pod or service is given, read by
lines the way manifests are written, block and flow style, and nothing from lookalikes."""

from __future__ import annotations

import os

import pytest

from prempti_hook.event_source.manifests import ManifestFacts, read_manifests, scan


def facts_of(text: str) -> ManifestFacts:
    facts = ManifestFacts()
    scan(text, facts)
    return facts


@pytest.mark.parametrize("text, privileges, host_paths", [
    ("spec:\n  hostPID: true\n  containers:\n  - name: a\n    securityContext:\n"
     "      privileged: true\n", ["host_pid", "privileged"], []),
    ("  volumes:\n  - name: root\n    hostPath:\n      path: /\n      type: Directory\n",
     [], ["/"]),
    ("  volumes:\n  - {name: etc, hostPath: {path: /etc, type: Directory}}\n", [], ["/etc"]),
    ("services:\n  agent:\n    pid: host\n    volumes:\n      - /:/rootfs:ro\n",
     ["host_pid"], ["/"]),
    ('services:\n  x:\n    volumes:\n      - "/var/run/docker.sock:/var/run/docker.sock"\n',
     [], ["/var/run/docker.sock"]),
])
def test_what_a_manifest_grants(text, privileges, host_paths):
    facts = facts_of(text)
    assert sorted(facts.privileges) == sorted(privileges)
    assert facts.host_paths == host_paths


@pytest.mark.parametrize("text", [
    "containers:\n- name: a\n  command:\n  - /bin/sh\n  - -c\n  - \"echo a:b\"\n",
    "volumes:\n- name: cache\n  emptyDir: {}\n- name: cfg\n  configMap: {name: app}\n",
    "securityContext:\n  privileged: false\n  runAsNonRoot: true\n",
    "# privileged: true is never needed here\nkind: Service\n",
])
def test_ordinary_manifests_grant_nothing(text):
    facts = facts_of(text)
    assert not facts.privileges and not facts.host_paths


def test_a_folder_is_read_for_its_manifests(tmp_path):
    (tmp_path / "a.yaml").write_text("spec:\n  hostNetwork: true\n")
    (tmp_path / "notes.txt").write_text("privileged: true\n")
    assert read_manifests([str(tmp_path)]).privileges == ["host_network"]


def test_a_fifo_is_never_opened(tmp_path):
    fifo = tmp_path / "pod.yaml"
    os.mkfifo(fifo)
    assert not read_manifests([str(fifo)]).privileges  # returns at once, nothing read
