"""The condition compiler: section D vectors, libsinsp's compile-time messages and
warnings, constants per field type, RE2 syntax, index analysis, and the safety and
robustness of the generated code."""

from __future__ import annotations

import re

import pytest
from mockfields import AGENT_TABLE, VECTOR_TABLE, MockEvent
from vectors import params

from prempti_hook.falco import ast as A
from prempti_hook.falco import runtime as rt
from prempti_hook.falco.codegen import compile_condition, compile_value
from prempti_hook.falco.errors import CompileError, ParseError
from prempti_hook.falco.fields import FieldTable
from prempti_hook.falco.parser import parse
from prempti_hook.falco.re2 import translate_re2

# Section D cases this suite does not run, with the reason. Everything else must pass.
D_SKIPS = {
    "C0302": "the vector has no `input`: upstream builds this filter from a long literal "
             "(sinsp_filter_compiler.complex_filter) that was not transcribed; "
             "test_complex_filter_compiles compiles a filter of the same shape",
}


def _compile(text: str, table=VECTOR_TABLE):
    return compile_condition(parse(text), table)


@pytest.mark.parametrize("case", params("D_compile"))
def test_compile_vectors(case):
    if case["id"] in D_SKIPS:
        pytest.skip(D_SKIPS[case["id"]])
    if case["expect"] == "compile_ok":
        condition = _compile(case["input"])
        if "expect_warning_count" in case:
            assert len(condition.warnings) == case["expect_warning_count"], condition.warnings
    else:
        assert case["expect"] == "compile_error"
        with pytest.raises((ParseError, CompileError)) as caught:
            _compile(case["input"])
        if "error" in case:
            assert caught.value.message == case["error"]


def test_complex_filter_compiles():
    text = ("((evt.type = open or evt.type = openat) and evt.is_io = true and fd.num >= 0) "
            "and (fd.filename in (.bashrc, .profile, .zshrc) or fd.name in (/etc/profile) "
            "or fd.directory in (/etc/zsh)) and not proc.name in (bash, sh, zsh) "
            "and not (proc.name = exe and (proc.exe contains \"/var/lib\" or "
            "proc.exe contains '/run') and proc.cwd in (/, /root))")
    condition = _compile(text)
    assert condition(MockEvent({"evt.type": "open", "evt.is_io": True, "fd.num": 3,
                                "fd.filename": ".zshrc", "proc.name": "vim"}))
    assert not condition(MockEvent({"evt.type": "open", "evt.is_io": True, "fd.num": 3,
                                    "fd.filename": ".zshrc", "proc.name": "zsh"}))


# ---------------------------------------------------------------------------------------
# Compile errors (libsinsp's messages)
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ("proc.nobody = x", "filter_check called with nonexistent field proc.nobody"),
    ("evt.around = 1", "filter_check called with nonexistent field evt.around"),
    ("fd.name[0] = 1", "filter_check called with nonexistent field fd.name[0]"),
    ("some_macro", "filter error: unexpected identifier 'some_macro'"),
    ("fd.name = a and not other_macro", "filter error: unexpected identifier 'other_macro'"),
    ("fd.types contains x", "filter error: 'contains' operator not supported list filters"),
    ("fd.types = x", "filter error: '=' operator not supported list filters"),
    ("fd.types == x", "filter error: '=' operator not supported list filters"),
    ("evt.num contains 1", "filter error: 'contains' operator not supported for numeric "
                           "filters"),
    ("evt.is_io contains true", "filter error: 'contains' operator not supported for "
                                "numeric filters"),
    ("evt.buffer icontains x", "filter error: 'icontains' operator not supported for buffer "
                               "filters"),
    ("fd.ip glob x", "filter error: 'glob' operator not supported for ip address and "
                     "network filters"),
    ("fd.name bcontains 00", "filter error: 'bcontains' operator not supported for string "
                             "filters"),
    ("len(fd.name) contains 1", "filter error: 'contains' operator not supported for "
                                "numeric filters"),
    ("evt.is_io = yes", "filter error: unrecognized boolean value yes"),
    ("evt.is_io = True", "filter error: unrecognized boolean value True"),
    ("evt.num = 0x10", "0x10 is not a valid number"),
    ("evt.num = 1.5", "1.5 is not a valid number"),
    ("evt.num = 1e+3", "1e+3 is not a valid number"),
    ('evt.num = "5 "', "5  is not a valid number"),
    ("thread.cpu = 1.0", "1.0 is not a valid number"),
    ("fd.ip = 300.1.1.1", "unrecognized IPv4 address 300.1.1.1"),
    ("fd.ip = ::g", "unrecognized IPv6 address ::g"),
    ("fd.net = 10.0.0.0/33", "invalid netmask 33"),
    ("fd.net = 10.0.0.0", "unrecognized IP network 10.0.0.0"),
    ("fd.port = no-such-service-xyz", "unrecognized protocol no-such-service-xyz"),
    ("evt.buffer bcontains 6", "filter error: bcontains and bstartswith operator support hex "
                               "strings only"),
    ("evt.buffer bcontains '61 62'", "filter error: bcontains and bstartswith operator "
                                     "support hex strings only"),
    ("fd.name = \"a\\x00b\"", "filter error: filter value cannot contain a NUL byte (\\x00)"),
    ("fd.name pmatch val(proc.name)", "operator 'PMATCH' doesn't support right-hand side "
                                      "fields"),
    ("fd.name regex val(proc.name)", "operator 'REGEX' doesn't support right-hand side "
                                     "fields"),
    ("fd.net = val(fd.net)", "field type 'IPNET' doesn't support right-hand side fields"),
    ("fd.ip = val(fd.sip)", "field 'fd.ip' doesn't support right-hand side fields"),
    ("fd.sip = val(fd.ip)", "field 'fd.ip' can't be used as a right-hand side field"),
    ("evt.num = val(evt.count)", "field 'evt.num' has type 'UINT64' while the right-hand "
                                 "side field 'evt.count' has incompatible type 'UINT32'"),
    ("fd.name in val(fd.types)", "field 'fd.name' has type 'CHARBUF' while the right-hand "
                                 "side field 'fd.types' has incompatible type "
                                 "'CHARBUF (list)'"),
    ("b64(evt.num) = x", "can't add field transformer: type 'UINT64' is not supported by "
                         "'b64' transformer applied on field 'evt.num'"),
    ("len(evt.num) > 1", "can't add field transformer: type 'UINT64' is not supported by "
                         "'len' transformer applied on field 'evt.num'"),
    ("tolower(len(fd.name)) = 1", "can't add field transformer: type 'UINT64' is not "
                                  "supported by 'tolower' transformer applied on field "
                                  "'fd.name'"),
    ("toupper(evt.rawarg.res) = 1", "field 'evt.rawarg.res' does not support transformers"),
    ("toupper(fd.name)[x] = foo", "filter error: transformer 'toupper' does not support "
                                  "field arguments"),
    ('concat(evt.num, "a") = x', "concat() arguments must be strings"),
    ('join("-", fd.name) = x', "join() second argument must be a list"),
    ('getopt(fd.types, "ab")[xy] = x', "getopt() field argument must be a single option "
                                       "character"),
])
def test_compile_errors(text, message):
    with pytest.raises(CompileError) as caught:
        _compile(text)
    assert caught.value.message == message


@pytest.mark.parametrize(("node", "message"), [
    (A.BinaryCheck(A.Transformer("val", (A.FieldRef("fd.name"),)), "=", A.Value("x")),
     "filter error: the 'val' transformer can only wrap a right-hand side field"),
    (A.BinaryCheck(A.Value("x"), "=", A.Value("x")),
     "filter error: missing field in left-hand of binary check"),
    (A.BinaryCheck(A.FieldRef("fd.name"), "=", A.Identifier("a_list")),
     "filter error: unexpected identifier 'a_list'"),
    (A.BinaryCheck(A.FieldRef("fd.name"), "~=", A.Value("x")),
     "unrecognized filter comparison operator '~='"),
    (A.BinaryCheck(A.FieldRef("fd.name"), "= someof", A.ListValue(("x",))),
     "unrecognized filter comparison operator '= someof'"),
    (A.UnaryCheck(A.FieldRef("fd.name"), "missing"),
     "unrecognized filter comparison operator 'missing'"),
])
def test_compile_errors_for_hand_built_trees(node, message):
    with pytest.raises(CompileError) as caught:
        compile_condition(node, VECTOR_TABLE)
    assert caught.value.message == message


def test_values_longer_than_libsinsp_storage_are_rejected():
    compile_condition(A.BinaryCheck(A.FieldRef("fd.name"), "=", A.Value("é" * 127 + "x")),
                      VECTOR_TABLE)  # 255 bytes: the maximum
    with pytest.raises(CompileError, match="filter parameter too long"):
        compile_condition(A.BinaryCheck(A.FieldRef("fd.name"), "=", A.Value("é" * 128)),
                          VECTOR_TABLE)


# ---------------------------------------------------------------------------------------
# Warnings
# ---------------------------------------------------------------------------------------

def test_warning_texts():
    assert _compile("evt.source = evt.plugininfo").warnings == [
        "'evt.plugininfo' may be a valid field misused as a const string value"]
    assert _compile("evt.source = 'evt.plugin info'").warnings == [
        "'evt.plugin info' may be a valid field misused as a const string value"]
    assert _compile("evt.source = 'basename(x)'").warnings == [
        "'basename(x)' may be a valid field transformer misused as a const string value"]
    assert _compile("evt.source regex '^syscall$'").warnings == [
        "regex check with '^syscall$' may be optimized with simpler operators such as '=', "
        "'contains', 'startswith', 'endswith'"]


def test_warnings_cover_every_list_value_and_not_fields():
    warnings = _compile("evt.source in (fd.name, proc.name, plain)").warnings
    assert len(warnings) == 2
    assert _compile("evt.source = val(evt.plugininfo)").warnings == []
    assert _compile("evt.source = tolower(evt.plugininfo)").warnings == []
    assert _compile("evt.source = unknown.field").warnings == []


# ---------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("evt.cpu = 70000", 70000 - 65536),         # INT16: read as long, truncated
    ("evt.num = -1", 2**64 - 1),                # UINT64: strtoul wraps a negative
    ("evt.count = -1", 2**32 - 1),
    ("proc.pid = 99999999999999999999", 2**63 - 1),  # INT64: strtol clamps
    ('evt.num = " 42"', 42),                    # sscanf skips leading blanks
    ("evt.num = +7", 7),
    ("evt.is_io = false", False),
    ("thread.cpu = 3", 3.0),
    ("fd.port = 443", 443),
])
def test_numeric_and_bool_constants(text, value):
    field = text.split()[0]
    assert _compile(text)(MockEvent({field: value}))


def test_port_service_names_and_ip_constants():
    import socket

    try:
        ssh = socket.getservbyname("ssh")
    except OSError:
        pytest.skip("no ssh entry in this machine's services database")
    assert _compile("fd.port = ssh")(MockEvent({"fd.port": ssh}))
    v4 = socket.inet_pton(socket.AF_INET, "10.1.2.3")
    assert _compile("fd.net = 10.0.0.0/8")(MockEvent({"fd.net": v4}))
    assert _compile("fd.net != 2001:db8::/32")(MockEvent({"fd.net": v4}))
    assert _compile("fd.sip in (10.1.2.3, ::1)")(MockEvent({"fd.sip": v4}))


# ---------------------------------------------------------------------------------------
# regex: RE2 POSIX syntax
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", params("G2_regex"))
def test_regex_vectors(case):
    node = A.BinaryCheck(A.FieldRef("fd.name"), "regex", A.Value(case["pattern"]))
    if case.get("expect") == "compile_error":
        with pytest.raises(CompileError) as caught:
            compile_condition(node, VECTOR_TABLE)
        assert caught.value.message == case["error"]
    else:
        condition = compile_condition(node, VECTOR_TABLE)
        assert condition(MockEvent({"fd.name": case["value"]})) is case["expect_match"]


@pytest.mark.parametrize(("pattern", "error"), [
    ("(?i)abc", "no argument for repetition operator: ?"),
    ("*a", "no argument for repetition operator: *"),
    ("a|+", "no argument for repetition operator: +"),
    ("{2}", "no argument for repetition operator: {2}"),
    ("[a", "missing ]: [a"),
    ("x[^]", "missing ]: [^]"),
    ("(a", "missing ): (a"),
    ("a)", "unexpected ): a)"),
    ("a\\", "trailing \\"),
    ("a{2,1}", "invalid repetition size: {2,1}"),
    ("a{1001}", "invalid repetition size: {1001}"),
    ("(a{100}){100}", "invalid repetition size: {100}"),
    ("[z-a]", "invalid character class range: z-a"),
    ("[a-b-c]", "invalid character class range: -c"),
    ("[[:foo:]]", "invalid character class range: [:foo:]"),
    ("\\8", "invalid escape sequence: \\8"),
    ("\\xZ1", "invalid escape sequence: \\xZ1"),
    ("\\x{}", "invalid escape sequence: \\x{}"),
    ("\\é", "invalid escape sequence: \\é"),
    ("\\Aa", "invalid escape sequence: \\A"),
    ("a\udcff", "invalid UTF-8"),
])
def test_re2_syntax_errors(pattern, error):
    with pytest.raises(CompileError) as caught:
        translate_re2(pattern)
    assert caught.value.message == f"invalid regex pattern: {error}"


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("a**", "aaa", True),           # stacked repetitions are fine in POSIX mode
    ("a*?", "aaa", True),           # (a*)? -- no non-greedy operators
    ("a{,2}", "a{,2}", True),       # not a repetition: literal text
    ("x{2}", "xx", True),
    ("x{2,}", "xxxx", True),
    (".", "\n", False),
    ("[^a]", "\n", True),
    ("a$\nb", "a\nb", True),        # ^ and $ match at line breaks (one_line is off)
    ("[[:^digit:]]", "x", True),
    ("[[:^digit:]]", "5", False),
    ("[[:word:]]+", "a_1", True),
    ("\\x{263a}", "☺", True),
    ("\\101", "A", True),           # octal
    ("\\_\\.\\-", "_.-", True),
    ("[]a]", "]", True),
    ("()", "", True),
    ("a||b", "", True),
    ("é.", "éé", True),
])
def test_re2_semantics(pattern, value, expected):
    assert rt.Regex(pattern, translate_re2(pattern)).match(value) is expected


# ---------------------------------------------------------------------------------------
# Index analysis and field lists
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("tool.name = Bash", {"Bash"}),
    ("tool.name == Bash", {"Bash"}),
    ("tool.name in (Read, Write)", {"Read", "Write"}),
    ("tool.name intersects (Read)", {"Read"}),
    ("tool.name == anyof (A, B)", {"A", "B"}),
    ("tool.name = oneof (A, B)", {"A", "B"}),
    ("tool.name = Bash and tool.input_command contains x", {"Bash"}),
    ("tool.name = Bash or tool.name = Read", {"Bash", "Read"}),
    ("tool.name in (A, B) and tool.name in (B, C)", {"B"}),
    ("tool.name = A and tool.name = B", set()),
    ("(tool.name = A or tool.name = B) and not tool.input_command contains x", {"A", "B"}),
    ("tool.name = Bash or tool.input_command contains x", None),
    ("not tool.name = Bash", None),
    ("tool.name != Bash", None),
    ("tolower(tool.name) = bash", None),
    ("tool.name = val(tool.file_name)", None),
    ("tool.name startswith mcp__", None),
    ("tool.name exists", None),
])
def test_index_values(text, expected):
    index = _compile(text, AGENT_TABLE).index_values
    assert (None if index is None else set(index)) == expected


def test_no_index_without_an_index_field():
    table = FieldTable("plain", AGENT_TABLE.fields.values())
    assert _compile("tool.name = Bash", table).index_values is None


def test_fields_lists_every_key_read():
    condition = _compile("tool.input[/a] = x and basename(tool.file_path) = y "
                         "and tool.name = val(agent.cwd) and tool.input exists", AGENT_TABLE)
    assert condition.fields == {"tool.input[/a]", "tool.file_path", "tool.name", "agent.cwd",
                                "tool.input"}


# ---------------------------------------------------------------------------------------
# Generated code: safe, robust, complete
# ---------------------------------------------------------------------------------------

_ALLOWED_TOKENS = re.compile(
    r"_c\d+|_h\d+|\b(?:e|v|w|and|or|not|is|None|in|False|True|_lower|_bytes|_glob|"
    r"_compile_glob|_in_net|_in_any|_all_in|_any_in|_set|startswith|endswith|match|raw|"
    r"issuperset|isdisjoint)\b|:=|==|!=|<=|>=|[<>()\[\].,+ ]|\d+")


def test_rule_text_never_becomes_python():
    hostile = "x'); __import__('os').system('touch /tmp/pwned') #\""
    node = A.Or((
        A.BinaryCheck(A.FieldRef("tool.input", hostile), "=", A.Value(hostile)),
        A.BinaryCheck(A.FieldRef("tool.name"), "in", A.ListValue((hostile, "a\nb"))),
        A.BinaryCheck(A.FieldRef("tool.input_command"), "contains anyof",
                      A.ListValue((hostile, "__builtins__"))),
        A.BinaryCheck(A.FieldRef("tool.file_path"), "glob", A.Value("*" + hostile)),
    ))
    condition = compile_condition(node, AGENT_TABLE)
    for code in (condition.expr, *condition.helpers):
        assert _ALLOWED_TOKENS.sub("", code) == "", code
    assert condition(MockEvent({f"tool.input[{hostile}]": hostile}))
    assert condition(MockEvent({"tool.input_command": "echo __builtins__"}))
    assert not condition(MockEvent({"tool.name": "Bash"}))


def _reference(root, event) -> bool:
    """An iterative tree evaluator for the deep-nesting test (=, and, or, not only)."""
    results: dict[int, bool] = {}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        children = (node.children if isinstance(node, (A.And, A.Or))
                    else (node.child,) if isinstance(node, A.Not) else ())
        if children and not expanded:
            stack.append((node, True))
            stack.extend((c, False) for c in children)
            continue
        if isinstance(node, A.And):
            results[id(node)] = all(results[id(c)] for c in children)
        elif isinstance(node, A.Or):
            results[id(node)] = any(results[id(c)] for c in children)
        elif isinstance(node, A.Not):
            results[id(node)] = not results[id(node.child)]
        else:
            results[id(node)] = event.get(node.left.name) == node.right.value
    return results[id(root)]


def _deep(depth: int):
    node = A.BinaryCheck(A.FieldRef("tool.name"), "=", A.Value("leaf"))
    for level in range(depth):
        check = A.BinaryCheck(A.FieldRef("tool.input_command"), "=", A.Value(f"c{level}"))
        if level % 3 == 0:
            node = A.And((A.Not(check), node))
        elif level % 3 == 1:
            node = A.Or((check, node))
        else:
            node = A.Not(A.Not(A.And((node, A.Not(check)))))
    return node


@pytest.mark.parametrize("depth", [5, 200, 1200])
def test_deep_nesting_compiles_and_evaluates(depth):
    node = _deep(depth)
    condition = compile_condition(node, AGENT_TABLE)
    if depth > 100:
        assert condition.helpers  # split into helper functions
    for event in ({"tool.name": "leaf"}, {"tool.name": "leaf", "tool.input_command": "c1"},
                  {"tool.name": "x", "tool.input_command": "c4"}, {}):
        assert condition(MockEvent(event)) is _reference(node, event)


def test_huge_lists():
    values = tuple(f"needle{i}" for i in range(4000))
    anyof = compile_condition(A.BinaryCheck(A.FieldRef("tool.input_command"), "contains anyof",
                                            A.ListValue(values)), AGENT_TABLE)
    assert anyof(MockEvent({"tool.input_command": "x needle3999 y"}))
    assert not anyof(MockEvent({"tool.input_command": "needle"}))
    member = compile_condition(A.BinaryCheck(A.FieldRef("tool.name"), "in",
                                             A.ListValue(values * 5)), AGENT_TABLE)
    assert member(MockEvent({"tool.name": "needle17"}))
    assert len(member.consts) == 2  # the key and one frozenset


def test_constants_are_shared_not_repeated():
    condition = _compile("fd.name = a or fd.name = a or fd.name contains a")
    assert condition.consts.count("a") == 1
    assert condition.consts.count("fd.name") == 1


# ---------------------------------------------------------------------------------------
# compile_value (output tokens)
# ---------------------------------------------------------------------------------------

def test_compile_value_fields_and_transformers():
    name = compile_value(A.FieldRef("fd.name"), VECTOR_TABLE)
    assert (name.type, name.is_list) == ("CHARBUF", False)
    assert name.extract(MockEvent({"fd.name": "/x"})) == ["/x"]
    assert name.extract(MockEvent({})) is None
    types = compile_value(parse("toupper(fd.types) exists").left, VECTOR_TABLE)
    assert (types.type, types.is_list) == ("CHARBUF", True)
    assert types.extract(MockEvent({"fd.types": ("a", "b")})) == ["A", "B"]
    length = compile_value(parse("len(fd.types) exists").left, VECTOR_TABLE)
    assert (length.type, length.is_list) == ("UINT64", False)
    assert length.extract(MockEvent({"fd.types": ("a", "b")})) == [2]
    opt = compile_value(parse('getopt(fd.types, "t:")[t] exists').left, VECTOR_TABLE)
    assert (opt.type, opt.is_list) == ("CHARBUF", False)
    assert opt.extract(MockEvent({"fd.types": ("-t", "v")})) == ["v"]
    assert opt.extract(MockEvent({"fd.types": ("-x",)})) is None


def test_compile_value_errors():
    with pytest.raises(CompileError, match=r"nonexistent field nope\.x"):
        compile_value(A.FieldRef("nope.x"), VECTOR_TABLE)
    with pytest.raises(CompileError):
        compile_value(A.Transformer("val", (A.FieldRef("fd.name"),)), VECTOR_TABLE)


@pytest.mark.parametrize(("text", "extractions"), [
    ("tool.input_command contains a or tool.input_command contains b", 1),
    ("tool.input_command contains a and tool.input_command endswith b", 1),
    ("tool.input_command contains a or tool.name = x or tool.input_command contains b", 2),
    ("tool.input_command contains a or (tool.input_command contains b)", 1),
])
def test_neighbouring_checks_of_one_field_extract_it_once(text, extractions):
    """Same truth value as one check per field, for every value and a missing field."""
    condition = _compile(text, AGENT_TABLE)
    assert condition.expr.count(":=") == extractions
    separate = [_compile(part, AGENT_TABLE) for part in
                re.split(r" (?:and|or) \(?", text.replace(")", ""))]
    joined = all if " and " in text else any
    for command in ("a", "b", "xab", "xb", "ba", "", None):
        for name in ("x", "y"):
            event = MockEvent({"tool.input_command": command, "tool.name": name})
            assert condition(event) == joined(c(event) for c in separate)
