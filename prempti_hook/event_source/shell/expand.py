"""Word expansion: how one word of the tree becomes the fields a command receives.

Parameters (`$x`, `${x:-d}`, `${x#p}`, `${!x}`...), `~`, brace expansion, command and
arithmetic substitution, IFS splitting and pathname expansion, in bash's order, over
alternative values (a variable set in both branches of an `if` has two). Also what a simple
command prints when that is known without running it (`$(echo x)`, `$(pwd)`).

`Expander` is a mixin of the evaluator (`evaluate.Evaluator`): expanding `$(...)` runs
commands and running commands expands words, so both halves work on one object. This
module is the expansion half, kept apart because it is a job of its own with its own rules.
"""

from __future__ import annotations

import os

from ..paths import resolve_expanded, user_home
from .analysis import (
    COMPUTED,
    INJECTION_VARS,
    MAX_ALTS,
    MAX_FIELDS,
    MAX_GLOB_SCAN,
    MAX_INPUT,
    NUMBER,
    PIPE,
    POSITIONAL,
    R_DYNAMIC_CODE,
    R_TOO_COMPLEX,
    UNSET,
    Input,
    has_marker,
    known_text,
)
from .nodes import (
    Arithmetic,
    CommandSubstitution,
    Literal,
    Parameter,
    Pipeline,
    ProcessSubstitution,
    Quoted,
    SimpleCommand,
)
from .parser import Parser
from .syntax import (
    GLOB_CHARS,
    NAME_CHARS,
    NAME_START,
    ansi_c,
    glob_escape,
    glob_match,
    glob_unescape,
    has_glob,
    is_name,
    strip_pattern,
    substitute,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis import Context, State
    from .evaluate import Evaluator
    from .nodes import Assignment, CommandList, WordPart


# expansion modes
CMD, ASSIGN, REDIR, PLAIN = 0, 1, 2, 3
# segment kinds while expanding a word
_LIT, _QUOTED, _EXPANDED, _BREAK = 0, 1, 2, 3
_NUMBER_VARS = frozenset({"RANDOM", "SRANDOM", "SECONDS", "LINENO", "BASHPID", "PPID", "UID",
                          "EUID", "EPOCHSECONDS", "EPOCHREALTIME", "SHLVL", "COLUMNS",
                          "LINES"})
_COMPUTED_VARS = frozenset({"REPLY", "BASH_COMMAND", "PIPESTATUS", "BASH_REMATCH",
                            "FUNCNAME", "OPTARG", "MAPFILE", "COPROC", "DIRSTACK"})
_DEFAULT_IFS = " \t\n"


def _ifs_split(text: str, ifs: str) -> tuple[bool, list[str], bool]:
    """(starts with a separator, words, ends with a separator)."""
    if ifs == _DEFAULT_IFS:
        words = text.replace("\t", " ").replace("\n", " ").split(" ")
        words = [w for w in words if w]
    else:
        words = []
        current: list[str] = []
        for char in text:
            if char in ifs:
                if current:
                    words.append("".join(current))
                    current = []
            else:
                current.append(char)
        if current:
            words.append("".join(current))
    return text[0] in ifs, words, text[-1] in ifs


class Expander:
    """The word-expansion half of the evaluator (see the module docstring).

    The evaluator provides `ctx`, `env`, `home`, `capture` (what `$(...)` bodies print, when
    known), `globbed` (the results of pathname expansion so far), `glob_sources` (where
    pathname expansion notes the pattern of each word it produced), `consumed` (above 0
    while a command's output feeds another), `reason`, `run` (to analyse `$(...)` and
    `<(...)` bodies) and `injection` (for assignments to variables that make programs run
    code).
    """

    # --- variables ------------------------------------------------------------------------
    def var_values(self, name: str, st: State) -> list[str]:
        """Alternatives for `$name` (not arrays, not special parameters)."""
        values = st.vars.get(name)
        if values is not None:
            return list(values)
        if name in st.arrays:
            items = st.arrays[name]
            return [items[0] if items else ""]
        if name == "PWD":
            return list(st.cwds)
        if name == "OLDPWD":
            return list(st.oldpwd)
        if name == "HOME":
            return [self.home]
        if name == "IFS":
            return [_DEFAULT_IFS]
        if name in _NUMBER_VARS:
            return [NUMBER]
        if name in _COMPUTED_VARS:
            return [COMPUTED]
        value = self.env.get(name)
        return [UNSET] if value is None else [value]

    def ifs(self, st: State) -> str:
        values = st.vars.get("IFS")
        if not values:
            return _DEFAULT_IFS
        return values[0] if not has_marker(values[0]) else _DEFAULT_IFS

    def assign(self, st: State, name: str, append: bool, values: list | tuple) -> None:
        if name in INJECTION_VARS and isinstance(values, list):
            self.injection(name, values, st)
        if name in self.integer_vars and isinstance(values, list):
            for value in values:
                self.arith_text(value, st)
        if isinstance(values, tuple):  # an array: ("array", fields)
            st.arrays[name] = list(values[1])
            st.vars.pop(name, None)
            return
        if append:
            old = self.var_values(name, st)
            self.ctx.grow(sum(len(a) + len(b) for a in old for b in values))
            values = [a + b for a in old for b in values]
        if st.cond:
            previous = st.vars.get(name)
            if previous is None and name not in st.arrays:
                previous = tuple(v for v in self.var_values(name, st) if v != UNSET)
            values = list(previous or ()) + [v for v in values if v not in (previous or ())]
        if len(values) > MAX_ALTS:
            values = values[:MAX_ALTS]
            self.reason(R_TOO_COMPLEX)
        st.vars[name] = tuple(values)
        st.arrays.pop(name, None)

    def assign_values(self, assignment: Assignment, st: State) -> list | tuple:
        """Alternative values of an assignment word (an array gives ("array", fields))."""
        if assignment.array is not None:
            fields: list[str] = []
            for word in assignment.array:
                for alt in self.expand(word, st, CMD):
                    fields.extend(alt)
            # `([key]=value ...)`: keep the values (lookups by key take them all)
            fields = [f.partition("]=")[2] if f.startswith("[") and "]=" in f else f
                      for f in fields]
            return ("array", fields)
        return [" ".join(alt) for alt in self.expand(assignment.value, st, ASSIGN)] or [""]

    # --- parameters -----------------------------------------------------------------------
    def param(self, part: Parameter, st: State) -> tuple[list, bool]:
        """(values, multi) for a parameter expansion: alternatives, or separate words when
        `multi`."""
        name, subscript = part.name, part.subscript
        if part.length:
            values = self.special(name, st) if subscript is None else [NUMBER]
            return [str(len(v)) if not has_marker(v) else NUMBER for v in values], False
        if subscript is not None and subscript not in ("@", "*"):
            self.arith_text(subscript, st)
        if part.indirect:
            target = self.var_values(name, st)
            if len(target) == 1 and is_name(target[0]):
                name = target[0]
            else:
                for text in target:
                    self.name_text(text, st)
                return [COMPUTED], False
        multi = False
        if name in ("@", "*") or subscript in ("@", "*"):
            items = self.multi_values(name, st)
            if name == "*" or subscript == "*":
                values = [self.ifs(st)[:1].join(items)]
            else:
                values, multi = items, True
        elif subscript is not None and name in st.arrays:
            items = st.arrays[name]
            if subscript.isdigit():
                index = int(subscript)
                values = [items[index] if index < len(items) else ""]
            else:
                values = list(items) or [""]
        else:
            values = self.special(name, st)
        if part.op is None:
            return values, multi
        return self.param_op(part, values, st), False

    def multi_values(self, name: str, st: State) -> list[str]:
        if name in ("@", "*"):
            if st.positional is None:
                return [POSITIONAL]
            return list(st.positional)
        if name in st.arrays:
            return list(st.arrays[name])
        return self.var_values(name, st)

    def special(self, name: str, st: State) -> list[str]:
        if name in self.secret_vars:  # `T=$(gh auth token); curl -H "...$T" URL`
            self.word_credentials.extend(self.secret_vars[name])
        if name in ("#", "?", "$", "!"):
            return [NUMBER]
        if name == "-":
            return [COMPUTED]
        if name == "0":
            return [st.arg0]
        if name.isdigit():
            if st.positional is None:
                return [POSITIONAL]
            index = int(name) - 1
            return [st.positional[index] if index < len(st.positional) else ""]
        return self.var_values(name, st)

    def word_text(self, parts: list | None, st: State) -> list[str]:
        """Alternatives of an operator's argument word (no splitting, no globbing)."""
        if not parts:
            return [""]
        return [" ".join(alt) for alt in self.expand(parts, st, PLAIN)] or [""]

    def param_op(self, part: Parameter, values: list, st: State) -> list[str]:
        """`${name op arg}` over each alternative value of `name`."""
        op, arg = part.op, part.arg
        out: list[str] = []
        for value in values:
            unset = value == UNSET
            empty = unset or value == ""
            if op in (":-", "-", ":=", "="):
                use_default = empty if op[0] == ":" else unset
                if use_default:
                    out.extend(self.word_text(arg, st))
                else:
                    out.append(value)
            elif op in (":+", "+"):
                use_alt = not empty if op[0] == ":" else not unset
                out.extend(self.word_text(arg, st) if use_alt else [""])
            elif op in (":?", "?"):
                out.append(value)
            elif op in ("#", "##", "%", "%%"):
                patterns = self.word_text(arg, st)
                for pattern in patterns:
                    out.append(strip_pattern(value, pattern, op))
            elif op[0] == "/":
                for pattern in self.word_text(arg, st):
                    for replacement in self.word_text(part.replacement, st):
                        self.ctx.grow(_substituted_size(value, pattern, replacement))
                        out.append(substitute(value, pattern, replacement, op))
            elif op in ("^^", ",,", "^", ","):
                self.ctx.grow(len(value))
                out.append(_case_converted(op, value))
            elif op == ":":
                spec = self.word_text(arg, st)[0]
                for piece in spec.split(":"):
                    self.arith_text(piece.strip(), st)
                out.append(_substring(value, spec))
            elif op == "@":
                transform = (self.word_text(arg, st) or [""])[0]
                out.append(self.transformed(transform, value, st))
            else:
                out.append(COMPUTED)
        return out[:MAX_ALTS] or [""]

    def transformed(self, transform: str, value: str, st: State) -> str:
        """`${name@E}`, `${name@U}`, `${name@L}`, `${name@P}`..."""
        self.ctx.grow(len(value))
        if transform == "P":
            self.expand_text(value, st)  # prompt expansion runs $(...)
        if transform == "E" and not has_marker(value):
            return ansi_c(value, 0, end_char="\x00")[0]
        if transform == "U":
            return value.upper()
        if transform == "L":
            return value.lower()
        return value

    # --- words ----------------------------------------------------------------------------
    def expand(self, word: list, st: State, mode: int) -> list[list[str]]:
        """Alternatives (usually one) of the list of fields a word expands to."""
        self.ctx.step()
        text = _plain_text(word)
        if text is not None:  # most words: one field, its text as written
            self.ctx.grow(len(text))
            return [[text]]
        if mode == CMD and any(type(p) is Literal and "{" in p.text for p in word):
            variants = _brace_expand(word, self.ctx)
        else:
            variants = [word]
        result: list[list[str]] = [[]]
        for variant in variants:
            result = self._combine(result, self.expand_one(variant, st, mode))
        return result

    def expand_one(self, word: list, st: State, mode: int) -> list[list[str]]:
        alternatives: list[list] = [[]]
        last = len(word) - 1
        for index, part in enumerate(word):
            alternatives = self._combine(
                alternatives, self.segments(part, st, mode, index, last, word))
        return [self.fields(segs, st, mode) for segs in alternatives]

    def _combine(self, alternatives: list[list], options: list[list]) -> list[list]:
        """Each alternative followed by each option (extended in place when there is one
        option, the usual case); at most MAX_ALTS of them."""
        if len(options) == 1:
            for alternative in alternatives:
                alternative.extend(options[0])
            return alternatives
        alternatives = [a + o for a in alternatives for o in options]
        if len(alternatives) > MAX_ALTS:
            alternatives = alternatives[:MAX_ALTS]
            self.reason(R_TOO_COMPLEX)
        return alternatives

    def segments(self, part: WordPart, st: State, mode: int, index: int, last: int,
                 word: list) -> list[list]:
        """Alternatives of the (text, kind) segments one part of a word expands to."""
        kind = type(part)
        if kind is Literal:
            return [self.literal_segments(part.text, st, mode, index, last, word)]
        if kind is Quoted:
            return [[(part.text, _QUOTED)]]
        if kind is Parameter:
            seg_kind = _QUOTED if part.quoted else _EXPANDED
            values, multi = self.param(part, st)
            if multi:
                segs: list = []
                for k, value in enumerate(values):
                    if k:
                        segs.append(("", _BREAK))
                    segs.append((value, seg_kind))
                return [segs]
            return [[(value, seg_kind)] for value in values] or [[("", seg_kind)]]
        if kind is CommandSubstitution:
            value = self.substitution(part.body, st)
            return [[(value, _QUOTED if part.quoted else _EXPANDED)]]
        if kind is Arithmetic:
            self.arithmetic(part.parts, st)
            return [[(NUMBER, _QUOTED if part.quoted else _EXPANDED)]]
        if kind is ProcessSubstitution:
            return [[(self.process_substitution(part, st), _QUOTED)]]
        return [[("", _QUOTED)]]

    def enter_substitution(self, body: CommandList) -> tuple:
        """Start analysing the body of a `$(...)` or `<(...)`: a fresh capture (when a single
        simple command may make its output known) and producer list; what to restore."""
        self.ctx.enter()
        saved = self.capture, self.producers, self.pipe_stage
        self.capture = [] if _single_simple(body) else None
        self.producers = []
        self.pipe_stage = None
        self.substitutions += 1
        self.consumed += 1  # the output goes into a word or a file name, not to the user
        return saved

    def leave_substitution(self, saved: tuple) -> None:
        """Undo `enter_substitution`, given what it returned."""
        self.capture, self.producers, self.pipe_stage = saved
        self.substitutions -= 1
        self.consumed -= 1
        self.ctx.leave()

    def process_substitution(self, part: ProcessSubstitution, st: State) -> str:
        """Analyse a `<(...)` or `>(...)`; the file name it becomes."""
        saved = self.enter_substitution(part.body)
        try:
            self.run(part.body, st.copy(), PIPE if part.direction == ">" else None)
            captured = self.capture
            self.word_producers.extend(self.producers[:MAX_ALTS])
        finally:
            self.leave_substitution(saved)
        if part.direction == "<" and captured and len(captured) == 1 and \
                _setup_generator(captured[0][0]):
            return "/dev/null"  # `source <(kubectl completion bash)`
        return "/dev/fd/63"

    def arithmetic(self, parts: list, st: State) -> None:
        """Analyse an arithmetic expression. Bash evaluates variables in it as expressions
        again, and `a[$(cmd)]` there runs cmd: a variable holding such text is code."""
        for sub in parts:
            if isinstance(sub, (CommandSubstitution, Arithmetic)):
                self.segments(sub, st, PLAIN, 0, 0, parts)
                continue
            if isinstance(sub, Parameter):
                values = [v for alt in self.expand([sub], st, PLAIN) for v in alt]
            elif isinstance(sub, Literal):
                values = [v for name in _identifiers(sub.text) for v in self.var_values(name, st)]
            else:
                continue
            for value in values:
                if "$(" in value or "`" in value or COMPUTED in value:
                    self.reason(R_DYNAMIC_CODE)
                if "$(" in value or "`" in value:
                    self.ctx.grow(min(len(value), MAX_INPUT))
                    sub = Parser(value[:MAX_INPUT] + "))", self.ctx)
                    self.ctx.enter()
                    inner = sub.read_arith()
                    if inner is not None:
                        self.arithmetic(inner, st)
                    self.ctx.leave()

    def arith_text(self, text: str, st: State) -> None:
        """Text that bash evaluates as an arithmetic expression at run time: `let`
        arguments, `[[ A -eq B ]]` operands, values of `declare -i` variables, array
        subscripts, `${x:offset}`. Its `$(...)` run and its names are evaluated again as
        expressions, so `let 'a[$(cmd)]'` runs cmd, and text known only at run time there
        is code."""
        if not text or text.isdigit():
            return
        if COMPUTED in text:
            self.reason(R_DYNAMIC_CODE)
        if "$" not in text and "`" not in text:
            self.arithmetic([Literal(text)], st)
            return
        self.ctx.grow(min(len(text), MAX_INPUT))
        self.ctx.enter()
        try:
            parts = Parser(text[:MAX_INPUT], self.ctx).parse_heredoc_body()
            self.arithmetic([Literal(p.text) if isinstance(p, Quoted) else p for p in parts], st)
        finally:
            self.ctx.leave()

    def name_text(self, text: str, st: State) -> None:
        """A variable name that bash looks up at run time (`printf -v NAME`, `read NAME`,
        `declare NAME=`, `unset`, `test -v`, `${!x}`, `declare -n`): the subscript of
        `name[subscript]` is evaluated, so a name known only at run time is code."""
        if COMPUTED in text:
            self.reason(R_DYNAMIC_CODE)
        bracket = text.find("[")
        if bracket >= 0:
            end = text.rfind("]")
            self.arith_text(text[bracket + 1:end if end > bracket else len(text)], st)

    def expand_text(self, text: str, st: State) -> None:
        """Text that bash expands again later, `$(...)` included (prompt strings such as
        `PS4`, `${x@P}`, `compgen -W`): analysed like a here-document body."""
        if "$" not in text and "`" not in text:
            return
        self.ctx.grow(min(len(text), MAX_INPUT))
        self.ctx.enter()
        try:
            parts = Parser(text[:MAX_INPUT], self.ctx).parse_heredoc_body()
            self.expand(parts, st, PLAIN)
        finally:
            self.ctx.leave()

    def literal_segments(self, text: str, st: State, mode: int, index: int, last: int,
                         word: list) -> list:
        if mode == ASSIGN:
            return self.assign_tildes(text, st, index == 0)
        if index != 0 or not text.startswith("~"):
            return [(text, _LIT)]
        slash = text.find("/")
        if slash < 0 and index != last:
            return [(text, _LIT)]
        prefix = text[1:] if slash < 0 else text[1:slash]
        home = self.tilde(prefix, st)
        if home is None:
            return [(text, _LIT)]
        rest = "" if slash < 0 else text[slash:]
        return [(home, _QUOTED), (rest, _LIT)]

    def assign_tildes(self, text: str, st: State, at_start: bool) -> list:
        """Tilde expansion in an assignment value: at its start and after each `:`."""
        if "~" not in text:
            return [(text, _LIT)]
        segs = []
        pieces = text.split(":")
        for k, piece in enumerate(pieces):
            if k:
                segs.append((":", _LIT))
            if piece.startswith("~") and (k or at_start):
                slash = piece.find("/")
                prefix = piece[1:] if slash < 0 else piece[1:slash]
                home = self.tilde(prefix, st)
                if home is not None:
                    segs.append((home, _QUOTED))
                    segs.append(("" if slash < 0 else piece[slash:], _LIT))
                    continue
            segs.append((piece, _LIT))
        return segs

    def tilde(self, prefix: str, st: State) -> str | None:
        if prefix == "":
            return self.var_values("HOME", st)[0]
        if prefix == "+":
            return st.cwds[0]
        if prefix == "-":
            return st.oldpwd[0]
        return user_home(prefix)

    def fields(self, segs: list, st: State, mode: int) -> list[str]:
        """Join segments into words: IFS splitting and pathname expansion (CMD mode)."""
        split = mode == CMD
        globbing = mode in (CMD, REDIR)
        ifs = self.ifs(st) if split else ""
        # The words built below hold (at most) the text of the segments again.
        if len(segs) == 1:
            self.ctx.grow(len(segs[0][0]))
        else:
            self.ctx.grow(sum([len(text) for text, _kind in segs]))
        out: list[str] = []
        current: list = []
        started = False

        def finish() -> None:
            nonlocal current, started
            if started:
                text = "".join(s for s, _k in current)
                matches = None
                if globbing and not has_marker(text) and any(
                        k != _QUOTED and any(c in GLOB_CHARS for c in s) for s, k in current):
                    pattern = "".join(s if k != _QUOTED else glob_escape(s)
                                      for s, k in current)
                    if has_glob(pattern):
                        matches = self.glob(pattern, st)
                        for match in matches:  # deletes are judged by the pattern
                            self.glob_sources[match] = pattern
                if matches:
                    out.extend(matches)
                else:
                    out.append(text)
            current = []
            started = False

        for text, kind in segs:
            if kind == _BREAK:
                finish()
            elif kind == _EXPANDED and split and text:
                lead, words, trail = _ifs_split(text, ifs)
                if not words:
                    finish()
                    continue
                if lead:
                    finish()
                for k, word in enumerate(words):
                    if k:
                        finish()
                    current.append((word, _EXPANDED))
                    started = True
                if trail:
                    finish()
            elif kind == _QUOTED or text:
                current.append((text, kind))
                started = True
        finish()
        if len(out) > 1:
            self.ctx.grow(0, len(out) - 1)
        if len(out) > MAX_FIELDS:
            self.reason(R_TOO_COMPLEX)
            del out[MAX_FIELDS:]
        return out

    def glob(self, pattern: str, st: State) -> list[str]:
        """Pathname expansion against the file system, bounded; [] when nothing matches.
        Each pattern is matched once per working directory of the analysis (a loop or a
        long script names `src/*.py` again and again; analysing changes no folder)."""
        key = (pattern, st.cwds[0])
        known = self.globbed.get(key)
        if known is None:
            before = R_TOO_COMPLEX in self.ctx.reasons
            matches = self.glob_uncached(pattern, st)
            # the scan limit reached by this pattern is reported again with its result
            known = self.globbed[key] = (matches, not before and R_TOO_COMPLEX in
                                         self.ctx.reasons)
        elif known[1]:
            self.reason(R_TOO_COMPLEX)
        return list(known[0])

    def glob_uncached(self, pattern: str, st: State) -> list[str]:
        cwd = st.cwds[0]
        if has_marker(cwd) and not pattern.startswith("/"):
            return []
        absolute = pattern.startswith("/")
        components = [c for c in pattern.split("/") if c]
        current = [("/" if absolute else "", "/" if absolute else cwd)]
        scanned = 0
        for index, component in enumerate(components):
            is_last = index == len(components) - 1
            if not has_glob(component):
                literal = glob_unescape(component)
                current = [(shown + literal + ("" if is_last else "/"),
                            real.rstrip("/") + "/" + literal) for shown, real in current]
                continue
            matched = []
            for shown, real in current:
                try:
                    with os.scandir(real) as entries:
                        for entry in entries:
                            scanned += 1
                            if scanned > MAX_GLOB_SCAN:
                                self.reason(R_TOO_COMPLEX)
                                break
                            name = entry.name
                            if name.startswith(".") and not component.startswith("."):
                                continue
                            if not glob_match(component, name):
                                continue
                            if not is_last:
                                try:
                                    if not entry.is_dir():
                                        continue
                                except OSError:
                                    continue
                            matched.append((shown + name + ("" if is_last else "/"),
                                            real.rstrip("/") + "/" + name))
                except (OSError, ValueError):
                    continue
            current = matched[:MAX_FIELDS]
            if not current:
                return []
        results = []
        for shown, real in current:
            try:
                if os.path.lexists(real):
                    results.append(shown.rstrip("/") if shown != "/" else shown)
            except (OSError, ValueError):
                continue
        return sorted(results)

    def substitution(self, body: CommandList, st: State) -> str:
        """Analyse a `$(...)`; its value when a simple command makes it known, else
        the COMPUTED marker."""
        saved = self.enter_substitution(body)
        piped = None
        try:
            pipeline = _single_pipeline(body)
            if pipeline is not None:  # `$(echo ... | base64 -d)`: its output may be known
                self.ctx.step()
                piped = self.run_pipeline(pipeline, st.copy(), None)
            else:
                self.run(body, st.copy(), None)
            captured = self.capture
            self.word_producers.extend(self.producers[:MAX_ALTS])
        finally:
            self.leave_substitution(saved)
        if isinstance(piped, Input):
            return piped.value.rstrip("\n")
        if captured and len(captured) == 1:
            value = static_output(captured[0], self)
            if value is not None:
                return value.rstrip("\n")
            if _setup_generator(captured[0][0]):
                return ""  # `eval "$(pyenv init -)"`: well-known shell setup, see shell_setup
        return COMPUTED


# --- helpers of the expander ------------------------------------------------------------

def _plain_text(word: list) -> str | None:
    """The one field a word expands to in every mode when nothing in it expands: only
    literal and quoted text, no unquoted `{` (braces), `~` (tilde) or `*?[` (patterns);
    else None. Such words are most words, and need none of the machinery below."""
    if len(word) == 1:
        part = word[0]
        kind = type(part)
        if kind is Quoted:
            return part.text
        if kind is not Literal:
            return None
        text = part.text
        if not text or "{" in text or "~" in text or "*" in text or "?" in text \
                or "[" in text:
            return None
        return text
    if not word:
        return None
    for part in word:
        kind = type(part)
        if kind is Literal:
            text = part.text
            if not text or "{" in text or "~" in text or "*" in text or "?" in text \
                    or "[" in text:
                return None
        elif kind is not Quoted:
            return None
    return "".join([part.text for part in word])


def _setup_generator(argv: list) -> bool:
    """Well-known generated shell setup (`pyenv init -`): see shell_setup (loaded only
    for a command substitution whose output is not known)."""
    from .shell_setup import setup_generator

    return setup_generator(argv)


def _identifiers(text: str) -> list[str]:
    """Variable names in an arithmetic expression's literal text."""
    names = []
    current: list[str] = []
    for char in text + " ":
        if char in NAME_CHARS:
            current.append(char)
        else:
            if current and current[0] in NAME_START:
                names.append("".join(current))
            current = []
    return names


def _single_pipeline(body: CommandList) -> list | None:
    """The commands of a body that is one pipeline of simple commands, else None."""
    items = body.items
    if len(items) != 1 or not isinstance(items[0].command, Pipeline):
        return None
    commands = items[0].command.commands
    return commands if all(isinstance(c, SimpleCommand) for c in commands) else None


def _single_simple(body: CommandList) -> bool:
    items = body.items
    return len(items) == 1 and isinstance(items[0].command, SimpleCommand)


def _brace_expand(word: list, ctx: Context) -> list[list]:
    """Bash brace expansion (`a{b,c}d`, `{1..3}`) over the unquoted characters of a word."""
    tokens: list = []
    for part in word:
        if isinstance(part, Literal):
            tokens.extend(part.text)
        else:
            tokens.append(part)
    if "," not in tokens and ".." not in "".join(t for t in tokens if isinstance(t, str)):
        return [word]
    words = []
    for toks in _brace_tokens(tokens, ctx):
        parts: list = []
        buf: list[str] = []
        for token in toks:
            if isinstance(token, str):
                buf.append(token)
            else:
                if buf:
                    parts.append(Literal("".join(buf)))
                    buf = []
                parts.append(token)
        if buf:
            parts.append(Literal("".join(buf)))
        words.append(parts)
    return words


def _brace_tokens(tokens: list, ctx: Context) -> list[list]:
    index = 0
    size = len(tokens)
    while index < size:
        if tokens[index] != "{":
            index += 1
            continue
        depth, commas, close = 0, [], -1
        for j in range(index, size):
            token = tokens[j]
            if token == "{":
                depth += 1
            elif token == "}":
                depth -= 1
                if depth == 0:
                    close = j
                    break
            elif token == "," and depth == 1:
                commas.append(j)
        if close < 0:
            index += 1
            continue
        if commas:
            bounds = [index, *commas, close]
            alternatives = [tokens[bounds[k] + 1:bounds[k + 1]] for k in range(len(bounds) - 1)]
        else:
            alternatives = _sequence(tokens[index + 1:close])
            if alternatives is None:
                index += 1
                continue
        prefix, suffix = tokens[:index], tokens[close + 1:]
        out: list[list] = []
        ctx.enter()
        for alternative in alternatives:
            ctx.grow(len(prefix) + len(alternative) + len(suffix))
            for result in _brace_tokens(prefix + alternative + suffix, ctx):
                out.append(result)
                if len(out) >= MAX_FIELDS:
                    ctx.reason(R_TOO_COMPLEX)
                    ctx.leave()
                    return out
        ctx.leave()
        return out
    return [tokens]


def _sequence(tokens: list) -> list[list] | None:
    """`1..5`, `a..e`, `01..10..2` -> the values as token lists; None if not a sequence."""
    if not all(isinstance(t, str) for t in tokens):
        return None
    pieces = "".join(tokens).split("..")
    if len(pieces) not in (2, 3):
        return None
    step = 1
    if len(pieces) == 3:
        if not _is_int(pieces[2]):
            return None
        step = abs(int(pieces[2])) or 1
    start, end = pieces[0], pieces[1]
    if _is_int(start) and _is_int(end):
        low, high = int(start), int(end)
        width = max(len(start), len(end)) if (start.lstrip("-").startswith("0")
                                               or end.lstrip("-").startswith("0")) else 0
        values = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
        return [list(str(v).zfill(width)) for v in values[:MAX_FIELDS]]
    if len(start) == 1 and len(end) == 1 and start.isalpha() and end.isalpha():
        low, high = ord(start), ord(end)
        values = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
        return [[chr(v)] for v in values[:MAX_FIELDS]]
    return None


def _is_int(text: str) -> bool:
    digits = text[1:] if text[:1] in "+-" else text
    return 0 < len(digits) < 10 and digits.isdigit() and digits.isascii()


def _case_converted(op: str, value: str) -> str:
    """`${v^^}`, `${v,,}`, `${v^}`, `${v,}`."""
    if has_marker(value):
        return value
    if op == "^^":
        return value.upper()
    if op == ",,":
        return value.lower()
    if op == "^":
        return value[:1].upper() + value[1:]
    return value[:1].lower() + value[1:]


def _substituted_size(value: str, pattern: str, replacement: str) -> int:
    """An upper bound of the length of `${value/pattern/replacement}` (any `/` operator),
    computed without building it."""
    if not pattern:
        return len(value)
    if any(c in GLOB_CHARS or c == "\\" for c in pattern):
        # glob patterns are matched only against short values (see syntax.substitute)
        return len(value) * max(1, len(replacement)) if len(value) <= 256 else 1
    return len(value) + value.count(pattern) * max(0, len(replacement) - len(pattern))


def _substring(value: str, spec: str) -> str:
    """`${v:offset}` and `${v:offset:length}` with literal integers."""
    if has_marker(value) or has_marker(spec):
        return COMPUTED
    pieces = spec.split(":")
    try:
        offset = int(pieces[0].strip() or "0")
        length = int(pieces[1].strip()) if len(pieces) > 1 else None
    except ValueError:
        return COMPUTED
    if offset < 0:
        offset = max(0, len(value) + offset)
    if length is None:
        return value[offset:]
    if length < 0:
        return value[offset:len(value) + length]
    return value[offset:offset + length]


# --- what a simple command prints, when that is known without running it ----------------
# (used for `$(...)`, pipelines, and files a command line writes then runs)

def printf_output(fmt: str, values: list[str], ctx: Context | None = None) -> str | None:
    """Output of `printf FMT ARGS` for `%s`/`%b`/`%%` formats, else None (unknown). The
    format is reused until the arguments run out, so the text is charged to `ctx` one
    round at a time (`printf '%s<long text>' a b c ...` multiplies the format)."""
    if has_marker(fmt):
        return None
    fmt = ansi_c(fmt, 0, end_char="\x00")[0]
    out: list[str] = []
    index = 0
    while True:
        consumed = False
        i = 0
        size = 0
        while i < len(fmt):
            char = fmt[i]
            if char != "%":
                out.append(char)
                size += 1
                i += 1
                continue
            conv = fmt[i + 1] if i + 1 < len(fmt) else ""
            if conv == "%":
                out.append("%")
            elif conv in ("s", "b"):
                value = values[index] if index < len(values) else ""
                index += 1
                consumed = True
                if conv == "b" and not has_marker(value):
                    value = ansi_c(value, 0, end_char="\x00")[0]
                out.append(value)
                size += len(value)
            else:
                return None
            i += 2
        if ctx is not None:
            ctx.grow(size)
        if not consumed or index >= len(values):
            return "".join(out)


_DECODERS = frozenset({"base64", "base32", "xxd", "rev"})


def static_output(captured: tuple, ev: Evaluator) -> str | None:
    """What a simple command prints, when that is known without running it."""
    argv, stdin, cwd = captured
    base = argv[0].rsplit("/", 1)[-1]
    args = argv[1:]
    if base == "echo":
        interpret = False
        while args and len(args[0]) > 1 and args[0][0] == "-" and all(
                c in "neE" for c in args[0][1:]):
            interpret = interpret or "e" in args[0]
            args = args[1:]
        ev.ctx.grow(sum(len(arg) + 1 for arg in args))
        text = " ".join(args)
        if interpret and not has_marker(text):
            text = ansi_c(text, 0, end_char="\x00")[0]
        return text
    if base == "printf" and args:
        return printf_output(args[0], args[1:], ev.ctx)
    if base == "pwd":
        return cwd
    if base == "cat" and not args and known_text(stdin) is not None:
        return known_text(stdin)
    if base in _DECODERS and known_text(stdin) is not None:
        from .flows import decoded

        return decoded(base, args, known_text(stdin))
    if base in ("basename", "dirname") and args and not args[0].startswith("-"):
        path = args[0].rstrip("/") or "/"
        if base == "dirname":
            head = path.rsplit("/", 1)[0] if "/" in path else "."
            return head or "/"
        name = path.rsplit("/", 1)[-1]
        if len(args) > 1 and name.endswith(args[1]) and name != args[1]:
            name = name[:-len(args[1])]
        return name
    if base in ("realpath", "readlink") and args:
        operands = [a for a in args if not a.startswith("-")]
        if len(operands) == 1 and (base == "realpath" or any(a in ("-f", "-e", "-m")
                                                             for a in args)):
            if has_marker(operands[0]) or has_marker(cwd):
                return None
            return resolve_expanded(operands[0], cwd)
    return None
