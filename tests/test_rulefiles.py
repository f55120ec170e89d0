from __future__ import annotations

from prempti_hook import config, rulefiles


def _cfg(tmp_path, **env):
    return config.load({"HOME": str(tmp_path), **env})


def test_default_then_user_files_sorted_skipping_hidden(tmp_path):
    home = tmp_path / ".prempti"
    (home / "rules" / "default").mkdir(parents=True)
    (home / "rules" / "user").mkdir(parents=True)
    for name in ("b.yaml", "a.yml", ".a.yaml.swp", ".hidden.yaml", "notes.txt"):
        (home / "rules" / "default" / name).write_text("")
    (home / "rules" / "user" / "z.yaml").write_text("")
    files = rulefiles.rules_files(_cfg(tmp_path))
    assert files == [str(home / "rules" / "default" / "a.yml"),
                     str(home / "rules" / "default" / "b.yaml"),
                     str(home / "rules" / "user" / "z.yaml")]


def test_embedded_rules_when_no_default_folder(tmp_path):
    files = rulefiles.rules_files(_cfg(tmp_path))
    embedded = rulefiles.embedded_rules_dir()
    assert all(f.startswith(embedded) for f in files)
    assert files == rulefiles.files_in(embedded)


def test_override_keeps_order_and_missing_paths(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "2.yaml").write_text("")
    (d / "1.yaml").write_text("")
    single = tmp_path / "x.yaml"
    single.write_text("")
    cfg = _cfg(tmp_path, PREMPTI_RULES=f"{single}:{d}:{tmp_path}/missing.yaml")
    assert rulefiles.rules_files(cfg) == [str(single), str(d / "1.yaml"), str(d / "2.yaml"),
                                          f"{tmp_path}/missing.yaml"]
