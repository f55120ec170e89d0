"""The hot-path helpers: glob (vectors G + glibc as an oracle), pmatch (vectors H),
transformers, byte/case semantics, and the import budget of the runtime module."""

from __future__ import annotations

import ctypes
import ctypes.util
import locale
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vectors import params

from prempti_hook.falco import runtime as rt
from prempti_hook.falco.glob import Glob

REPO = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------------------------------
# glob / iglob
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", params("G_glob"))
def test_glob_vectors(case):
    assert Glob(case["pattern"]).match(case["value"]) is case["glob_expect"]
    assert Glob(case["pattern"], fold=True).match(case["value"]) is case["iglob_expect"]


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("", "", True),
    ("", "a", False),
    ("*", "", True),
    ("a*b*c", "aXbYc", True),
    ("a*b*c", "aXcYb", False),
    ("*ab*ab*", "xabyab", True),
    ("*ab*ab*", "xab", False),
    ("[]]", "]", True),           # ] first in a bracket is literal
    ("[!]]", "a", True),
    ("[a-]", "-", True),          # - last is literal
    ("[abc", "[abc", True),       # unterminated bracket: [ is a literal
    ("a\\", "a\\", False),        # trailing backslash never matches
    ("a\\", "a", False),
    ("[[:digit:]]x", "7x", True),
    ("[[:nosuch:]]", "a", False),  # invalid class name: no match at all
    ("[\\]]", "]", True),
    ("?", "\udcff", True),        # one raw byte
    ("?", "é", False),            # é is two bytes in UTF-8 (C-locale fnmatch)
    ("??", "é", True),
    ("/tmp/*", "/tmp/a\x00b", True),  # NUL is just a byte, never an end
    # malformed brackets, as glibc 2.36 reads them (where a `[` ends depends on the
    # character tried against it; these go through the port of glibc's own loop)
    ("[[", "[[", True),
    ("[a-z[:alpha:]", "b", False),
    ("[.[\\^a-z\udcff-[=a=]*", "[\udcffB", False),
])
def test_glob_edges(pattern, value, expected):
    assert Glob(pattern).match(value) is expected


def test_iglob_tests_classes_against_the_unfolded_character():
    # glibc: [:upper:] under FNM_CASEFOLD still means "an upper-case character"
    assert Glob("[[:upper:]]", fold=True).match("A")
    assert not Glob("[[:upper:]]", fold=True).match("a")
    assert Glob("[![:upper:]]", fold=True).match("x")


def test_iglob_folds_ascii_only():
    assert Glob("*.SH", fold=True).match("run.sh")
    assert Glob("[A-Z]*", fold=True).match("abc")
    assert not Glob("É*", fold=True).match("é")
    assert not Glob("*é", fold=True).match("É")


def test_glob_long_values_take_the_regex_path_and_agree():
    pattern = Glob("*[a-z][a-z][0-9]?*")
    long_no = "a" * 10_000
    long_yes = long_no + "ab1!" + "a" * 10
    assert not pattern.match(long_no)
    assert pattern.match(long_yes)
    assert pattern.match(long_yes[-30:])  # the short path on the same shape


_LIBC = ctypes.util.find_library("c")
_GLOB_ALPHABET = ["a", "b", "A", "B", "é", "\udcff", "/", ".", "-", "x", "0", "[", "]"]
_PATTERN_TOKENS = [
    *_GLOB_ALPHABET, "*", "?", "!", "^", "\\", ":", "a-z", "[:alpha:]", "[:upper:]",
    "[:lower:]", "[=a=]", "[.a.]", "[:", ":]", "[.", "=]", "-]", "\\]", "[!", "[^"]


@pytest.mark.skipif(_LIBC is None or not sys.platform.startswith("linux"),
                    reason="glibc's fnmatch is the oracle")
@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_PATTERN_TOKENS), max_size=8).map("".join),
       st.lists(st.sampled_from(_GLOB_ALPHABET), max_size=8).map("".join),
       st.booleans())
def test_glob_agrees_with_glibc_fnmatch(pattern, value, fold):
    libc = ctypes.CDLL(_LIBC)
    libc.fnmatch.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
    saved = locale.setlocale(locale.LC_ALL)
    locale.setlocale(locale.LC_ALL, "C")
    try:
        expected = libc.fnmatch(rt.to_bytes(pattern), rt.to_bytes(value), 16 if fold else 0)
    finally:
        locale.setlocale(locale.LC_ALL, saved)
    assert Glob(pattern, fold=fold).match(value) is (expected == 0)


# ---------------------------------------------------------------------------------------
# pmatch
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", params("H_pmatch"))
def test_pmatch_vectors(case):
    assert rt.PathPrefixes(case["search_paths"]).match(case["path"]) is case["expect_match"]


@pytest.mark.parametrize(("paths", "value", "expected"), [
    (["/var/run"], "/var/running", False),
    (["/var/run/"], "/var//run///x", True),   # empty components are skipped
    (["tmp/x"], "/tmp/x/y", True),            # relative paths behave as absolute
    ([], "/etc", False),
    (["/"], "", True),
    (["/opt/*/bin"], "/opt/a/b/bin", False),  # a glob matches one component only
    (["/opt/a*", "/opt/b*/c"], "/opt/bee/c/d", True),
    (["/usr", "/usr/lib"], "/usr/share", True),
])
def test_pmatch_edges(paths, value, expected):
    assert rt.PathPrefixes(paths).match(value) is expected


# ---------------------------------------------------------------------------------------
# Bytes, case folding, transformers
# ---------------------------------------------------------------------------------------

def test_ascii_case_folding_leaves_non_ascii_alone():
    assert rt.ascii_lower("ÉCOLE Ok") == "École ok"
    assert rt.ascii_upper("straße é") == "STRAßE é"
    assert rt.ascii_lower("İ") == "İ"  # str.lower() would turn it into two characters


def test_lower_once_remembers_only_the_same_object():
    big = "ÉA" * 1000
    other = "".join(["ÉA"] * 1000)  # equal, but another object
    assert rt.lower_once(big) == "Éa" * 1000
    assert rt.lower_once(big) is rt.lower_once(big)
    assert rt.lower_once(other) == "Éa" * 1000
    assert rt.lower_once("X\udcff") == "x\udcff"
    assert rt.lower_once(big) == "Éa" * 1000


def test_to_bytes_never_fails():
    assert rt.to_bytes("a\udcffb") == b"a\xffb"
    assert rt.to_bytes("\ud800") == "\ud800".encode("utf-8", "surrogatepass")
    assert rt.byte_len("é\udcff") == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("aGVsbG8=", "hello"), ("aGVsbG8", "hello"), ("aw==", "k"), ("aw", "k"),
    ("a===", None), ("a", None), ("aGV sbG8", None), ("", ""), ("aGVs=bG8", None),
])
def test_b64_decode_without_padding(text, expected):
    assert rt.b64_decode(text) == expected


def test_b64_keeps_bytes_for_bytebuf():
    assert rt.b64_decode(b"AAE=") == b"\x00\x01"


def test_transforms_apply_to_each_list_element():
    assert rt.TRANSFORMS["toupper"](("a", "b")) == ("A", "B")
    assert rt.TRANSFORMS["basename"](("/a/b", "c/", "/")) == ("b", "", "")
    assert rt.TRANSFORMS["b64"](("aw==", "!")) is None  # one bad element fails it all
    assert rt.TRANSFORMS["len"](("x", "y", "z")) == 3
    assert rt.TRANSFORMS["len"]("é") == 2
    assert rt.TRANSFORMS["len"](b"\x00\x00") == 2


@pytest.mark.parametrize(("argv", "optstring", "selector", "expected"), [
    (["-n", "-x"], "n", None, ("n", "?")),
    (["-t"], "t:", None, ("",)),
    (["-t"], "t:", "t", ""),
    (["-a"], "t:", "t", None),
    (["-t", "v1", "-t", "v2"], "t:", "t", "v2"),
    (["--long", "-n"], "n", None, ("n",)),
    (["-n", "--", "-t"], "nt", None, ("n",)),
    (["file", "-n"], "n", None, ()),
    (["-:"], ":t", None, ("?",)),
])
def test_getopt_scan(argv, optstring, selector, expected):
    from prempti_hook.falco.getopt import getopt_scan

    assert getopt_scan(argv, optstring, selector) == expected


def test_value_expr_extract_lists_and_missing():
    field = rt.ValueExpr(rt.FieldValue("a.b"), "CHARBUF", False)
    assert field.extract({"a.b": "x"}) == ["x"]
    assert field.extract({"a.b": None}) is None
    listed = rt.ValueExpr(rt.FieldValue("a.l"), "CHARBUF", True)
    assert listed.extract({"a.l": ("x", "y")}) == ["x", "y"]


def test_regex_compiles_lazily():
    rx = rt.Regex("a.c", "(?m)a.c")
    assert rx._compiled is None
    assert rx.match("abc") and not rx.match("abcd")
    assert rx._compiled is not None


# ---------------------------------------------------------------------------------------
# Import budget: the runtime is imported by every hook call
# ---------------------------------------------------------------------------------------

def test_runtime_imports_nothing_heavy():
    code = ("import sys; import prempti_hook.falco.runtime, prempti_hook.falco.ruleset; "
            "heavy = {'re', 'typing', 'dataclasses', 'enum', 'json', 'pickle', 'yaml', "
            "'pyparsing', 'base64', 'binascii', 'socket'}; "
            "print(sorted(heavy & set(sys.modules)))")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-S", "-c", code], env=env, cwd=REPO,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
