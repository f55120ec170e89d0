"""`prempti-hook explain`: why a tool call gets its verdict, rule by rule, check by check.

The call is the agent's hook input on stdin (what the hook receives; `prempti-hook logs
--raw` and `replay --list` show past calls) or a short form as arguments:

    prempti-hook explain bash 'cat ~/.ssh/id_rsa'
    prempti-hook explain read ~/.aws/credentials
    prempti-hook explain write PATH [CONTENT]      edit PATH OLD NEW
    prempti-hook explain fetch URL                 mcp SERVER TOOL [ARGS_JSON]
    prempti-hook explain tool NAME [INPUT_JSON]

It is decided as the hook would decide it here (this user's home, the working directory,
the rules the hook loads unless --rules says otherwise), then explained: the fields the
candidate rules read, with their values; every candidate rule with its condition, each
check marked true or false (which macro, which list item matched), the exceptions that
applied; then the decision and why. Nothing is logged and nothing is cached.
"""

from __future__ import annotations

import os
import sys

from . import arguments

USAGE = """usage: prempti-hook explain [FORM ARGS... | -] [--rules PATH]... [--cwd DIR]
                            [--agent NAME] [--rule NAME] [--full] [--json]
       prempti-hook explain --fields

Explain the verdict for one tool call: the agent's hook input (JSON) on stdin, or a short
form: bash CMD | read PATH | write PATH [CONTENT] | edit PATH OLD NEW | fetch URL |
mcp SERVER TOOL [ARGS_JSON] | tool NAME [INPUT_JSON].
  --rules PATH   explain under these rules files or folders (repeatable) instead of the
                 rules the hook loads
  --cwd DIR      the call's working directory for a short form (default: this one)
  --agent NAME   the agent whose hook input is on stdin (default: claude_code)
  --rule NAME    show this rule's trace only (also when it is not a candidate)
  --full         unfold the macros of the rules that did not match too
  --fields       list every field rules can use, with its type and meaning
  --json         print the explanation as JSON"""

RESULT_WORDS = {True: "true ", False: "false", None: "error"}


class Options:
    def __init__(self) -> None:
        self.words: list[str] = []
        self.rules: list[str] = []
        self.cwd = ""
        self.agent = "claude_code"
        self.rule = ""
        self.as_json = False
        self.full = False
        self.fields = False


def parse_args(args: list[str]) -> Options:
    """Options, or arguments.UsageError. A short form's words are free text after its first
    word (`explain bash ls -la`); the options are recognised anywhere."""
    parsed = arguments.parse(args, flags=("--json", "--full", "--fields"),
                             valued=("--rules", "--cwd", "--agent", "--rule"),
                             operands=None, free_operands=True)
    opts = Options()
    opts.words = parsed.operands
    opts.rules = parsed.all("--rules")
    opts.cwd = parsed.value("--cwd", "")
    opts.agent = parsed.value("--agent", "claude_code")
    opts.rule = parsed.value("--rule", "")
    opts.as_json = parsed.flag("--json")
    opts.full = parsed.flag("--full")
    opts.fields = parsed.flag("--fields")
    return opts


def short_form(words: list[str]) -> tuple[str, object, object]:
    """(form, value, input) of a short form given as words."""
    import json

    form, rest = words[0], words[1:]
    arity = {"bash": (1, 1), "read": (1, 1), "fetch": (1, 1), "write": (1, 2), "edit": (3, 3),
             "mcp": (2, 3), "tool": (1, 2)}
    if form not in arity:
        raise arguments.UsageError(f"unknown call form {form!r} (bash, read, write, edit, "
                                   f"fetch, mcp, tool, or the hook input on stdin)")
    low, high = arity[form]
    if not low <= len(rest) <= high:
        raise arguments.UsageError(f"`{form}` takes {low}"
                                   f"{'' if low == high else f' to {high}'} argument(s)")
    if form in ("bash", "read", "fetch"):
        return form, rest[0], None
    if form == "write":
        return form, {"path": rest[0], "content": rest[1] if len(rest) > 1 else ""}, None
    if form == "edit":
        return form, {"path": rest[0], "old": rest[1], "new": rest[2]}, None
    try:
        data = json.loads(rest[-1]) if len(rest) == high else {}
    except ValueError as e:
        raise arguments.UsageError(f"`{form}` arguments are not valid JSON: {e}") from None
    if form == "mcp":
        return form, {"server": rest[0], "tool": rest[1], "args": data}, None
    return form, rest[0], data


def read_payload(opts: Options, cfg) -> dict:
    """The hook input to explain, from the words or stdin."""
    from ..offline.calls import payload

    if opts.words and opts.words != ["-"]:
        form, value, input_ = short_form(opts.words)
        cwd = opts.cwd or os.getcwd()
        return payload(form, value, cwd=cwd, extra_input=input_)
    from ..hook import UnreadableInput, read_stdin

    try:
        data = read_stdin(cfg.input_max_bytes, sys.stdin.fileno())
    except UnreadableInput as e:
        raise ValueError(str(e)) from None
    return data


# -- the explanation ------------------------------------------------------------------------

class Explanation:
    """Everything `explain` shows, computed once for both views."""

    def __init__(self, rules, event, decided, traces, candidates: list[str],
                 default_action: str, mode: str) -> None:
        self.rules = rules
        self.event = event
        self.decided = decided
        self.traces = traces  # rule name -> RuleTrace, in load order
        self.candidates = candidates
        self.default_action = default_action
        self.mode = mode

    def fields(self) -> dict:
        keys: dict[str, None] = {}
        for trace in self.traces.values():
            for key in trace.fields():
                keys.setdefault(key, None)
        return {key: self.event[key] for key in keys}

    def why(self) -> str:
        decided = self.decided
        matched = decided.matched_names
        others = [n for n in matched if n != decided.rule_name]
        also = f"; also matched: {', '.join(others)}" if others else ""
        if decided.verdict in ("deny", "ask") or (decided.verdict == "allow" and decided.rule):
            tag = f"coding_agent_{decided.verdict}"
            rank = {"deny": "deny wins over ask and allow",
                    "ask": "no deny rule matched, and ask wins over allow",
                    "allow": "no deny or ask rule matched"}[decided.verdict]
            return (f"'{decided.rule_name}' matched and is tagged {tag}; {rank} (the first "
                    f"such rule in load order gives the reason){also}")
        if decided.verdict == "allow":
            return (f"no deny, ask or allow rule matched, and default_action is allow{also}")
        return ("no deny, ask or allow rule matched: no decision, the agent's own permission "
                f"flow decides{also}")


def explain(payload: dict, opts: Options, cfg):
    from ..falco.trace import Tracer
    from ..offline.decide import decide, event_for
    from ..offline.rules import load, load_using_hook_cache

    rules = None if opts.rules else load_using_hook_cache(cfg)
    if rules is None:
        rules = load(opts.rules or None, cfg)
    event = event_for(payload, agent=opts.agent, home=cfg.user_home,
                      prempti_home=cfg.prempti_home, claude_dir=cfg.claude_dir)
    decided = decide(rules.ruleset, event, cfg.default_action)
    candidates = [rule.name for _, rule in rules.ruleset.candidates(event)]
    names = [opts.rule] if opts.rule else candidates
    tracer = Tracer(rules.result, rules.table)
    traces = {}
    for name in names:
        info = rules.info(name)
        if info is None:
            raise ValueError(f"no rule named {name!r} in the rules")
        traces[name] = tracer.trace_rule(info, event)
    return Explanation(rules, event, decided, traces, candidates, cfg.default_action, cfg.mode)


# -- text view --------------------------------------------------------------------------------

def _tree_lines(node, depth: int, out: list[str], expand_macros: bool) -> None:
    from ..falco.loader.results import one_line

    word = RESULT_WORDS[node.result]
    pad = "  " * depth
    label = f"macro {node.text}" if node.kind == "macro" else node.text
    folded = node.kind == "macro" and not expand_macros
    out.append(one_line(f"    {word}  {pad}{label}" + (" (...)" if folded else "")))
    if node.detail:
        out.append(one_line(f"           {pad}  = {node.detail}"))
    if folded:
        return
    for child in node.children:
        _tree_lines(child, depth + 1, out, expand_macros)


def _verdict_tag(rule) -> str:
    for verdict in ("deny", "ask", "allow"):
        if f"coding_agent_{verdict}" in rule.tags:
            return verdict
    return "log only"


def _rule_lines(ex: Explanation, name: str, trace, rule, full: bool) -> list[str]:
    from ..falco.loader.results import one_line

    really = name in ex.decided.matched_names
    tag = _verdict_tag(rule) if rule is not None else "?"
    state = "" if rule is None or rule.enabled else ", disabled"
    lines = ["", one_line(f"  [{'MATCH' if really else 'no match'}] {name}  ({tag}{state}, "
                          f"{ex.rules.where(name) or 'unknown place'})")]
    if name not in ex.candidates and rule is not None and rule.enabled:
        lines.append("    not a candidate: it never looks at this tool (tool.name index)")
    _tree_lines(trace.condition, 0, lines, full or really)
    for node in trace.exceptions:
        lines.append(one_line(f"    exception {node.text}: "
                              f"{'applied' if node.result else 'did not apply'}"))
        for child in node.children:
            _tree_lines(child, 1, lines, True)
    if trace.matched is not None and trace.matched != really and rule is not None \
            and rule.enabled and name in ex.candidates:
        lines.append("    (the trace and the compiled rule disagree: please report this)")
    return lines


def text_lines(ex: Explanation, full: bool = False) -> list[str]:
    """Call, decision and why; the fields the rules read; the matching rules in full; the
    other candidates with their macros folded (`--full` unfolds them)."""
    from ..falco.loader.results import one_line
    from ..falco.trace import show
    from ..offline.calls import describe

    event, decided = ex.event, ex.decided
    call = event.call
    lines = [one_line(f"call: {describe(call.tool_name, call.tool_input, 200)}"),
             one_line(f"  agent {call.agent}, cwd {event['agent.cwd'] or '(none)'} "
                      f"(resolved {event['agent.real_cwd']}), home {event.home}"),
             one_line(f"decision: {decided.verdict}"
                      + (f", by '{decided.rule_name}'" if decided.rule_name else "")),
             one_line(f"  why: {ex.why()}")]
    if decided.reason:
        lines.append(one_line(f"  the agent is told: {decided.reason}"))
    if ex.mode == "monitor" and decided.verdict != "none":
        lines.append("  mode is monitor: the hook logs this verdict and does not enforce it")
    fields = dict(sorted(ex.fields().items()))
    lines += ["", "fields the rules read:" if fields else "fields the rules read: none"]
    width = min(max((len(k) for k in fields), default=0), 32)
    lines.extend(one_line(f"  {key:<{width}}  {show(value)}") for key, value in fields.items())

    by_name = {r.name: r for r in ex.rules.ruleset.rules}
    matched = [n for n in ex.traces if n in ex.decided.matched_names]
    others = [n for n in ex.traces if n not in ex.decided.matched_names]
    lines += ["", f"rules: {len(ex.candidates)} of {len(by_name)} are candidates for "
                  f"tool.name {show(event['tool.name'])} (the others never look at this tool); "
                  f"{len(matched)} matched"]
    for name in matched + others:
        lines += _rule_lines(ex, name, ex.traces[name], by_name.get(name), full)
    if others and not full:
        lines += ["", "(macros of rules that did not match are folded: --full shows them)"]
    return lines


def as_json(ex: Explanation) -> dict:
    from ..falco.output import to_json_value

    call = ex.event.call
    by_name = {r.name: r for r in ex.rules.ruleset.rules}
    rules = []
    for name, trace in ex.traces.items():
        rule = by_name.get(name)
        rules.append({"rule": name, "where": ex.rules.where(name),
                      "verdict_tag": _verdict_tag(rule) if rule is not None else None,
                      "enabled": bool(rule is not None and rule.enabled),
                      "candidate": name in ex.candidates,
                      "matched": name in ex.decided.matched_names,
                      "condition": trace.condition.as_json(),
                      "exceptions": [e.as_json() for e in trace.exceptions]})
    return {"call": {"agent": call.agent, "tool_name": call.tool_name,
                     "tool_input": call.tool_input, "cwd": call.cwd},
            "fields": {k: to_json_value(v) for k, v in ex.fields().items()},
            "rules": rules,
            "decision": {"verdict": ex.decided.verdict, "rule": ex.decided.rule_name or None,
                         "matched": ex.decided.matched_names, "reason": ex.decided.reason,
                         "why": ex.why(), "mode": ex.mode}}


def field_lines() -> list[str]:
    """Every field rules can use: name (with `[arg]` when it takes one), type, meaning."""
    from ..event_source.fields import all_fields
    from ..falco.fields import ARG_NONE, ARG_REQUIRED

    lines = []
    for info in all_fields():
        name = info.name + ("[K]" if info.arg == ARG_REQUIRED else
                            "" if info.arg == ARG_NONE else ", " + info.name + "[K]")
        kind = ("list" if info.is_list else info.type.lower()).replace("charbuf", "string")
        lines.append(f"{name}  ({kind})  {info.desc}")
    return lines


@arguments.entry
def main(word: str, args: list[str]) -> int:
    from .. import config
    from ..offline.calls import CallError
    from ..offline.decide import DecideError
    from ..offline.rules import RulesError

    opts = parse_args(args)
    if opts.fields:
        print("\n".join(field_lines()))
        return 0
    cfg = config.load()
    if not opts.words and sys.stdin.isatty():
        raise arguments.UsageError("give a short form or pipe the hook input on stdin")
    try:
        payload = read_payload(opts, cfg)
        explanation = explain(payload, opts, cfg)
    except (ValueError, CallError, DecideError, RulesError) as e:
        print(f"prempti-hook explain: {e}", file=sys.stderr)
        return 1
    if opts.as_json:
        import json

        print(json.dumps(as_json(explanation), indent=2, default=str))
    else:
        print("\n".join(text_lines(explanation, opts.full)))
    return 0
