"""Code of the languages read through the tokenizer (JavaScript, Perl, Ruby, PHP, Lua, awk,
PowerShell, AppleScript, Rust, Go): calls, assignments and string building, seen through
the tokens.

    chain      := NAME ( SEP NAME | "(" args ")" | "[" expr "]" )*      SEP: . :: -> ?. :
    bare call  := chain args-to-end-of-statement      (perl, ruby, lua, powershell...)
    assignment := [let|const|var|my|local|our] NAME ( "=" | ":=" ) expr
    expr       := operand ( CONCAT operand )*           awk: operands side by side

The main loop walks the tokens once. At each name it evaluates the chain that starts there
(`require('fs').readFileSync(p)`), applying the effect of each call it recognises (see
`apis`); the arguments are evaluated as values without side effects, and the loop then
continues *inside* them, so that calls nested in arguments take effect exactly once.
Statements peculiar to one language (awk pipes and `getline`, PowerShell pipelines,
AppleScript's `do shell script`, Perl's `open` modes) have handlers of their own.
"""

from __future__ import annotations

from .apis import API, ENV_OBJECTS, python_api
from .effects import argv_command, hosts_in, shell_command
from .report import (
    BUILT,
    DECODE_EXEC_ACTION,
    DECODED,
    DELETE_ACTION,
    ENV_DUMP_ACTION,
    ENVIRON,
    FETCHED,
    FILE,
    MAX_CODE,
    MAX_DEPTH,
    MAX_WORK,
    NETWORK,
    NETWORK_ACTION,
    OBFUSCATED_ACTION,
    R_TOO_COMPLEX,
    R_TOO_DEEP,
    SIGNAL_DYNAMIC_EXEC,
    SIGNAL_SOCKET,
    SIGNAL_STDIO,
    UNKNOWN,
    Exhausted,
)
from .tokens import CMD, ID, NL, NUM, OP, STR, tokenize
from .values import (
    Obj,
    Ref,
    Text,
    as_text,
    chars,
    concat,
    decode_base64,
    decode_hex,
    decoded,
    decompress,
    expand_user,
    flags_of,
    host_in,
    join_path,
    looks_like_path,
    rot13,
    url_in,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .context import CodeContext

_SEPARATORS = frozenset({".", "::", "->", "?."})
# Words that declare variables, by language (`global` is an object in JavaScript).
_DECLARE = {"javascript": frozenset({"const", "let", "var"}),
            "perl": frozenset({"my", "our", "local"}), "lua": frozenset({"local"}),
            "rust": frozenset({"let"}), "go": frozenset({"var", "const"})}
_NO_WORDS: frozenset = frozenset()
# What may follow the name an assignment binds (`x = ...`, `a, _ := f()`, `x: T = ...`).
_ASSIGN_FOLLOWERS = frozenset({"=", ":=", "+=", ".=", "||=", ",", ":"})
# Operators after a name that continue a chain (a member, a call, an index, a macro).
_CHAIN_STARTS = frozenset({".", "::", "->", "?.", "(", "[", "!", "{", ":"})
_ENV_WHOLE_METHODS = frozenset({"to_h", "to_a", "to_hash", "each", "each_pair", "inspect",
                                "map", "select", "reject", "filter", "keys", "values",
                                "entries", "sort", "dup", "clone", "toObject", "to_s",
                                "getEnumerator", "GetEnumerator"})
_STATEMENT_END = frozenset({";", "}"})
_MODIFIERS = frozenset({"if", "unless", "or", "and", "while", "until", "then", "do", "||",
                        "&&", "|", "rescue"})
def _perl_indirect_new(toks: list) -> list:
    """Perl's indirect object syntax `new IO::Socket::INET(...)` written as the method call
    it is, `IO::Socket::INET->new(...)`."""
    if (ID, "new") not in toks:
        return toks
    out: list = []
    k, n = 0, len(toks)
    while k < n:
        if toks[k] == (ID, "new") and k + 1 < n and toks[k + 1][0] == ID:
            end = k + 2
            while end + 1 < n and toks[end] == (OP, "::") and toks[end + 1][0] == ID:
                end += 2
            out.extend(toks[k + 1:end])
            out.extend([(OP, "->"), (ID, "new")])
            k = end
            continue
        out.append(toks[k])
        k += 1
    return out


# Programs whose output is what they download (`io.popen("curl -s URL")`, `` `wget -qO- URL` ``).
_DOWNLOADERS = frozenset({"curl", "wget", "fetch", "http", "https", "xh", "aria2c"})


def _output_of(command):
    """What a command run for its output gives back: a response from the network (its
    text read through the handle, `h:read("*a")`) when the command is a download program
    given a URL, else a run-time value."""
    if isinstance(command, list):  # an argv list: IO.popen(["curl", "-s", URL])
        command = Text(" ".join(w.s if isinstance(w, Text) else UNKNOWN for w in command[:16]))
    if isinstance(command, Text):
        words = command.s.split()
        if words and words[0].rsplit("/", 1)[-1] in _DOWNLOADERS and "://" in command.s:
            return Obj("response", NETWORK)
    return Text(UNKNOWN)


_STD_STREAMS = frozenset({"STDIN", "STDOUT", "STDERR", "$stdin", "$stdout", "$stderr"})
_PS_KEYWORDS = frozenset({"if", "else", "elseif", "foreach", "for", "while", "do", "function",
                          "param", "return", "try", "catch", "finally", "switch", "begin",
                          "process", "end", "filter", "throw", "break", "continue", "exit",
                          "trap", "using", "class", "until"})
_MAX_TOKENS = 200_000
# Effects whose value does not depend on the arguments: in a value, they are not evaluated
# (the walk evaluates them once, for the effect).
# (`shell` and `popen` are not: what a download command gives back is their value.)
_EFFECT_ONLY = frozenset({"system", "argv", "keyring", "sql", "db_wipe", "spawn",
                          "argv_list", "socket", "fetch", "go_dial", "go_command_ctx",
                          "write", "write2", "move", "delete", "exec", "include", "env_whole",
                          "ps_start"})
# Words after which an expression starts (`of [...]` is an array, not an index).
_KEYWORDS = frozenset({"return", "of", "in", "typeof", "instanceof", "await", "yield",
                       "throw", "void", "delete", "case", "new", "else", "elsif", "when",
                       "then", "not", "and", "or", "unless", "until", "if", "while", "for",
                       "foreach", "do"})
_ITERATORS = frozenset({"map", "forEach", "filter", "some", "every", "flatMap", "reduce",
                        "each", "each_with_index", "map!", "collect", "select", "find"})


class Command(Obj):
    """A command being built (`Command::new("sh").arg("-c")`, `new Deno.Command(...)`)."""

    __slots__ = ("argv", "reported")

    def __init__(self, argv: list) -> None:
        super().__init__("command", flags_of(argv))
        self.argv = argv
        self.reported = False


class TokenAnalyzer:
    """Walks the tokens of one snippet and fills the context's report."""

    def __init__(self, language: str, ctx: CodeContext) -> None:
        self.lang = language
        self.api = API[language] if language != "python" else python_api()
        self.ctx = ctx
        self.report = ctx.report
        self.home = ctx.home
        self.budget = ctx.budget
        self.vars: dict = {}
        self.toks: list = []
        self.consumed: set = set()
        self.keep_colons = language in ("perl", "ruby")
        self.env_objects = ENV_OBJECTS.get(language, frozenset())
        self.fetch_at = -1       # token index of the last request (PowerShell `| iex`)
        self.depth = 0
        self.unrolling = False
        self.special_statement = getattr(self, "statement_" + language, None)
        self.effects: dict = {}  # effect of each name looked up (names repeat)
        self.declare_words = _DECLARE.get(language, _NO_WORDS)
        self.match: list = []    # index after the bracket closing each opening bracket
        self.ends: list | None = None             # statement ends (see `_ends`)
        self.expression_ends: list | None = None  # assignment value ends

    # --- entry ------------------------------------------------------------------------------
    def run(self, src: str) -> None:
        if self.lang == "php":
            src = _php_code(src)
        try:
            toks, renamed = tokenize(self.lang, src[:MAX_CODE], _MAX_TOKENS, self.budget)
            if renamed:
                self.report.act(OBFUSCATED_ACTION)
            if self.lang == "perl":
                toks = _perl_indirect_new(toks)
            self.walk(toks)
        except OverflowError:
            self.report.reason(R_TOO_COMPLEX)
        except Exhausted as stop:
            self.report.reason(stop.reason)
        except RecursionError:
            self.report.reason(R_TOO_DEEP)

    def walk(self, toks: list) -> None:
        saved = self.toks, self.consumed, self.match, self.ends, self.expression_ends
        self.toks, self.consumed, self.match = toks, set(), _matches(toks)
        self.ends = self.expression_ends = None
        try:
            self.tick(2 * len(toks))  # the walk's own visit of each token, paid up front
            i = 0
            n = len(toks)
            consumed = self.consumed
            while i < n:
                kind, value = toks[i]
                if kind == ID:
                    i = self.at_name(i) if i not in consumed else i + 1
                elif kind == STR:
                    self.neutral_string(value, self.operand_of_concat(i))
                    i += 1
                elif kind == CMD:
                    self.shell_command(self.string_value(value))
                    self.interpolations(value)
                    i += 1
                elif kind == OP:
                    i = self.at_operator(i)
                else:
                    i += 1
        finally:
            self.toks, self.consumed, self.match, self.ends, self.expression_ends = saved

    def tick(self, cost: int = 1) -> None:
        budget = self.budget
        budget.work += cost
        if budget.work > MAX_WORK:
            raise Exhausted(R_TOO_COMPLEX)

    # --- token helpers ------------------------------------------------------------------------
    def closing(self, i: int) -> int:
        """The index after the bracket closing the one at `i` (or the end)."""
        match = self.match
        return match[i] if i < len(match) else len(self.toks)

    def split_args(self, start: int, stop: int) -> list[tuple[int, int]]:
        """Spans of the comma-separated arguments in `toks[start:stop]` (bracketed groups
        are jumped over, so the cost is the number of top-level tokens)."""
        toks = self.toks
        match = self.match
        spans = []
        begin = start
        j = start
        self.tick(1)
        budget = self.budget
        while j < stop:
            budget.work += 1
            kind, value = toks[j]
            if kind == OP:
                if value in ("(", "[", "{"):
                    j = match[j]
                    continue
                if value in (",", "=>"):
                    if value == ",":
                        spans.append((begin, j))
                    begin = j + 1
            j += 1
        if begin < stop:
            spans.append((begin, stop))
        return [s for s in spans if s[0] < s[1]]

    def statement_end(self, j: int) -> int:
        """Where a bare call's arguments end: the next line end, `;`, `}`, closing bracket
        or statement modifier at this level."""
        if self.ends is None:
            self.ends = _ends(self.toks, self.match, self.statement_stop, (NL, OP, ID))
        self.tick()
        return self.ends[j] if j < len(self.ends) else len(self.toks)

    def statement_stop(self, toks: list, j: int) -> bool:
        kind, value = toks[j]
        if kind == NL:
            return self.lang != "perl"
        if kind == OP:
            return value in (")", "]", "}") or value in _STATEMENT_END or value in _MODIFIERS
        return kind == ID and value in _MODIFIERS and self.lang != "powershell"

    # --- names --------------------------------------------------------------------------------
    def norm(self, name: str) -> str:
        return name.lower() if self.api.case_insensitive else name

    def resolve(self, name: str):
        value = self.vars.get(self.norm(name))
        if value is not None:
            return value
        if self.lang == "powershell" and name.startswith("$"):
            lowered = name.lower()
            if lowered.startswith("$env:") or lowered == "$home":
                return self.variable(name) if lowered != "$env:" else Obj("environ", ENVIRON)
        return self.named(name)

    def named(self, name: str, flags: int = 0):
        if name in self.env_objects:
            return Obj("environ", ENVIRON)
        return Ref(name, flags)

    def member(self, current, member: str, sep: str):
        if isinstance(current, Ref):
            joiner = "::" if sep == "::" and self.keep_colons else "."
            name = f"{current.name}{joiner}{member}"
            if name in self.env_objects:
                return Obj("environ", ENVIRON)
            return Ref(name, current.flags)
        if isinstance(current, Obj):
            if current.kind == "environ":
                if member in _ENV_WHOLE_METHODS:
                    return current  # `ENV.to_h`, `Deno.env.toObject()`: still all of it
                return self.env_get(Text(member))
            if current.kind in ("response", "socket"):
                return Text(FETCHED, NETWORK) if current.kind == "response" else current
            return current
        if isinstance(current, Text):
            return current  # a method of a string: looked up at the call
        return None

    def env_get(self, key):
        if isinstance(key, Text) and key.s.strip("'\"") in ("HOME", "USERPROFILE"):
            return Text(self.home)
        return Text(UNKNOWN)

    # --- the main loop at a name --------------------------------------------------------------
    def at_name(self, i: int) -> int:
        toks = self.toks
        word = toks[i][1]
        special = self.special_statement
        if special is not None:
            nxt = special(i)
            if nxt is not None:
                return nxt
        if word in _KEYWORDS:
            return i + 1  # `return [...]`, `for (x of [...])`: what follows is an expression
        if word in self.declare_words or (word == "import" and self.lang == "javascript"):
            self.declaration(i)
            return i + 1
        nxt = toks[i + 1] if i + 1 < len(toks) else (NL, "")
        if (nxt[0] == OP and nxt[1] in _ASSIGN_FOLLOWERS) or word in ("Ok", "Some"):
            if self.assignment(i):
                return i + 1
        elif not self.api.bare_calls and (nxt[0] in (ID, NUM, NL) or (
                nxt[0] == OP and nxt[1] not in _CHAIN_STARTS)):
            # a lone name (`x;`, `a + b`): no call, no member; only the environment matters
            if self.env_objects and word in self.env_objects:
                self.whole_environment(i, i + 1, self.resolve(word))
            return i + 1
        end, value = self.chain(i, effects=True)
        self.whole_environment(i, end, value)
        return i + 1

    def declaration(self, i: int) -> None:
        """`const {a, b: c} = require('m')`, `import x from 'm'`, `import {a as b} from 'm'`."""
        toks = self.toks
        n = len(toks)
        word = toks[i][1]
        if word == "import":
            self.js_import(i)
            return
        j = i + 1
        if j < n and toks[j] == (OP, "{"):
            end = self.closing(j)
            if end < n and toks[end] == (OP, "=") and toks[end - 1] == (OP, "}"):
                source = self.value_span(end + 1, self.expression_end(end + 1))
                self.bind_pattern(j + 1, end - 1, source)
            return
        if j < n and toks[j][0] == ID and toks[j][1] == "mut":
            j += 1
        if j < n and toks[j][0] == ID:
            self.assignment(j)

    def bind_pattern(self, start: int, stop: int, source) -> None:
        toks = self.toks
        for begin, end in self.split_args(start, stop):
            names = [v for k, v in toks[begin:end] if k == ID]
            if not names:
                continue
            key, local = names[0], names[-1]
            self.vars[self.norm(local)] = self.member(source, key, ".")

    def js_import(self, i: int) -> None:
        toks = self.toks
        n = len(toks)
        j = i + 1
        names: list[tuple[str, str]] = []
        default = None
        while j < n and toks[j] != (ID, "from") and toks[j][0] not in (STR, NL):
            kind, value = toks[j]
            if kind == OP and value == "{":
                end = self.closing(j)
                for begin, stop in self.split_args(j + 1, end - 1):
                    words = [v for k, v in toks[begin:stop] if k == ID]
                    if words:
                        names.append((words[0], words[-1]))
                j = end
                continue
            if kind == ID and value == "as" and j + 1 < n:
                default = toks[j + 1][1]
                j += 2
                continue
            if kind == ID and default is None:
                default = value
            j += 1
        if j < n and toks[j] == (ID, "from"):
            j += 1
        if j < n and toks[j][0] == STR:
            module = _module_name("".join(p for p in toks[j][1] if isinstance(p, str)))
            if default:
                self.vars[default] = Ref(module)
            for key, local in names:
                self.vars[local] = Ref(f"{module}.{key}")

    def assignment(self, i: int) -> bool:
        """`NAME = expr`, `NAME := expr`, `a, _ := f()`, `Ok(x) = f()`: bind NAME."""
        toks = self.toks
        n = len(toks)
        name = toks[i][1]
        j = i + 1
        if name in ("Ok", "Some") and j + 3 < n and toks[j] == (OP, "(") \
                and toks[j + 1][0] == ID and toks[j + 2] == (OP, ")"):
            name = toks[j + 1][1]
            j += 3
        while j + 1 < n and toks[j] == (OP, ",") and toks[j + 1][0] == ID:
            j += 2
        if j < n and toks[j][0] == OP and toks[j][1] == ":" and self.lang in ("rust", "go"):
            j += 2  # a type annotation: `let x: String = ...`
        if j >= n or toks[j][0] != OP or toks[j][1] not in ("=", ":=", "+=", ".=", "||="):
            return False
        if i > 0 and toks[i - 1][0] == OP and toks[i - 1][1] in _SEPARATORS:
            return False  # obj.attr = value
        op = toks[j][1]
        end = self.expression_end(j + 1)
        value = self.value_span(j + 1, end)
        key = self.norm(name)
        if op in ("+=", ".="):
            value = concat([self.vars.get(key), value], built=False)
        self.vars[key] = value
        return True

    def expression_end(self, j: int) -> int:
        """Where the value of an assignment ends: a line end (unless the line ends with a
        concatenation operator), `;`, `,` or a closing bracket at this level."""
        if self.expression_ends is None:
            self.expression_ends = _ends(self.toks, self.match, self.expression_stop,
                                          (NL, OP))
        self.tick()
        return self.expression_ends[j] if j < len(self.expression_ends) else len(self.toks)

    def expression_stop(self, toks: list, j: int) -> bool:
        kind, value = toks[j]
        if kind == NL:
            return not (j > 0 and toks[j - 1][0] == OP and toks[j - 1][1] in self.api.concat)
        if kind != OP:
            return False
        if value == "{" and self.lang in ("rust", "go") and j > 0 and (
                toks[j - 1][0] == ID or toks[j - 1] == (OP, ")")):
            return True  # `if let Ok(x) = f() {`: the block is not part of the value
        return value in (")", "]", "}", ";", ",")

    # --- chains -------------------------------------------------------------------------------
    def chain(self, i: int, effects: bool, stop: int | None = None,
              current=None) -> tuple[int, object]:
        """Evaluate the chain starting at name `i` (or continuing from `current` at `i`);
        (index after it, its value)."""
        toks = self.toks
        n = len(toks) if stop is None else stop
        if current is None:
            current = self.resolve(toks[i][1])
            j = i + 1
        else:
            j = i
        called = False
        budget = self.budget
        while j < n:
            budget.work += 1
            kind, value = toks[j]
            if kind == OP and value in _SEPARATORS and j + 1 < n and toks[j + 1][0] == ID:
                current = self.member(current, toks[j + 1][1], value)
                if effects:
                    self.consumed.add(j + 1)
                j += 2
                continue
            if kind == OP and value == ":" and self.lang == "lua" and j + 1 < n \
                    and toks[j + 1][0] == ID:
                current = self.member(current, toks[j + 1][1], ".")
                if effects:
                    self.consumed.add(j + 1)
                j += 2
                continue
            if kind == OP and value == "!" and self.lang == "rust" and j + 1 < n \
                    and toks[j + 1] == (OP, "("):
                j += 1
                continue
            if kind == OP and value == "(":
                end = self.closing(j)
                if (not effects and isinstance(current, Ref)
                        and self.effect_of(current.name) in _EFFECT_ONLY):
                    current = self.call(current, [], effects, j)  # its value needs no argument
                else:
                    current = self.call(current, self.split_args(j + 1, end - 1), effects, j)
                called = True
                j = end
                continue
            if kind == OP and value == "[" and self.lang != "powershell":
                end = self.closing(j)
                current = self.index(current, self.value_span(j + 1, end - 1))
                j = end
                continue
            if kind == OP and value == "{" and self.lang == "perl" and isinstance(current, Ref) \
                    and current.name.startswith("$"):
                end = self.closing(j)
                key = (Text(toks[j + 1][1]) if end - j == 3 and toks[j + 1][0] == ID
                       else self.value_span(j + 1, end - 1))
                current = self.index(Obj("environ", ENVIRON) if current.name == "$ENV"
                                     else current, key)
                j = end
                continue
            if kind in (CMD, STR) and self.lang == "javascript" and isinstance(current, Ref) \
                    and current.name in ("Bun.$", "$"):
                if effects:  # a tagged template: Bun's shell, zx's $`...`
                    self.shell_command(self.string_value(value))
                j += 1
                continue
            if kind in (STR, NUM, ID, CMD) or (kind == OP and value in ("[", "-", "\\")):
                if not called and self.api.bare_calls and self.bare_call_target(current):
                    end = self.statement_end(j)
                    if not effects and self.effect_of(current.name) in _EFFECT_ONLY:
                        return end, self.call(current, [], effects, j)
                    spans = (self.word_spans(j, end) if self.lang == "powershell"
                             else self.split_args(j, end))
                    current = self.call(current, spans, effects, j)
                    return end if not effects else j, current
                if kind == STR and self.lang == "lua" and not called:
                    current = self.call(current, [(j, j + 1)], effects, j)
                    j += 1
                    continue
            break
        if (not called and isinstance(current, Ref) and self.api.bare_calls
                and (self.effect_of(current.name) in ("home", "cwd", "env_whole")
                     or (self.lang == "powershell" and self.effect_of(current.name)))):
            current = self.call(current, [], effects, j)  # `Dir.home`, `| iex`: no ()
        if effects and isinstance(current, Command) and not current.reported:
            self.run_command_object(current)
        return j, current

    def ps_bare_word(self, k: int, stop: int) -> bool:
        """A PowerShell word in command mode that is a plain string (not a cmdlet, a
        variable or a member access)."""
        word = self.toks[k][1]
        if word.startswith("$") or self.effect_of(word) is not None:
            return False
        nxt = self.toks[k + 1] if k + 1 < stop else (NL, "")
        return not (nxt[0] == OP and nxt[1] in ("(", "::", ".", "["))

    def bare_call_target(self, current) -> bool:
        """A name that may take arguments without parentheses (a known function)."""
        if not isinstance(current, Ref):
            return False
        return self.effect_of(current.name) is not None

    def effect_of(self, name: str) -> str | None:
        effects = self.effects
        if name in effects:
            return effects[name]
        api = self.api
        key = self.norm(name)
        effect = api.calls.get(key)
        if effect is None and "." in key:
            effect = api.methods.get(key.rsplit(".", 1)[1])
        effects[name] = effect
        return effect

    def index(self, current, key):
        if isinstance(current, Obj) and current.kind == "environ":
            return self.env_get(key)
        if isinstance(current, list) and isinstance(key, int) and -len(current) <= key < len(
                current):
            return current[key]
        if isinstance(current, Ref) and isinstance(key, Text) and key.known():
            name = key.s
            if key.flags & (BUILT | DECODED):
                self.report.act(OBFUSCATED_ACTION)
            return Ref(f"{current.name}.{name}", current.flags | (key.flags & (BUILT | DECODED)))
        return Text(UNKNOWN, flags_of(current)) if flags_of(current) else None

    def call(self, current, spans: list, effects: bool, site: int):
        if (isinstance(current, Text) and current.known() and self.lang in ("php", "perl")
                and current.s.replace("::", "").replace("\\", "").isidentifier()):
            current = Ref(current.s, current.flags)  # `$f = "sys"."tem"; $f("id")`
        if isinstance(current, Ref):
            name = current.name
            effect = self.effect_of(name)
            if current.flags & (BUILT | DECODED) and effects:
                self.report.act(OBFUSCATED_ACTION)
            if effects and (effect or "." in name or "::" in name):
                self.report.call(name)
            if effect is None:
                return None
            handler = getattr(self, "fx_" + effect)
            return handler(name, spans, effects)
        if isinstance(current, Command):
            return self.command_method(current, spans)
        if isinstance(current, Obj):
            return self.object_call(current, spans, effects)
        if isinstance(current, Text):
            return current
        return None

    def args(self, spans: list) -> list:
        return [self.value_span(a, b) for a, b in spans]

    def arg(self, spans: list, index: int):
        if index < len(spans):
            return self.value_span(*spans[index])
        return None

    # --- values (no side effects) --------------------------------------------------------------
    def value_span(self, start: int, stop: int):
        """The value of the expression `toks[start:stop]`."""
        toks = self.toks
        parts: list = []
        k = start
        concat_ops = self.api.concat
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Exhausted(R_TOO_DEEP)
        try:
            return self.value_parts(parts, k, stop, toks, concat_ops)
        finally:
            self.depth -= 1

    def value_parts(self, parts: list, k: int, stop: int, toks: list, concat_ops):
        start_of_list = k  # a top-level comma makes the span a list of values
        self.tick(1)
        budget = self.budget
        while k < stop:
            budget.work += 1
            kind, value = toks[k]
            if kind == OP:
                if value == ",":
                    return [self.entry_value(a, b) for a, b in
                            self.split_args(start_of_list, stop)]
                k = self.operator_value(k, stop, parts, concat_ops)
            elif kind == STR:
                parts.append(self.string_value(value))
                k += 1
            elif kind == NUM:
                parts.append(value)
                k += 1
            elif kind == CMD:  # `curl -s URL` in backquotes gives what it downloads
                output = _output_of(self.string_value(value))
                parts.append(Text(FETCHED, NETWORK) if isinstance(output, Obj) else output)
                k += 1
            elif kind == ID:
                k = self.name_value(k, stop, parts)
            else:
                k += 1
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return concat(parts)

    def name_value(self, k: int, stop: int, parts: list) -> int:
        """The value of the name at `k` (a chain, an idiom, a PowerShell bare word)."""
        value = self.toks[k][1]
        if self.lang == "powershell" and self.ps_bare_word(k, stop):
            if not value.startswith("-"):
                parts.append(Text(value))
            return k + 1
        if value in _KEYWORDS and self.lang != "powershell":
            return k + 1
        special = self.value_idiom(k, stop)
        if special is None:
            special = self.chain(k, effects=False, stop=stop)
        k, found = special
        parts.append(found)
        return k

    def operator_value(self, k: int, stop: int, parts: list, concat_ops) -> int:
        """An operator in a value: concatenation, a bracketed group (and the members read
        from it), a PowerShell type, or something that makes the value unknown."""
        toks = self.toks
        value = toks[k][1]
        if value in concat_ops or value in ("+", "new"):
            return k + 1
        if value == "[" and self.lang == "powershell":
            typed = self.ps_type(k, stop)
            if typed is not None:
                parts.append(typed[1])
                return typed[0]
        if value in ("(", "[", "{"):
            end = min(self.closing(k), stop)
            if value == "(":
                found = self.value_span(k + 1, end - 1)
            else:
                found = [v for v in (self.entry_value(a, b) for a, b in
                                     self.split_args(k + 1, end - 1)) if v is not None]
            k = end
            while k + 1 < stop and toks[k][0] == OP and toks[k][1] in _SEPARATORS \
                    and toks[k + 1][0] == ID:
                found = self.member(found, toks[k + 1][1], ".")
                k += 2
            parts.append(found)
            return k
        if value in ("?", ":", "||", "&&", "??", "or", "and"):
            parts.append(None)
        return k + 1

    def entry_value(self, start: int, stop: int):
        """An element of an array or the value of an object entry (`key: value`)."""
        toks = self.toks
        depth = 0
        for j in range(start, stop):
            kind, value = toks[j]
            if kind == OP:
                if value in ("(", "[", "{"):
                    depth += 1
                elif value in (")", "]", "}"):
                    depth -= 1
                elif value == ":" and depth == 0 and j > start:
                    return self.value_span(j + 1, stop)
        return self.value_span(start, stop)

    def value_idiom(self, k: int, stop: int) -> tuple[int, object] | None:
        """Multi-word idioms: AppleScript `path to home folder`, `POSIX path of`."""
        if self.lang != "applescript":
            return None
        toks = self.toks
        words = [v.lower() if isinstance(v, str) else "" for _kind, v in toks[k:k + 4]]
        if words[:4] == ["path", "to", "home", "folder"]:
            return k + 4, Text(self.home + "/")
        if words[:3] == ["posix", "path", "of"]:
            return k + 3, None if k + 3 >= stop else self.value_span(k + 3, stop)
        if words[:2] == ["posix", "file"]:
            return k + 2, None if k + 2 >= stop else self.value_span(k + 2, stop)
        return None

    def string_value(self, parts: list) -> Text:
        pieces = []
        for part in parts:
            if isinstance(part, str):
                pieces.append(Text(part))
            elif part[0] == "v":
                pieces.append(self.variable(part[1]))
            else:
                pieces.append(self.sub_value(part[1]))
        if not pieces:
            return Text("")
        return concat(pieces, built=False)

    def variable(self, name: str):
        """An interpolated `$name`, `$ENV{HOME}`, `$env:HOME`."""
        if name.startswith("$ENV{"):
            return self.env_get(Text(name[5:-1]))
        lowered = name.lower()
        if lowered.startswith("$env:"):
            return self.env_get(Text(name[5:].upper()))
        if self.lang == "powershell" and lowered == "$home":
            return Text(self.home)
        value = self.vars.get(self.norm(name))
        return value if value is not None else Text(UNKNOWN)

    def sub_value(self, code: str):
        try:
            toks, _renamed = tokenize(self.lang, code[:MAX_CODE], _MAX_TOKENS, self.budget)
        except OverflowError:
            return Text(UNKNOWN)
        saved = self.toks, self.match, self.ends, self.expression_ends
        self.toks, self.match = toks, _matches(toks)
        self.ends = self.expression_ends = None
        try:
            return self.value_span(0, len(toks))
        finally:
            self.toks, self.match, self.ends, self.expression_ends = saved

    # --- effects ----------------------------------------------------------------------------
    def shell_command(self, value) -> None:
        shell_command(self.report, value)

    def argv_command(self, words: list) -> None:
        flat = []
        for word in words:
            if isinstance(word, list):
                flat.extend(word)
            elif word is not None:
                flat.append(word)
        argv_command(self.report, [as_text(w) for w in flat], flags_of(flat))

    def run_code(self, value, language: str | None = None) -> None:
        report = self.report
        text = as_text(value)
        if text.flags & NETWORK or FETCHED in text.s:
            report.act(DECODE_EXEC_ACTION)
            report.runs_fetched = True
            return
        if text.flags & DECODED:
            report.act(DECODE_EXEC_ACTION)
        if text.flags & FILE and text.path:
            content = self.ctx.file_text(text.path)
            if content is not None:
                self.ctx.nested(language or self.lang, content)
            return
        if text.known() and text.s.strip():
            self.ctx.nested(language or self.lang, text.s)
        elif not text.known():
            report.signal(SIGNAL_DYNAMIC_EXEC)

    def read_path(self, value) -> None:
        if value is not None:
            self.report.add(self.report.reads, as_text(value).s)

    def write_path(self, value) -> None:
        if value is not None:
            self.report.add(self.report.writes, as_text(value).s)

    def fx_shell(self, name, spans, effects):
        command = self.arg(spans, 0)
        if effects:
            self.shell_command(command)
        return _output_of(command)

    def fx_system(self, name, spans, effects):
        if effects:
            if len(spans) > 1:
                self.argv_command(self.args(spans))
            else:
                value = self.arg(spans, 0)
                if isinstance(value, list):
                    self.argv_command(value)
                else:
                    self.shell_command(value)
        return Text(UNKNOWN)

    def fx_argv(self, name, spans, effects):
        if effects:
            self.argv_command(self.args(spans))
        return Text(UNKNOWN)

    def fx_sql(self, name, spans, effects):
        """SQL sent through a driver or an ORM (`client.query("TRUNCATE t")`)."""
        if effects:
            statement = self.arg(spans, 0)
            if statement is not None:
                from ..sql import effects as sql_effects

                for found in sql_effects(as_text(statement).s):
                    self.report.effects[found] = None
        return Text(UNKNOWN)

    def fx_db_wipe(self, name, spans, effects):
        if effects:
            self.report.effects["db.wipe"] = None
        return Text(UNKNOWN)

    def fx_keyring(self, name, spans, effects):
        """A password from the OS keychain (keytar, Python's keyring): the read the keyring
        command line makes (`keyring get SERVICE ACCOUNT`)."""
        if effects:
            words = [self.arg(spans, 0), self.arg(spans, 1)]
            self.report.command("argv", ["keyring", "get",
                                         *(as_text(w).s for w in words if w is not None)])
        return Text(UNKNOWN)

    def fx_spawn(self, name, spans, effects):
        if effects:
            program = self.arg(spans, 0)
            rest = self.arg(spans, 1)
            if name.endswith("fork"):
                self.argv_command(["node", program, rest if isinstance(rest, list) else []])
            elif isinstance(program, Text) and " " in program.s and not isinstance(rest, list):
                self.shell_command(program)
            else:
                self.argv_command([program, rest if isinstance(rest, list) else []])
        return Text(UNKNOWN)

    def fx_argv_list(self, name, spans, effects):
        if effects:
            first = self.arg(spans, 0)
            self.argv_command(first if isinstance(first, list) else self.args(spans))
        return Text(UNKNOWN)

    def fx_popen(self, name, spans, effects):
        if effects:
            values = self.args(spans)
            first = values[0] if values else None
            if isinstance(first, list):
                self.argv_command(first)
            elif len(values) > 1 and name.startswith("Open3") and all(
                    isinstance(v, Text) for v in values):
                self.argv_command(values)
            else:
                self.shell_command(first)
        return _output_of(self.arg(spans, 0))

    def fx_builder(self, name, spans, effects):
        program = self.arg(spans, 0)
        if isinstance(program, list):  # Deno.run({cmd: [...]}): the object's values
            return Command(program[:1] + (program[1] if len(program) > 1
                                          and isinstance(program[1], list) else []))
        options = self.arg(spans, 1)
        argv = [program]
        if isinstance(options, list):
            for item in options:
                if isinstance(item, list):
                    argv.extend(item)
        return Command(argv)

    def command_method(self, command: Command, spans: list):
        """`.arg(x)`, `.args([..])` add words; `.output()`, `.spawn()`... run it."""
        values = self.args(spans)
        if len(values) == 1 and isinstance(values[0], list):
            command.argv.extend(values[0])
        elif len(values) == 1:
            command.argv.append(values[0])
        return command

    def run_command_object(self, command: Command) -> None:
        command.reported = True
        self.argv_command(list(command.argv))

    def fx_socket(self, name, spans, effects):
        if effects:  # (a value needs no argument: they are evaluated for effects only)
            report = self.report
            report.act(NETWORK_ACTION)
            report.signal(SIGNAL_SOCKET)
            hosts_in(self.report, self.args(spans))
        return Obj("socket", NETWORK)

    def fx_fetch(self, name, spans, effects):
        if effects:
            self.report.act(NETWORK_ACTION)
            hosts_in(self.report, self.args(spans))
            self.fetch_at = len(self.toks)
        return Obj("response", NETWORK)

    def fx_go_dial(self, name, spans, effects):
        return self.fx_socket(name, spans[1:2] or spans, effects)

    def fx_go_command_ctx(self, name, spans, effects):
        return self.fx_argv(name, spans[1:], effects)

    def fx_read(self, name, spans, effects):
        path = self.arg(spans, 0)
        if effects:
            self.read_path(path)
        return Text(UNKNOWN, FILE, as_text(path).s if path is not None else "")

    def fx_write(self, name, spans, effects):
        if effects:
            self.write_path(self.arg(spans, 0))
        return None

    def fx_write2(self, name, spans, effects):
        if effects:
            self.read_path(self.arg(spans, 0))
            self.write_path(self.arg(spans, 1))
        return None

    def fx_move(self, name, spans, effects):
        if effects:
            self.write_path(self.arg(spans, 0))
            self.write_path(self.arg(spans, 1))
        return None

    def fx_delete(self, name, spans, effects):
        if effects:
            report = self.report
            report.act(DELETE_ACTION)
            for value in self.args(spans)[:8]:
                if isinstance(value, Text):
                    report.add(report.deletes, value.s)
                    report.add(report.writes, value.s)
        return None

    def open_mode(self, path, mode) -> Obj:
        text = as_text(path)
        writes = isinstance(mode, Text) and any(c in mode.s for c in "wa+x")
        (self.write_path if writes else self.read_path)(text)
        return Obj("file", FILE, text.s)

    def fx_ruby_open(self, name, spans, effects):
        path = self.arg(spans, 0)
        text = as_text(path)
        if text.s.startswith("|"):
            if effects:
                self.shell_command(Text(text.s[1:], text.flags))
            return Obj("file", FILE)
        if url_in(text.s):
            return self.fx_fetch(name, spans[:1], effects)
        if effects:
            return self.open_mode(path, self.arg(spans, 1))
        return Obj("file", FILE, text.s)

    fx_lua_open = fx_ruby_open

    def fx_php_read(self, name, spans, effects):
        path = self.arg(spans, 0)
        if isinstance(path, Text) and url_in(path.s):
            return self.fx_fetch(name, spans[:1], effects)
        if effects:
            if name == "fopen":
                self.open_mode(path, self.arg(spans, 1))
            else:
                self.read_path(path)
        return Text(UNKNOWN, FILE, as_text(path).s if path is not None else "")

    def fx_perl_open(self, name, spans, effects):
        """open(F, "<path"), open(F, "<", $path), open(F, "cmd |"), open(STDIN, "<&", $s)."""
        values = self.args(spans)
        if len(values) < 2:
            return Obj("file", FILE)
        handle = self.toks[spans[0][0]][1] if spans else ""
        mode = as_text(values[1])
        if len(values) == 2:
            spec = mode.s.strip()
            if spec.endswith("|") or spec.startswith("|"):
                if effects:
                    self.shell_command(Text(spec.strip("|").strip(), mode.flags))
                return Obj("file", FILE)
            symbol = ""
            while spec and spec[0] in "<>+&=":
                symbol += spec[0]
                spec = spec[1:]
            target = Text(spec.strip(), mode.flags)
        else:
            symbol = mode.s.strip()
            target = as_text(values[2])
        if "&" in symbol:
            if handle in _STD_STREAMS and effects:
                self.report.signal(SIGNAL_STDIO)
            return Obj("file", FILE)
        if "|" in symbol and effects:
            self.argv_command(values[2:]) if len(values) > 3 else self.shell_command(target)
            return Obj("file", FILE)
        if effects:
            (self.write_path if ">" in symbol or "+" in symbol else self.read_path)(target)
        return Obj("file", FILE, target.s)

    def fx_exec(self, name, spans, effects):
        code = self.arg(spans, 0)
        if effects and code is not None:
            self.run_code(code)
        elif effects and self.lang == "powershell" and self.fetch_at >= 0:
            self.report.act(DECODE_EXEC_ACTION)  # `... | iex`: runs what was downloaded
            self.report.runs_fetched = True
        return None

    def fx_include(self, name, spans, effects):
        path = self.arg(spans, 0)
        if effects and isinstance(path, Text) and path.known() and (
                "/" in path.s or "." in path.s):
            self.read_path(path)
            self.run_code(Text(UNKNOWN, FILE, path.s))
        return None

    def fx_b64(self, name, spans, effects):
        return decoded(self.arg(spans, 0), decode_base64) if spans else None

    def fx_hex(self, name, spans, effects):
        return decoded(self.arg(spans, 0), decode_hex) if spans else None

    def fx_zlib(self, name, spans, effects):
        return decoded(self.arg(spans, 0), decompress) if spans else None

    def fx_rot13(self, name, spans, effects):
        return decoded(self.arg(spans, 0), rot13) if spans else None

    def fx_decode(self, name, spans, effects):
        """Buffer.from(x, 'base64'|'hex'), atob(x), pack("H*", x), decode_base64(x)..."""
        values = self.args(spans)
        if not values:
            return None
        short = name.rsplit(".", 1)[-1].rsplit("::", 1)[-1]
        if short in ("pack", "unpack") and len(values) > 1:
            template = as_text(values[0]).s
            data = values[1]
            if template.startswith(("H", "h")):
                return decoded(data, decode_hex)
            if template.startswith("m") or (short == "unpack" and template.startswith("u")):
                return decoded(data, decode_base64)
            return concat(values[1:])
        if short == "from" and len(values) > 1:
            encoding = as_text(values[1]).s.lower()
            if encoding in ("base64", "base64url"):
                return decoded(values[0], decode_base64)
            if encoding == "hex":
                return decoded(values[0], decode_hex)
            return as_text(values[0])
        if short == "from":
            first = values[0]
            if isinstance(first, list) and all(isinstance(v, int) for v in first):
                return chars(first)
            return as_text(first)
        if short in ("atob", "decode_base64"):
            return decoded(values[0], decode_base64)
        return Text(UNKNOWN, flags_of(values) | DECODED)

    def fx_unpack(self, name, spans, effects):
        return self.fx_decode("unpack", spans, effects)

    def fx_chars(self, name, spans, effects):
        return chars(self.args(spans))

    def fx_home(self, name, spans, effects):
        return Text(self.home)

    def fx_cwd(self, name, spans, effects):
        return Text(self.ctx.cwd)

    def fx_getenv(self, name, spans, effects):
        if not spans:
            if effects and self.lang == "php":
                self.report.act(ENV_DUMP_ACTION)
            return Obj("environ", ENVIRON)
        return self.env_get(self.arg(spans, 0))

    def fx_join(self, name, spans, effects):
        values = [v for v in self.args(spans) if not isinstance(v, (Ref, Obj))]
        return join_path(values) if values else None

    def fx_expanduser(self, name, spans, effects):
        return expand_user(self.arg(spans, 0), self.home) if spans else None

    def fx_identity(self, name, spans, effects):
        value = self.arg(spans, 0)
        return value if isinstance(value, Text) else as_text(value)

    def fx_format(self, name, spans, effects):
        values = self.args(spans)
        if not values or not isinstance(values[0], Text):
            return None
        template = values[0].s
        rest = values[1:]
        out = []
        index = 0
        i = 0
        while i < len(template):
            if template.startswith("{}", i) or template.startswith("%s", i) or \
                    template.startswith("%v", i):
                out.append(as_text(rest[index]).s if index < len(rest) else UNKNOWN)
                index += 1
                i += 2
                continue
            out.append(template[i])
            i += 1
        return Text("".join(out), flags_of(values))

    def fx_require(self, name, spans, effects):
        module = self.arg(spans, 0)
        if isinstance(module, Text) and module.known():
            if module.flags & (BUILT | DECODED) and effects:
                self.report.act(OBFUSCATED_ACTION)
            return Ref(_module_name(module.s), module.flags & (BUILT | DECODED))
        return None

    def fx_env_whole(self, name, spans, effects):
        if effects:
            self.report.act(ENV_DUMP_ACTION)
        return Obj("environ", ENVIRON)

    def fx_ps_new(self, name, spans, effects):
        """`New-Object Net.WebClient`: an object of that type (its methods resolve)."""
        values = self.ps_values(spans)
        type_name = next((v.s for v in values if isinstance(v, Text) and v.known()), "")
        type_name = type_name.lower()
        return Ref(type_name[7:] if type_name.startswith("system.") else type_name)

    def fx_ps_start(self, name, spans, effects):
        if effects:
            self.argv_command(self.ps_values(spans))
        return None

    def fx_ps_list(self, name, spans, effects):
        values = self.ps_values(spans)
        if any(isinstance(v, Text) and v.s.lower().rstrip("\\/") == "env:" for v in values):
            if effects:
                self.report.act(ENV_DUMP_ACTION)
            return Obj("environ", ENVIRON)
        return None  # a listing: names only

    def ps_values(self, spans: list) -> list:
        return [v for (a, b), v in zip(spans, self.args(spans))
                if not (b - a == 1 and self.toks[a][0] == ID and self.toks[a][1].startswith("-"))]

    def object_call(self, obj: Obj, spans: list, effects: bool):
        """A method of a socket, a response or the environment."""
        if obj.kind == "environ":
            return self.env_get(self.arg(spans, 0))
        if obj.kind == "socket":
            if effects:
                self.report.act(NETWORK_ACTION)
                hosts_in(self.report, self.args(spans))
            return Text(FETCHED, NETWORK)
        if obj.kind == "response":
            return Text(FETCHED, NETWORK)
        if obj.kind == "file":
            return Text(UNKNOWN, FILE, obj.path)
        return None

    # --- strings and environment as a whole ------------------------------------------------------
    def operand_of_concat(self, i: int) -> bool:
        """Whether the string at `i` is a later piece of a concatenation (`home + '/x'`):
        such a piece is not a path by itself."""
        toks = self.toks
        if i == 0:
            return False
        kind, value = toks[i - 1]
        if kind == OP and value in self.api.concat:
            return True
        return self.lang == "awk" and (kind in (ID, STR, NUM) or (kind == OP and value in (
            "]", ")")))

    def neutral_string(self, parts: list, continued: bool = False) -> None:
        """A string literal: the paths and URLs written in it, and code interpolated."""
        report = self.report
        if parts and isinstance(parts[0], str) and not continued and self.ctx.literals:
            text = parts[0]
            if 1 < len(text) < 4096 and text.strip("/"):
                if looks_like_path(text, self.home):
                    report.add(report.reads, expand_user(Text(text), self.home).s)
                else:
                    url = url_in(text)
                    if url:
                        report.add(report.urls, url)
        self.interpolations(parts)

    def interpolations(self, parts: list) -> None:
        if self.depth > MAX_DEPTH:
            raise Exhausted(R_TOO_DEEP)
        for part in parts:
            if not isinstance(part, str) and part[0] == "x":
                try:
                    toks, _renamed = tokenize(self.lang, part[1][:MAX_CODE], _MAX_TOKENS,
                                              self.budget)
                except OverflowError:
                    continue
                self.depth += 1
                try:
                    self.walk(toks)
                finally:
                    self.depth -= 1

    def whole_environment(self, i: int, end: int, value) -> None:
        """The whole environment used as a value (not `env: process.env` for a child)."""
        if not (isinstance(value, Obj) and value.kind == "environ"):
            return
        toks = self.toks
        if end < len(toks) and toks[end][0] == OP and toks[end][1] in ("[", "{", "="):
            return
        before = [v for _k, v in toks[max(0, i - 6):i]]
        if before[-2:] in (["env", ":"], ["env", "="]) or before[-1:] in (["="], [":="]) or (
                "..." in before[-1:] and "env" in before):
            return  # a child's environment, or a variable (judged where it is used)
        if self.lang == "awk" and before[-1:] != ["in"]:
            return
        self.report.act(ENV_DUMP_ACTION)

    # --- operators: awk pipes and getline, PowerShell pipelines --------------------------------
    def ps_type(self, k: int, stop: int):
        """`[Convert]::FromBase64String(...)`: a PowerShell type and its static member,
        as a chain; (index after it, value) or None."""
        toks = self.toks
        if (k + 3 < stop and toks[k + 1][0] == ID and toks[k + 2] == (OP, "]")
                and toks[k + 3] == (OP, "::")):
            name = toks[k + 1][1].lower()
            if name.startswith("system."):
                name = name[7:]
            return self.chain(k + 3, effects=False, stop=stop, current=Ref(name))
        return None

    def at_operator(self, i: int) -> int:
        if self.lang == "awk":
            return self.awk_operator(i)
        if self.lang == "powershell" and self.toks[i] == (OP, "["):
            toks = self.toks
            if (i + 3 < len(toks) and toks[i + 1][0] == ID and toks[i + 2] == (OP, "]")
                    and toks[i + 3] == (OP, "::")):
                name = toks[i + 1][1].lower()
                self.chain(i + 3, effects=True,
                           current=Ref(name[7:] if name.startswith("system.") else name))
            return i + 1
        if self.toks[i] == (OP, "[") and self.lang in ("javascript", "ruby"):
            self.iteration(i)
        return i + 1

    def iteration(self, i: int) -> None:
        """`['.npmrc', '.ssh/id_rsa'].map(f => ...)`, `%w[a b].each { |f| ... }`: the
        callback is walked once for each literal element, with its parameter bound to it."""
        toks = self.toks
        n = len(toks)
        end = self.closing(i)
        if not (end + 3 < n and toks[end] == (OP, ".") and toks[end + 1][0] == ID
                and toks[end + 1][1] in _ITERATORS and toks[end + 2][1] in ("(", "{", "do")):
            return
        start = end + 3
        stop = self.closing(end + 2) - 1 if toks[end + 2][1] in ("(", "{") else n
        name = None
        for j in range(start, min(start + 6, stop)):
            kind, value = toks[j]
            if kind == ID and value not in ("function", "async"):
                name = value
                body = j + 1
                break
        if name is None:
            return
        if self.unrolling:
            return  # one level: nested loops over literals are walked once, not multiplied
        items = [v for v in (self.value_span(i + 1, end - 1) or []) if isinstance(v, Text)]
        saved = self.vars.get(name)
        body_tokens = toks[body:stop]
        self.unrolling = True
        try:
            for item in items[:8]:
                self.vars[name] = item
                self.walk(body_tokens)
        finally:
            self.unrolling = False
            if saved is None:
                self.vars.pop(name, None)
            else:
                self.vars[name] = saved

    def awk_operator(self, i: int) -> int:
        toks = self.toks
        value = toks[i][1]
        n = len(toks)
        following = toks[i + 1] if i + 1 < n else (NL, "")
        if value in ("|", "|&"):
            if following == (ID, "getline"):
                left = self.value_span(self.operand_start(i), i)
                target = self.awk_command(left, value == "|&")
                j = i + 2
                if j < n and toks[j][0] == ID and toks[j][1] not in ("<",):
                    self.vars[toks[j][1]] = target
                    self.consumed.add(j)
                return i + 2
            end = self.statement_end(i + 1)
            self.awk_command(self.value_span(i + 1, end), value == "|&")
            return i + 1
        if value == "<" and i >= 1 and (toks[i - 1] == (ID, "getline") or (
                i >= 2 and toks[i - 2] == (ID, "getline"))):
            end = self.statement_end(i + 1)
            stop = end
            j = i + 1
            while j < end:
                if toks[j] == (OP, "("):
                    j = self.closing(j)
                    continue
                if toks[j][0] == OP and toks[j][1] in (")", ">", "<"):
                    stop = j
                    break
                j += 1
            self.read_path(self.value_span(i + 1, stop))
            return i + 1
        if value in (">", ">>") and self.after_print(i):
            end = self.statement_end(i + 1)
            self.write_path(self.value_span(i + 1, end))
        return i + 1

    def after_print(self, i: int) -> bool:
        toks = self.toks
        j = i - 1
        while j >= 0 and toks[j][0] != NL and toks[j] not in ((OP, ";"), (OP, "{")):
            if toks[j] in ((ID, "print"), (ID, "printf")):
                return True
            j -= 1
        return False

    def operand_start(self, i: int) -> int:
        """Where the operand ending before `toks[i]` starts (awk juxtaposition)."""
        toks = self.toks
        j = i - 1
        while j >= 0:
            kind, value = toks[j]
            if kind in (STR, NUM, ID):
                j -= 1
                continue
            if kind == OP and value == "]":
                depth = 0
                while j >= 0:
                    if toks[j] == (OP, "]"):
                        depth += 1
                    elif toks[j] == (OP, "["):
                        depth -= 1
                        if depth == 0:
                            break
                    j -= 1
                j -= 1
                continue
            break
        return j + 1

    def awk_command(self, value, coprocess: bool):
        """A command awk runs, or a `/inet/...` connection (gawk)."""
        text = as_text(value)
        report = self.report
        if text.s.startswith(("/inet/", "/inet4/", "/inet6/")):
            report.act(NETWORK_ACTION)
            report.signal(SIGNAL_SOCKET)
            host = host_in(text.s)
            if host:
                report.add(report.hosts, host)
            return Text(FETCHED, NETWORK)
        self.shell_command(text)
        return Text(UNKNOWN)

    # --- statements peculiar to one language ------------------------------------------------
    def statement_powershell(self, i: int) -> int | None:
        """A command statement: `cmdlet args...` or a native program with its arguments."""
        toks = self.toks
        if i > 0:
            kind, value = toks[i - 1]
            if not (kind == NL or (kind == OP and value in (";", "|", "{", "(", "&"))):
                return None
        word = toks[i][1]
        lowered = word.lower()
        if lowered in _PS_KEYWORDS or word.startswith(("$", "-", "[")):
            return None
        if i + 1 < len(toks) and toks[i + 1] == (OP, "="):
            return None
        end = self.statement_end(i + 1)
        if self.effect_of(lowered) is not None or (i + 1 < len(toks) and toks[i + 1][0] == OP
                                                   and toks[i + 1][1] in _SEPARATORS):
            return None
        words = [self.value_span(a, b) for a, b in self.word_spans(i, end)]
        self.argv_command(words)
        return i + 1

    def word_spans(self, start: int, stop: int) -> list[tuple[int, int]]:
        """PowerShell arguments: each word, string or bracketed group is one."""
        toks = self.toks
        spans = []
        j = start
        while j < stop:
            self.tick()
            kind, value = toks[j]
            if kind == OP and value in ("(", "[", "{", "@"):
                begin = j
                if value == "@" and j + 1 < stop and toks[j + 1][1] in ("(", "{"):
                    j += 1
                end = min(self.closing(j), stop) if toks[j][1] in ("(", "[", "{") else j + 1
                while end < stop and (toks[end] in ((OP, "."), (OP, "::"), (OP, "("))):
                    if toks[end] == (OP, "("):
                        end = min(self.closing(end), stop)
                    elif end + 1 < stop and toks[end + 1][0] == ID:
                        end += 2
                    else:
                        break
                spans.append((begin, end))
                j = end
                continue
            if kind in (ID, STR, NUM, CMD):
                spans.append((j, j + 1))
            j += 1
        return spans

    def statement_applescript(self, i: int) -> int | None:
        toks = self.toks
        words = [v.lower() if isinstance(v, str) else "" for _k, v in toks[i:i + 3]]
        if words == ["do", "shell", "script"]:
            end = self.statement_end(i + 3)
            self.shell_command(self.value_span(i + 3, end))
            return i + 3
        return None


def _ends(toks: list, match: list, stop, kinds: tuple) -> list:
    """For each index, the first index at or after it, at the same bracket level, where
    `stop(toks, index)` holds (or the end): one backward pass, bracketed groups jumped.
    `stop` is asked only about tokens of `kinds`."""
    n = len(toks)
    ends = [n] * (n + 1)
    following = n
    for index in range(n - 1, -1, -1):
        kind, value = toks[index]
        if kind in kinds and stop(toks, index):
            following = index
        elif kind == OP and value in _OPENERS:
            after = match[index]
            following = ends[after] if after < n else n
        ends[index] = following
    return ends


_OPENERS = frozenset("([{")


def _matches(toks: list) -> list:
    """For each opening bracket, the index after its closing one (one pass, a stack)."""
    n = len(toks)
    match = [n] * n
    stack: list[tuple[str, int]] = []
    closers = {")": "(", "]": "[", "}": "{"}
    for index, (kind, value) in enumerate(toks):
        if kind != OP:
            continue
        if value in ("(", "[", "{"):
            stack.append((value, index))
        elif value in closers:
            while stack:
                opener, start = stack.pop()
                if opener == closers[value]:
                    match[start] = index + 1
                    break
    return match


def _module_name(name: str) -> str:
    return name[5:] if name.startswith("node:") else name


def _php_code(src: str) -> str:
    """The PHP code of a file: what is inside `<?php ... ?>` (all of `php -r` code)."""
    start = src.find("<?php")
    if start < 0:
        start = src.find("<?")
        if start < 0:
            return src
        return src[start + 2:]
    parts = []
    while start >= 0:
        end = src.find("?>", start + 5)
        parts.append(src[start + 5:end if end >= 0 else len(src)])
        if end < 0:
            break
        start = src.find("<?php", end)
    return "\n".join(parts)


def analyze(language: str, src: str, ctx: CodeContext) -> None:
    TokenAnalyzer(language, ctx).run(src)
