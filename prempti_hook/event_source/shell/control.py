"""Running the compound commands: `if`, `while`/`until`, `for`/`select`, `case`, `[[ ]]`,
`(( ))`, and shell functions (their definition, and each call of one). What may not run
(a later condition, a body, an `else`) runs with `st.cond` raised, so that what it assigns
or changes directory to adds alternatives rather than replacing them.

Apart from `evaluate` so that a command line without them (most) does not load them: the
evaluator imports this module the first time it meets one (see `Evaluator.run`).
"""

from __future__ import annotations

from .analysis import COMPUTED, MAX_ALTS
from .compound import ArithmeticCommand, Case, Conditional, For, If, Loop
from .expand import CMD, PLAIN
from .nodes import Arithmetic, FunctionDef
from .syntax import ARITH_TESTS, FILE_TESTS, plain_word

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis import Call, State
    from .evaluate import Evaluator


def run_if(ev: Evaluator, node: If, st: State, stdin: object) -> None:
    """The first condition surely runs; the other conditions and all bodies may."""
    redirected = ev.redirs(node.redirects, st)[0]
    stdin = stdin if redirected is None else redirected
    for index, clause in enumerate(node.clauses):
        st.cond += index > 0
        ev.run(clause.condition, st, stdin)
        st.cond += 1 - (index > 0)
        ev.run(clause.body, st, stdin)
        st.cond -= 1
    if node.else_body is not None:
        st.cond += 1
        ev.run(node.else_body, st, stdin)
        st.cond -= 1


def run_loop(ev: Evaluator, node: Loop, st: State, stdin: object) -> None:
    redirected = ev.redirs(node.redirects, st)[0]
    stdin = stdin if redirected is None else redirected
    st.cond += 1
    ev.run(node.condition, st, stdin)
    ev.run(node.body, st, stdin)
    st.cond -= 1


def run_for(ev: Evaluator, node: For, st: State, stdin: object) -> None:
    name, words = node.name, node.words
    redirected = ev.redirs(node.redirects, st)[0]
    stdin = stdin if redirected is None else redirected
    if words is None:
        values = ev.multi_values("@", st)
    else:
        values = []
        for word in words:
            for alt in ev.expand(word, st, CMD):
                values.extend(alt)
    st.cond += 1
    if name:
        if len(values) > MAX_ALTS:
            values = [*values[:MAX_ALTS - 1], COMPUTED]
        st.vars.pop(name, None)
        saved_cond = st.cond
        st.cond = 0
        ev.assign(st, name, False, values or [""])
        st.cond = saved_cond
    ev.run(node.body, st, stdin)
    st.cond -= 1


def run_case(ev: Evaluator, node: Case, st: State, stdin: object) -> None:
    ev.expand(node.subject, st, PLAIN)
    st.cond += 1
    for item in node.items:
        for pattern in item.patterns:
            ev.expand(pattern, st, PLAIN)
        ev.run(item.body, st, stdin)
    st.cond -= 1
    ev.redirs(node.redirects, st)


def run_cond(ev: Evaluator, node: Conditional, st: State, _stdin: object) -> None:
    words = node.words
    operators = [plain_word(word) for word in words]
    for index, word in enumerate(words):
        texts = [" ".join(alt) for alt in ev.expand(word, st, PLAIN)]
        previous = operators[index - 1] if index else None
        following = operators[index + 1] if index + 1 < len(words) else None
        if previous in FILE_TESTS:
            ev.mentioning = True  # `[[ -f ~/.ssh/id_rsa ]]` reads nothing
            for text in texts:
                ev.path(text, st)
            ev.mentioning = False
        if previous == "-v":
            for text in texts:
                ev.name_text(text, st)
        # `[[ A -eq B ]]` evaluates both operands as arithmetic expressions.
        if previous in ARITH_TESTS or following in ARITH_TESTS:
            for text in texts:
                ev.arith_text(text, st)
    ev.redirs(node.redirects, st)


def run_arithmetic(ev: Evaluator, node: ArithmeticCommand, st: State, _stdin: object) -> None:
    ev.expand([Arithmetic(node.parts, False)], st, PLAIN)
    ev.redirs(node.redirects, st)


def define_function(ev: Evaluator, node: FunctionDef, st: State, _stdin: object) -> None:
    name, body = node.name, node.body
    if not name:
        return
    st.funcs[name] = body
    # Analyse the body once now (arguments unknown), so its programs are seen even if
    # the call is hidden; each call analyses it again with the real arguments.
    inner = st.copy()
    inner.positional = None
    ev.calls.add(name)
    try:
        ev.run(body, inner, None)
    finally:
        ev.calls.discard(name)


def call_function(ev: Evaluator, call: Call, name: str) -> None:
    if name in ev.calls:
        return
    inner = call.st
    saved = inner.positional
    inner.positional = list(call.argv[1:])
    ev.calls.add(name)
    ev.ctx.enter()
    try:
        ev.run(inner.funcs[name], inner, call.stdin)
    finally:
        ev.ctx.leave()
        ev.calls.discard(name)
        inner.positional = saved


# How `Evaluator.run` runs each kind of compound node.
RUNNERS = {
    If: run_if,
    Loop: run_loop,
    For: run_for,
    Case: run_case,
    FunctionDef: define_function,
    Conditional: run_cond,
    ArithmeticCommand: run_arithmetic,
}
