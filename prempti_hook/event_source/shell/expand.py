"""Word expansion: how one word of the tree becomes the fields a command receives.

Parameters (`$x`, `${x:-d}`, `${x#p}`, `${!x}`...), `~`, brace expansion, command and
arithmetic substitution, IFS splitting and pathname expansion, in bash's order, over
alternative values (a variable set in both branches of an `if` has two). What most words
need is here; brace expansion (`braces`), the parameter operators (`parameters`) and what a
command prints when that is known (`printed`, for `$(echo x)`) load when a word needs them.

`Expander` is a mixin of the evaluator (`evaluate.Evaluator`): expanding `$(...)` runs
commands and running commands expands words, so both halves work on one object. This
module is the expansion half, kept apart because it is a job of its own with its own rules.
"""

from __future__ import annotations

import os

from ..paths import user_home
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
    glob_escape,
    glob_match,
    glob_unescape,
    has_glob,
    is_name,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .analysis import State
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
        from .parameters import param_op  # (loaded for `${name op arg}` only)

        return param_op(self, part, values, st), False

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

    # --- words ----------------------------------------------------------------------------
    def expand(self, word: list, st: State, mode: int) -> list[list[str]]:
        """Alternatives (usually one) of the list of fields a word expands to."""
        self.ctx.step()
        text = _plain_text(word)
        if text is not None:  # most words: one field, its text as written
            self.ctx.grow(len(text))
            return [[text]]
        if mode == CMD and any(type(p) is Literal and "{" in p.text for p in word):
            from .braces import brace_expand  # (loaded for such words only)

            variants = brace_expand(word, self.ctx)
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
                    from .compound import read_arith

                    sub = Parser(value[:MAX_INPUT] + "))", self.ctx)
                    self.ctx.enter()
                    inner = read_arith(sub)
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
        long script names `src/*.py` again and again; analysing changes no folder); a
        pattern cut at a bound is reported every time it is used (too_complex)."""
        key = (pattern, st.cwds[0])
        known = self.globbed.get(key)
        if known is None:
            known = self.globbed[key] = self.glob_uncached(pattern, st)
        matches, cut = known
        if cut:
            self.reason(R_TOO_COMPLEX)
        return list(matches)

    def glob_uncached(self, pattern: str, st: State) -> tuple[list[str], bool]:
        """(the matches, whether a bound cut them: MAX_GLOB_SCAN entries examined, or more
        than MAX_FIELDS matches, past which the command is not what the analysis shows)."""
        cwd = st.cwds[0]
        if has_marker(cwd) and not pattern.startswith("/"):
            return [], False
        absolute = pattern.startswith("/")
        components = [c for c in pattern.split("/") if c]
        current = [("/" if absolute else "", "/" if absolute else cwd)]
        scanned = 0
        cut = False
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
                                cut = True
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
            # Paths past the bound are not looked at (a rule may not see a protected folder
            # among them).
            cut = cut or len(matched) > MAX_FIELDS
            current = matched[:MAX_FIELDS]
            if not current:
                return [], cut
        results = []
        for shown, real in current:
            try:
                if os.path.lexists(real):
                    results.append(shown.rstrip("/") if shown != "/" else shown)
            except (OSError, ValueError):
                continue
        return sorted(results), cut

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
            value = known_output(captured[0], self)
            if value is not None:
                return value.rstrip("\n")
            if _setup_generator(captured[0][0]):
                return ""  # `eval "$(pyenv init -)"`: well-known shell setup, see shell_setup
        return COMPUTED


# --- helpers of the expander ------------------------------------------------------------

# The programs whose output `printed.static_output` can know (echo, printf, pwd, cat of
# known text, decoders, basename...).
PRINTING_PROGRAMS = frozenset({"echo", "printf", "pwd", "cat", "base64", "base32", "xxd",
                               "rev", "basename", "dirname", "realpath", "readlink"})


def known_output(captured: tuple, ev: Evaluator) -> str | None:
    """`printed.static_output` of a captured command (argv, stdin, cwd), loading `printed`
    only for a program it knows: None at once for the others (most)."""
    if captured[0][0].rsplit("/", 1)[-1] not in PRINTING_PROGRAMS:
        return None
    from .printed import static_output

    return static_output(captured, ev)


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
