"""Python code, parsed for real: `compile(src, "<code>", "exec", PyCF_ONLY_AST)` gives the
tree through the builtin `_ast` module without importing `ast` (and `re` with it), and the
parser has already NFKC-normalised every identifier (`ｅｘｅｃ` is `exec`, as Python runs it).

The walker evaluates what it can: imports and aliases (`import subprocess as sp`,
`from os import system as s`, `__import__('o' + 's')`, `getattr(os, 'sys' + 'tem')`),
string literals and their concatenations, f-strings, `%` and `.format`, path building
(`Path.home() / '.ssh'`, `os.path.join(os.environ['HOME'], '.kube', 'config')`,
`expanduser('~')`), variables (flow-insensitive, per function scope), loops over literal
lists, and literal payloads (base64, hex, zlib, char codes, reversed strings). Each call is
then looked up in `CALLS`: what it does (network, processes, files, deletes, running code,
decoding) and which argument carries the command, the path or the host.
"""

from __future__ import annotations

import _ast

from .effects import argv_command, hosts_in, shell_command
from .report import (
    BUILT,
    DECODE_EXEC_ACTION,
    DECODED,
    DELETE_ACTION,
    ENV_DUMP_ACTION,
    ENV_NAME,
    ENVIRON,
    FETCHED,
    FILE,
    MAX_ALTS,
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
from .values import (
    UNKNOWN_TEXT,
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
    expand_vars,
    flags_of,
    join_path,
    looks_like_path,
    rot13,
    url_in,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .context import CodeContext

PyCF_ONLY_AST = 0x400

# What each call does, by qualified name (after aliases are resolved).
_SUBPROCESS = ("run call check_call check_output Popen getoutput getstatusoutput")
CALLS: dict[str, str] = {}


def _table(effect: str, names: str) -> None:
    for name in names.split():
        CALLS[name] = effect


_table("shell", "os.system os.popen os.popen2 os.popen3 os.popen4 commands.getoutput "
       "commands.getstatusoutput platform.popen")
_table("popen", " ".join("subprocess." + n for n in _SUBPROCESS.split()))
_table("popen", "sh.Command plumbum.local")
_table("execv", "os.execv os.execve os.execvp os.execvpe")
_table("execl", "os.execl os.execle os.execlp os.execlpe")
_table("spawnv", "os.spawnv os.spawnve os.spawnvp os.spawnvpe")
_table("spawnl", "os.spawnl os.spawnle os.spawnlp os.spawnlpe")
_table("posix_spawn", "os.posix_spawn os.posix_spawnp")
_table("pty", "pty.spawn")
_table("shell", "asyncio.create_subprocess_shell")
_table("argv", "asyncio.create_subprocess_exec")
# The OS keychain through the keyring library: what `keyring get SERVICE USER` prints.
_table("keyring", "keyring.get_password keyring.get_credential keyring.core.get_password "
       "keyring.core.get_credential")
# Libraries that decrypt a browser's cookie store: the read of that browser's profile.
_table("browser_store", "browser_cookie3.chrome browser_cookie3.chromium browser_cookie3.brave "
       "browser_cookie3.edge browser_cookie3.opera browser_cookie3.vivaldi "
       "browser_cookie3.firefox browser_cookie3.librewolf browser_cookie3.safari "
       "browser_cookie3.load pycookiecheat.chrome_cookies pycookiecheat.firefox_cookies "
       "browsercookie.chrome browsercookie.firefox browsercookie.load")
_table("dup", "os.dup2 os.dup os.dup3")
_table("socket", "socket.socket socket.create_connection socket.fromfd socket.socketpair "
       "ssl.wrap_socket asyncio.open_connection telnetlib.Telnet")
_table("fetch", "urllib.request.urlopen urllib.request.urlretrieve urllib.request.Request "
       "urllib.urlopen urllib.urlretrieve urllib2.urlopen urllib2.Request "
       "http.client.HTTPConnection http.client.HTTPSConnection httplib.HTTPConnection "
       "httplib.HTTPSConnection urllib3.PoolManager urllib3.request xmlrpc.client.ServerProxy "
       "ftplib.FTP ftplib.FTP_TLS smtplib.SMTP smtplib.SMTP_SSL poplib.POP3 imaplib.IMAP4 "
       "imaplib.IMAP4_SSL paramiko.SSHClient pycurl.Curl websocket.create_connection "
       "websockets.connect aiohttp.ClientSession aiohttp.request")
for _client in ("requests", "httpx", "niquests"):
    _table("fetch", " ".join(f"{_client}.{m}" for m in (
        "get", "post", "put", "patch", "delete", "head", "options", "request", "Session",
        "Client", "AsyncClient", "stream")))
_table("open", "open io.open codecs.open builtins.open os.open os.fdopen gzip.open bz2.open "
       "lzma.open tarfile.open zipfile.ZipFile shelve.open dbm.open sqlite3.connect")
_table("read", "os.readlink configparser.ConfigParser.read netrc.netrc "
       "pathlib.Path.read_text")
# Listing a folder gives names, not content: nothing is read (reading what it lists is).
_table("listdir", "os.listdir os.scandir os.walk glob.glob glob.iglob os.fwalk")
_table("write", "os.mkdir os.makedirs os.chmod os.chown os.lchown os.truncate os.utime "
       "os.mkfifo os.mknod shutil.chown")
_table("write2", "shutil.copy shutil.copy2 shutil.copyfile shutil.copytree shutil.copymode "
       "shutil.copystat os.symlink os.link")
_table("move", "os.rename os.renames os.replace shutil.move")
_table("delete", "os.remove os.unlink os.rmdir os.removedirs shutil.rmtree "
       "send2trash.send2trash")
_table("exec", "exec eval compile builtins.exec builtins.eval builtins.compile "
       "code.compile_command code.InteractiveInterpreter.runsource")
_table("runpath", "runpy.run_path execfile")
_table("deser", "pickle.loads marshal.loads dill.loads cloudpickle.loads pickle.load "
       "marshal.load types.FunctionType types.CodeType")
_table("b64", "base64.b64decode base64.decodebytes base64.standard_b64decode "
       "base64.urlsafe_b64decode base64.decodestring binascii.a2b_base64")
_table("b32", "base64.b32decode base64.b16decode base64.a85decode base64.b85decode")
_table("hex", "binascii.unhexlify binascii.a2b_hex bytes.fromhex bytearray.fromhex")
_table("zlib", "zlib.decompress gzip.decompress bz2.decompress lzma.decompress")
_table("codecs_decode", "codecs.decode")
_table("home", "pathlib.Path.home pathlib.PosixPath.home")
_table("cwd", "os.getcwd pathlib.Path.cwd os.getcwdb")
_table("expanduser", "os.path.expanduser posixpath.expanduser")
_table("expandvars", "os.path.expandvars posixpath.expandvars")
_table("join", "os.path.join posixpath.join")
_table("path", "pathlib.Path pathlib.PurePath pathlib.PosixPath pathlib.PurePosixPath")
_table("identity", "os.path.abspath os.path.realpath os.path.normpath os.fspath str "
       "os.path.normcase repr bytes.decode sqlalchemy.text sqlalchemy.sql.text "
       "sqlalchemy.sql.expression.text")
# Django's management commands that empty or drop the database.
_table("django_command", "django.core.management.call_command")
_DJANGO_WIPES = frozenset({"flush", "reset_db", "sqlflush"})
# Database access through a driver or an ORM, whatever the receiver (a cursor, a
# connection, a session, an engine): SQL given to these methods is judged like SQL given to
# a database's command line (event_source.sql), and these ORM methods drop every table.
_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql",
                          "execute_sql", "raw", "run_sql"})
_DROP_ALL_METHODS = frozenset({"drop_all", "drop_tables", "dropDatabase", "drop_database",
                               "drop_collection"})
_table("getenv", "os.getenv os.environ.get os.getenvb")
_table("import", "__import__ importlib.import_module importlib.__import__")
_table("getattr", "getattr")
_table("chr", "chr")
_table("bytes", "bytes bytearray")
_table("environ_pass", "dict list tuple sorted json.dumps copy.copy copy.deepcopy "
       "pprint.pformat")
_table("quiet", "print logging.info logging.debug logging.warning logging.error "
       "logging.critical logging.exception os.path.exists os.path.isfile os.path.isdir "
       "os.path.islink os.path.lexists os.path.getsize os.path.getmtime os.access os.stat "
       "os.lstat warnings.warn sys.exit")
# Iterating the environment mapping gives the variables' names.
_NAME_LISTS = frozenset({"list", "tuple", "sorted"})
_table("env_dump", "os.environ.items os.environ.values")
# The names of the variables, not their values (`os.environ.keys()`, `sorted(os.environ)`).
_table("env_names", "os.environ.keys")

# Methods of `pathlib.Path` values (kept as `Text`).
_PATH_READ = frozenset({"read_text", "read_bytes", "open", "readlink"})
_PATH_LIST = frozenset({"iterdir", "glob", "rglob", "walk"})
_PATH_WRITE = frozenset({"write_text", "write_bytes", "touch", "mkdir", "chmod",
                         "symlink_to", "hardlink_to", "link_to", "lchmod"})
_PATH_DELETE = frozenset({"unlink", "rmdir"})
_PATH_QUIET = frozenset({"exists", "is_file", "is_dir", "is_symlink", "stat", "lstat",
                         "samefile", "owner", "group"})
_PATH_SAME = frozenset({"resolve", "absolute", "expanduser", "as_posix", "__str__",
                        "__fspath__", "strip", "rstrip", "lstrip", "lower", "upper",
                        "encode", "decode", "casefold", "title", "capitalize",
                        "removeprefix", "removesuffix", "zfill", "expandtabs"})
_SOCKET_HOST_METHODS = frozenset({"connect", "connect_ex", "sendto", "request", "putrequest",
                                  "create_connection", "open"})
_SOCKET_DATA_METHODS = frozenset({"recv", "recvfrom", "recv_into", "read", "readline",
                                  "makefile", "fileno", "getresponse"})


class PythonAnalyzer:
    """Walks one module's tree and fills the context's report."""

    def __init__(self, ctx: CodeContext) -> None:
        self.ctx = ctx
        self.report = ctx.report
        self.home = ctx.home
        self.budget = ctx.budget
        self.scopes: list[dict] = [{}]
        self.stars: list[str] = []     # modules imported with `from m import *`
        self.depth = 0
        self.quiet = 0
        self.unrolling = False  # a loop over literals is walked once per item, not nested
        self.returns: list = []  # the value returned by each function being walked
        self.inlined = 0         # calls of local functions being walked
        self.lines: list[bytes] | None = None   # the source as UTF-8 lines, if not ASCII
        self._exprs = {
            _ast.Constant: self._constant, _ast.Name: self._name,
            _ast.Attribute: self._attribute, _ast.Call: self._call, _ast.BinOp: self._binop,
            _ast.JoinedStr: self._joined, _ast.Subscript: self._subscript,
            _ast.List: self._sequence, _ast.Tuple: self._sequence, _ast.Set: self._sequence,
            _ast.Dict: self._dict, _ast.Starred: self._starred,
            _ast.ListComp: self._comprehension, _ast.GeneratorExp: self._comprehension,
        }
        self._stmts = {
            _ast.Assign: self._assign, _ast.AnnAssign: self._ann_assign,
            _ast.AugAssign: self._aug_assign, _ast.Expr: self._expr_stmt,
            _ast.Import: self._import, _ast.ImportFrom: self._import_from,
            _ast.FunctionDef: self._function, _ast.AsyncFunctionDef: self._function,
            _ast.For: self._for, _ast.AsyncFor: self._for, _ast.Return: self._return,
        }

    # --- entry ----------------------------------------------------------------------------
    def run(self, src: str) -> bool:
        """Analyse `src`; False when it is not valid Python (the caller falls back)."""
        try:
            self.budget.scan(len(src))
        except Exhausted as stop:
            self.report.reason(stop.reason)
            return True
        try:
            tree = compile(src, "<code>", "exec", PyCF_ONLY_AST, True)
        except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
            return False
        if not src.isascii():
            self.lines = src.encode("utf-8", "surrogatepass").split(b"\n")
        try:
            self.body(tree.body)
        except Exhausted as stop:
            self.report.reason(stop.reason)
        except RecursionError:
            self.report.reason(R_TOO_DEEP)
        return True

    # --- bookkeeping ------------------------------------------------------------------------
    def enter(self) -> None:
        budget = self.budget
        budget.work += 1
        if budget.work > MAX_WORK:
            raise Exhausted(R_TOO_COMPLEX)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Exhausted(R_TOO_DEEP)

    def lookup(self, name: str):
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def bind(self, target, value) -> None:
        if isinstance(target, _ast.Name):
            self.scopes[-1][target.id] = value
        elif isinstance(target, (_ast.Tuple, _ast.List)):
            items = value if isinstance(value, list) else []
            # unpacking a value known only by its flags (`k, v` of the environment's items)
            part = Text(UNKNOWN, value.flags) if isinstance(value, Text) and value.flags else None
            for index, element in enumerate(target.elts):
                self.bind(element, items[index] if index < len(items) else part)
        elif isinstance(target, _ast.Starred):
            self.bind(target.value, None)
        else:
            self.ev(target)  # obj.attr = v, d[k] = v: evaluate the parts

    # --- statements -------------------------------------------------------------------------
    def body(self, statements: list) -> None:
        for statement in statements:
            self.stmt(statement)

    def stmt(self, node) -> None:
        self.enter()
        try:
            handler = self._stmts.get(type(node))
            if handler is not None:
                handler(node)
            else:
                self.children(node)
        finally:
            self.depth -= 1

    def children(self, node) -> None:
        """Every child of a node: statements walked, expressions evaluated."""
        for field in node._fields:
            child = getattr(node, field, None)
            if isinstance(child, list):
                for item in child:
                    self.child(item)
            elif child is not None:
                self.child(child)

    def child(self, item) -> None:
        if isinstance(item, _ast.stmt):
            self.stmt(item)
        elif isinstance(item, _ast.expr):
            self.ev(item)
        elif isinstance(item, _ast.AST):
            self.enter()
            try:
                self.children(item)
            finally:
                self.depth -= 1

    def _assign(self, node) -> None:
        value = self.ev(node.value)
        for target in node.targets:
            self.bind(target, value)

    def _ann_assign(self, node) -> None:
        value = self.ev(node.value) if node.value is not None else None
        self.bind(node.target, value)

    def _aug_assign(self, node) -> None:
        value = self.ev(node.value)
        if isinstance(node.target, _ast.Name) and isinstance(node.op, _ast.Add):
            before = self.lookup(node.target.id)
            if isinstance(before, list) and isinstance(value, list):
                self.scopes[-1][node.target.id] = (before + value)[:256]
            else:
                self.scopes[-1][node.target.id] = concat([before, value], built=False)
        else:
            self.bind(node.target, None)

    def _expr_stmt(self, node) -> None:
        if isinstance(node.value, _ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring or a bare string: no effect
        self.ev(node.value)

    def _import(self, node) -> None:
        for alias in node.names:
            name = alias.name
            if alias.asname:
                self.scopes[-1][alias.asname] = Ref(name)
            else:
                root = name.split(".", 1)[0]
                self.scopes[-1][root] = Ref(root)

    def _import_from(self, node) -> None:
        module = node.module or ""
        for alias in node.names:
            if alias.name == "*":
                self.stars.append(module)
                continue
            self.scopes[-1][alias.asname or alias.name] = Ref(f"{module}.{alias.name}"
                                                              if module else alias.name)

    def _function(self, node) -> None:
        for decorator in node.decorator_list:
            self.ev(decorator)
        self.child(node.args)
        self.run_function(node, {})
        self.scopes[-1][node.name] = Function(node)

    def run_function(self, node, bound: dict):
        """Walk a function's body with its parameters bound (unknown unless given); the
        value it returns, when one `return` gives a value."""
        scope: dict = {}
        arguments = node.args
        for arg in (*getattr(arguments, "posonlyargs", ()), *arguments.args,
                    *arguments.kwonlyargs, arguments.vararg, arguments.kwarg):
            if arg is not None:
                scope[arg.arg] = bound.get(arg.arg)
        self.scopes.append(scope)
        self.returns.append(None)
        try:
            self.body(node.body)
        finally:
            self.scopes.pop()
            returned = self.returns.pop()
        return returned

    def call_function(self, function: Function, args: list, kwargs: dict):
        """A call of a function defined in the code, with known arguments: its body again
        with them (the first walk, at the definition, knew none). Bounded in depth and
        number of walks per function."""
        node = function.node
        if (function.walks >= _MAX_FUNCTION_WALKS or self.inlined >= _MAX_INLINE_DEPTH
                or not any(v is not None for v in (*args, *kwargs.values()))):
            return None
        arguments = node.args
        names = [a.arg for a in (*getattr(arguments, "posonlyargs", ()), *arguments.args)]
        bound = dict(zip(names, args))
        bound.update((k, v) for k, v in kwargs.items() if k in names or any(
            a.arg == k for a in arguments.kwonlyargs))
        function.walks += 1
        self.inlined += 1
        try:
            return self.run_function(node, bound)
        finally:
            self.inlined -= 1

    def _return(self, node) -> None:
        value = self.ev(node.value)
        if self.returns and self.returns[-1] is None:
            self.returns[-1] = value

    def _for(self, node) -> None:
        iterable = self.ev(node.iter)
        if isinstance(iterable, list) and not self.unrolling:
            items = [i for i in iterable if isinstance(i, Text)][:MAX_ALTS]
            self.unrolling = True
            try:
                for item in items:  # each literal the loop variable takes, in turn
                    self.bind(node.target, item)
                    self.body(node.body)
            finally:
                self.unrolling = False
            if items:
                self.body(node.orelse)
                return
        elif isinstance(iterable, Obj) and iterable.kind == "environ":
            # `for name in os.environ`: the names; `.items()`, `.values()`: the values too
            names = not isinstance(node.iter, _ast.Call)
            self.bind(node.target, Text(UNKNOWN, ENV_NAME if names else ENVIRON))
        else:
            self.bind(node.target, Text(UNKNOWN, flags_of(iterable)))
        self.body(node.body)
        self.body(node.orelse)

    # --- expressions ------------------------------------------------------------------------
    def ev(self, node):
        """The value of an expression (see `values`), with the effects of the calls in it."""
        if node is None:
            return None
        budget = self.budget  # `enter`, inline: this runs for every expression
        budget.work += 1
        if budget.work > MAX_WORK:
            raise Exhausted(R_TOO_COMPLEX)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise Exhausted(R_TOO_DEEP)
            handler = self._exprs.get(type(node))
            if handler is not None:
                return handler(node)
            self.children(node)
            return None
        finally:
            self.depth -= 1

    def _constant(self, node):
        value = node.value
        if isinstance(value, str):
            return self.literal(value)
        if isinstance(value, bytes):
            return self.literal(value.decode("latin-1"))
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return None

    def literal(self, text: str) -> Text:
        """A string constant: paths and URLs in it are noted (unless in a message)."""
        if self.ctx.literals and not self.quiet and 1 < len(text) < 4096 and text.strip("/"):
            report = self.report
            if looks_like_path(text, self.home):
                report.add(report.reads, expand_user(Text(text), self.home).s)
            else:
                url = url_in(text)
                if url:
                    report.add(report.urls, url)
        return Text(text)

    def _name(self, node):
        if self.lines is not None:
            self.check_spelling(node, node.id)
        value = self.lookup(node.id)
        if value is not None:
            return value
        if node.id in ("__builtins__", "builtins"):
            return Ref("builtins")
        for module in self.stars:
            if f"{module}.{node.id}" in CALLS:
                return Ref(f"{module}.{node.id}")
        return Ref(node.id) if node.id in CALLS or node.id in _BUILTINS else None

    def _attribute(self, node):
        base = self.ev(node.value)
        if self.lines is not None:
            self.check_spelling(node, node.attr)
        return self.member(base, node.attr)

    def member(self, base, attr: str):
        """`base.attr` as a value (a method is looked up at the call)."""
        if isinstance(base, Ref):
            name = attr if base.name == "builtins" else f"{base.name}.{attr}"
            if name == "os.environ":
                return Obj("environ", ENVIRON | base.flags)
            return Ref(name, base.flags)
        if isinstance(base, Obj):
            if base.kind in ("response", "socket"):
                return Text(FETCHED, NETWORK)
            return Obj(base.kind, base.flags, base.path)
        if isinstance(base, Text) and attr in ("parent", "name", "stem", "suffix"):
            if attr == "parent" and "/" in base.s:
                return Text(base.s.rstrip("/").rsplit("/", 1)[0] or "/", base.flags)
            return Text(UNKNOWN, base.flags)
        return None

    def _binop(self, node):
        # Flatten left-nested chains (`a + b + c + ...`) without recursing on their depth.
        operands = []
        current = node
        while isinstance(current, _ast.BinOp) and isinstance(current.op, type(node.op)):
            operands.append(current.right)
            current = current.left
            self.budget.work += 1
        operands.append(current)
        operands.reverse()
        values = [self.ev(operands[0])]
        self.quiet += 1  # a later piece of a concatenation is not a path by itself
        try:
            values.extend(self.ev(operand) for operand in operands[1:])
        finally:
            self.quiet -= 1
        op = node.op
        if isinstance(op, _ast.Add):
            if all(isinstance(v, list) for v in values):
                return [item for v in values for item in v][:256]
            if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
                return sum(values) if all(abs(v) < 1 << 32 for v in values) else None
            return concat(values)
        if isinstance(op, _ast.Div) and isinstance(values[0], Text):
            return join_path(values)
        if isinstance(op, _ast.Mod) and isinstance(values[0], Text) and len(values) == 2:
            return _percent_format(values[0], values[1])
        if isinstance(op, _ast.Mult):
            return None
        return Text(UNKNOWN, flags_of(values)) if any(isinstance(v, Text) for v in values) \
            else None

    def _joined(self, node):
        parts = []
        for index, value in enumerate(node.values):
            if index == 1:
                self.quiet += 1
            if isinstance(value, _ast.FormattedValue):
                parts.append(self.ev(value.value))
                if value.format_spec is not None:
                    self.ev(value.format_spec)
            else:
                parts.append(self.ev(value))
        if len(node.values) > 1:
            self.quiet -= 1
        return concat(parts, built=False)

    def _subscript(self, node):
        base = self.ev(node.value)
        index = node.slice
        if isinstance(index, _ast.Slice):
            for part in (index.lower, index.upper, index.step):
                self.ev(part)
            step = index.step
            if (isinstance(base, Text) and isinstance(step, _ast.UnaryOp)
                    and isinstance(step.op, _ast.USub) and index.lower is None
                    and index.upper is None):
                return Text(base.s[::-1], base.flags | DECODED)
            return base if isinstance(base, Text) else None
        key = self.ev(index)
        if isinstance(base, Obj) and base.kind == "environ":
            return self.env_get(key)
        if isinstance(base, Mapping):
            return base.get(key)
        if isinstance(base, list) and isinstance(key, int) and -len(base) <= key < len(base):
            return base[key]
        if isinstance(base, Obj) and base.flags & NETWORK:
            return Text(FETCHED, NETWORK)
        return Text(UNKNOWN, flags_of(base)) if flags_of(base) else None

    def _sequence(self, node):
        return [self.ev(element) for element in node.elts][:256]

    def _starred(self, node):
        return self.ev(node.value)

    def _dict(self, node):
        values = [self.ev(v) for v in node.values]
        keys = [self.ev(key) for key in node.keys]
        entries = {}
        for key, value in zip(keys, values):
            if key is None and isinstance(value, Obj) and value.kind == "environ":
                return Obj("environ", ENVIRON)  # {**os.environ, ...}
            if isinstance(key, Text) and key.known():
                entries[key.s] = value
        return Mapping(entries, flags_of(values))

    def _comprehension(self, node):
        """`''.join(chr(c) for c in [...])`: char codes spelled as a comprehension."""
        generators = node.generators
        elt = node.elt
        iterable = self.ev(generators[0].iter) if generators else None
        for generator in generators[1:]:
            self.ev(generator.iter)
        for generator in generators:
            for condition in generator.ifs:
                self.ev(condition)
        if (len(generators) == 1 and isinstance(iterable, list)
                and isinstance(elt, _ast.Call) and isinstance(elt.func, _ast.Name)
                and elt.func.id == "chr" and len(elt.args) == 1
                and isinstance(generators[0].target, _ast.Name)):
            arg = elt.args[0]
            name = generators[0].target.id
            if isinstance(arg, _ast.Name) and arg.id == name:
                return [Text(c, DECODED) for c in chars(iterable).s]
        names = (isinstance(iterable, Obj) and iterable.kind == "environ"
                 and not isinstance(generators[0].iter, _ast.Call))
        self.bind(generators[0].target if generators else None,
                  Text(UNKNOWN, ENV_NAME if names else flags_of(iterable)))
        return self.ev(elt)

    # --- calls ----------------------------------------------------------------------------
    def _call(self, node):
        func = node.func
        receiver = None
        method = None
        if isinstance(func, _ast.Attribute):
            receiver = self.ev(func.value)
            if self.lines is not None:
                self.check_spelling(func, func.attr)
            callee = self.member(receiver, func.attr)
            if not isinstance(callee, Ref):
                method = func.attr
        else:
            callee = self.ev(func)
        name = callee.name if isinstance(callee, Ref) else None
        effect = CALLS.get(name) if name else None
        quiet = effect == "quiet"
        self.quiet += quiet
        try:
            args = [self.ev(a) for a in node.args]
            kwargs = {}
            for keyword in node.keywords:
                value = self.ev(keyword.value)
                if keyword.arg is None:
                    if isinstance(value, Obj) and value.kind == "environ":
                        kwargs["**"] = value
                else:
                    kwargs[keyword.arg] = value
        finally:
            self.quiet -= quiet
        if isinstance(callee, Ref) and callee.flags & (BUILT | DECODED):
            self.report.act(OBFUSCATED_ACTION)
        if isinstance(callee, Function):
            return self.call_function(callee, args, kwargs)
        if method is not None:
            self.database_method(method, args, kwargs)
            return self.method(receiver, method, args, kwargs)
        if name is None:
            self.env_sinks(args, kwargs, None)
            return None
        if "." in name or effect:
            self.report.call(name)
        if effect is None and "." in name:  # `db.drop_all()` of an imported module's object
            self.database_method(name.rsplit(".", 1)[1], args, kwargs)
        result = self.effect(effect, name, args, kwargs) if effect else None
        if effect not in ("environ_pass", "popen", "execv", "execl", "spawnv", "spawnl",
                          "posix_spawn", "getenv", "import", "getattr"):
            self.env_sinks(args, kwargs, effect)
        if result is None and effect is None:
            flags = flags_of(args)
            return Text(UNKNOWN, flags & ~BUILT) if flags else None
        return result

    def database_method(self, name: str, args: list, kwargs: dict) -> None:
        """SQL sent through a driver or ORM method, and ORM methods that drop everything."""
        if name in _DROP_ALL_METHODS:
            self.report.effects["db.wipe"] = None
        elif name in _SQL_METHODS:
            statement = args[0] if args else kwargs.get("sql") or kwargs.get("statement")
            if isinstance(statement, Text) and statement.s:
                from ..sql import effects

                for found in effects(statement.s):
                    self.report.effects[found] = None

    def do_django_command(self, name, args, kwargs):
        if args and isinstance(args[0], Text) and args[0].s in _DJANGO_WIPES:
            self.report.effects["db.wipe"] = None

    def env_sinks(self, args: list, kwargs: dict, effect: str | None) -> None:
        """The whole environment handed to anything but a child process's `env=`."""
        for value in (*args, *(v for k, v in kwargs.items() if k not in ("env", "**"))):
            if value is not None and (flags_of(value) & ENVIRON or (
                    isinstance(value, Obj) and value.kind == "environ")):
                self.report.act(ENV_DUMP_ACTION)
                return

    def effect(self, effect: str, name: str, args: list, kwargs: dict):
        handler = getattr(self, "do_" + effect, None)
        return handler(name, args, kwargs) if handler is not None else None

    def method(self, receiver, name: str, args: list, kwargs: dict):
        """A method of a computed value (a string, a path, a socket, a response...)."""
        report = self.report
        if isinstance(receiver, Mapping):
            if name in ("get", "pop", "setdefault", "__getitem__"):
                found = receiver.get(args[0] if args else None)
                return found if found is not None or len(args) < 2 else args[1]
            if name == "values":
                return list(receiver.entries.values())
            return None
        if isinstance(receiver, Obj):
            kind = receiver.kind
            if kind == "environ":
                if name in ("get", "setdefault", "pop", "__getitem__"):
                    return self.env_get(args[0] if args else None)
                if name == "keys":
                    return Text(UNKNOWN, ENV_NAME)  # the names of the variables
                if name in ("copy", "items", "values"):
                    if name != "copy":
                        self.env_sinks([receiver], {}, None)
                    return Obj("environ", ENVIRON)
                return None
            if kind == "socket" and name in _SOCKET_HOST_METHODS:
                hosts_in(self.report, args)
                hosts_in(self.report, list(kwargs.values()))
            if kind in ("socket", "response"):
                report.act(NETWORK_ACTION)
                if name in _SOCKET_DATA_METHODS or kind == "response":
                    return Text(FETCHED, NETWORK) if name not in ("fileno", "makefile") \
                        else Obj("socket", NETWORK)
                return None
            if kind == "file" and name in ("read", "readlines", "readline", "read_text"):
                return Text(UNKNOWN, FILE | receiver.flags, receiver.path)
            self.env_sinks(args, kwargs, None)
            return None
        if isinstance(receiver, Text):
            return self.text_method(receiver, name, args, kwargs)
        if isinstance(receiver, list) and name in ("join",):
            return None
        self.env_sinks(args, kwargs, None)
        return Text(UNKNOWN, flags_of(receiver)) if flags_of(receiver) else None

    def text_method(self, text: Text, name: str, args: list, kwargs: dict):
        report = self.report
        if name in _PATH_READ:
            report.add(report.reads, text.s)
            return Obj("file", FILE, text.s) if name == "open" else Text(UNKNOWN, FILE,
                                                                         text.s)
        if name in _PATH_LIST:
            return [Text(UNKNOWN, FILE)]
        if name in _PATH_WRITE:
            report.add(report.writes, text.s)
            return None
        if name in _PATH_DELETE:
            report.act(DELETE_ACTION)
            report.add(report.deletes, text.s)
            report.add(report.writes, text.s)
            return None
        if name in ("rename", "replace") and args:
            target = as_text(args[0])
            report.add(report.writes, text.s)
            report.add(report.writes, target.s)
            return target
        if name in _PATH_QUIET:
            return None
        if name == "joinpath":
            return join_path([text, *args])
        if name in ("with_name", "with_suffix", "with_stem"):
            return Text(UNKNOWN, text.flags)
        if name == "join":
            items = args[0] if args and isinstance(args[0], list) else None
            if items is None:
                return Text(UNKNOWN, text.flags | flags_of(args))
            return Text(text.s.join(as_text(i).s for i in items),
                        text.flags | flags_of(items) | (BUILT if len(items) > 1 else 0))
        if name == "format":
            return _brace_format(text, args, kwargs)
        if name == "decode" and args and isinstance(args[0], Text):
            codec = args[0].s.lower().replace("-", "_")
            if codec in ("base64", "base_64"):
                return decoded(text, decode_base64)
            if codec == "hex":
                return decoded(text, decode_hex)
            if codec in ("rot13", "rot_13"):
                return decoded(text, rot13)
        if name == "expanduser":
            return expand_user(text, self.home)
        if name in _PATH_SAME or name == "decode":
            return Text(text.s, text.flags, text.path)
        if name == "replace" and len(args) >= 2 and all(isinstance(a, Text) for a in args[:2]):
            return Text(text.s.replace(args[0].s, args[1].s), text.flags | BUILT)
        if name == "translate":
            return Text(UNKNOWN, text.flags | DECODED)
        return Text(UNKNOWN, text.flags) if text.flags else None

    # --- effects (`do_<effect>` for the effect names of CALLS) -------------------------------
    def command(self, value) -> None:
        """A command line given to a shell."""
        shell_command(self.report, value)

    def argv(self, words) -> None:
        """A program run with these arguments (no shell)."""
        if not isinstance(words, list):
            words = [words]
        argv_command(self.report, [as_text(w) for w in words if not isinstance(w, list)],
                     flags_of(words))

    def do_shell(self, name, args, kwargs):
        self.command(args[0] if args else kwargs.get("cmd") or kwargs.get("command"))
        return Text(UNKNOWN)

    def do_popen(self, name, args, kwargs):
        first = args[0] if args else kwargs.get("args")
        shell = kwargs.get("shell")
        if isinstance(first, list) and not (isinstance(shell, int) and shell):
            self.argv(first)
        elif name.endswith(("getoutput", "getstatusoutput")) or isinstance(first, Text):
            self.command(first)
        else:
            self.argv(first)
        for stream in ("stdin", "stdout", "stderr"):
            value = kwargs.get(stream)
            if isinstance(value, Obj) and value.kind == "socket":
                self.report.signal(SIGNAL_STDIO)
        return Text(UNKNOWN)

    def do_argv(self, name, args, kwargs):
        self.argv(list(args))

    def do_keyring(self, name, args, kwargs):
        """A password from the OS keychain: the same read as the keyring command line, so
        the shell analysis's credential rules apply (tool.cmd.credential_reads)."""
        words = [args[0] if args else kwargs.get("service_name"),
                 args[1] if len(args) > 1 else kwargs.get("username")]
        self.report.command("argv", ["keyring", "get",
                                     *(as_text(w).s for w in words if w is not None)])
        return Text(UNKNOWN)

    def do_browser_store(self, name, args, kwargs):
        """A browser's cookies and saved logins, decrypted: the read of its profile folder
        (which the credential-store rules know), Chromium-family and Firefox for `load`."""
        report = self.report
        short = name.rsplit(".", 1)[-1]
        profiles = []
        if short != "firefox_cookies" and short not in ("firefox", "librewolf"):
            profiles.append("/.config/google-chrome")
        if short in ("firefox", "librewolf", "firefox_cookies", "load"):
            profiles.append("/.mozilla/firefox")
        for profile in profiles:
            report.add(report.reads, self.home + profile)
        return Text(UNKNOWN)

    def do_execv(self, name, args, kwargs):
        words = args[1] if len(args) > 1 and isinstance(args[1], list) else args[:1]
        if words and args:
            words = [args[0], *words[1:]]
        self.argv(list(words))

    def do_execl(self, name, args, kwargs):
        words = list(args[1:-1] if name.endswith("e") else args[1:]) or args[:1]
        if args:
            words = [args[0], *words[1:]]
        self.argv(words)

    def do_spawnv(self, name, args, kwargs):
        words = args[2] if len(args) > 2 and isinstance(args[2], list) else args[1:2]
        self.argv([args[1], *words[1:]] if len(args) > 1 else list(words))

    def do_spawnl(self, name, args, kwargs):
        self.argv([args[1], *args[3:]] if len(args) > 1 else [])

    def do_posix_spawn(self, name, args, kwargs):
        words = args[1] if len(args) > 1 and isinstance(args[1], list) else args[:1]
        self.argv([args[0], *words[1:]] if args else list(words))

    def do_pty(self, name, args, kwargs):
        first = args[0] if args else None
        self.argv(first if isinstance(first, list) else [first])
        self.report.signal(SIGNAL_STDIO)

    def do_dup(self, name, args, kwargs):
        self.report.signal(SIGNAL_STDIO)

    def do_socket(self, name, args, kwargs):
        report = self.report
        report.act(NETWORK_ACTION)
        report.signal(SIGNAL_SOCKET)
        hosts_in(self.report, args)
        hosts_in(self.report, list(kwargs.values()))
        return Obj("socket", NETWORK)

    def do_fetch(self, name, args, kwargs):
        report = self.report
        report.act(NETWORK_ACTION)
        hosts_in(self.report, args)
        hosts_in(self.report, [v for k, v in kwargs.items() if k in ("url", "host", "hostname",
                                                             "address", "uri")])
        if name.endswith(".urlretrieve"):
            # urlretrieve(url, filename): the download lands in a file, which the shell
            # analysis then knows as downloaded (running it later is running fetched code)
            target = args[1] if len(args) > 1 else kwargs.get("filename")
            if target is not None:
                report.add(report.writes, as_text(target).s)
        return Obj("response", NETWORK)

    def do_open(self, name, args, kwargs):
        target = args[0] if args else kwargs.get("file") or kwargs.get("database")
        mode = args[1] if len(args) > 1 else kwargs.get("mode")
        text = as_text(target)
        writes = isinstance(mode, Text) and any(c in mode.s for c in "wax+")
        if name == "os.open" and len(args) > 1:
            writes = not isinstance(mode, int) or bool(mode & 0o3)
        report = self.report
        if target is not None and not isinstance(target, int):
            report.add(report.writes if writes else report.reads, text.s)
        return Obj("file", FILE, text.s)

    def do_read(self, name, args, kwargs):
        report = self.report
        report.add(report.reads, as_text(args[0]).s if args else self.ctx.cwd)
        return Text(UNKNOWN, FILE)

    def do_listdir(self, name, args, kwargs):
        return [Text(UNKNOWN, FILE)]

    def do_write(self, name, args, kwargs):
        if args:
            self.report.add(self.report.writes, as_text(args[0]).s)

    def do_write2(self, name, args, kwargs):
        report = self.report
        if args:
            report.add(report.reads, as_text(args[0]).s)
        if len(args) > 1:
            report.add(report.writes, as_text(args[1]).s)

    def do_move(self, name, args, kwargs):
        for arg in args[:2]:
            self.report.add(self.report.writes, as_text(arg).s)

    def do_delete(self, name, args, kwargs):
        report = self.report
        report.act(DELETE_ACTION)
        target = args[0] if args else kwargs.get("path")
        if target is not None:
            text = as_text(target)
            report.add(report.deletes, text.s)
            report.add(report.writes, text.s)

    def do_exec(self, name, args, kwargs):
        code = args[0] if args else kwargs.get("source")
        if name.endswith("compile"):
            return code if isinstance(code, Text) else None
        self.run_code(code, "python")
        return None

    def run_code(self, value, language: str) -> None:
        """Code the code runs: analysed when known, reported when hidden."""
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
                self.ctx.nested(language, content)
            return
        if text.known():
            self.ctx.nested(language, text.s)
        else:
            report.signal(SIGNAL_DYNAMIC_EXEC)

    def do_runpath(self, name, args, kwargs):
        if args:
            path = as_text(args[0])
            self.report.add(self.report.reads, path.s)
            self.run_code(Text(UNKNOWN, FILE, path.s), "python")

    def do_deser(self, name, args, kwargs):
        if args and flags_of(args[0]) & (DECODED | NETWORK):
            self.report.act(DECODE_EXEC_ACTION)
            if flags_of(args[0]) & NETWORK:
                self.report.runs_fetched = True
        return Text(UNKNOWN, flags_of(args) | DECODED)

    def do_b64(self, name, args, kwargs):
        return decoded(args[0], decode_base64) if args else None

    def do_b32(self, name, args, kwargs):
        return Text(UNKNOWN, flags_of(args) | DECODED)

    def do_hex(self, name, args, kwargs):
        return decoded(args[0], decode_hex) if args else None

    def do_zlib(self, name, args, kwargs):
        return decoded(args[0], decompress) if args else None

    def do_codecs_decode(self, name, args, kwargs):
        codec = args[1] if len(args) > 1 else kwargs.get("encoding")
        codec_name = codec.s.lower().replace("-", "_") if isinstance(codec, Text) else ""
        decoder = {"base64": decode_base64, "base_64": decode_base64, "hex": decode_hex,
                   "rot13": rot13, "rot_13": rot13, "zlib": decompress}.get(codec_name)
        if decoder is None:
            return Text(UNKNOWN, flags_of(args) | DECODED) if args else None
        return decoded(args[0], decoder) if args else None

    def do_home(self, name, args, kwargs):
        return Text(self.home)

    def do_cwd(self, name, args, kwargs):
        return Text(self.ctx.cwd)

    def do_expanduser(self, name, args, kwargs):
        return expand_user(args[0], self.home) if args else None

    def do_expandvars(self, name, args, kwargs):
        return expand_vars(args[0], self.home) if args else None

    def do_join(self, name, args, kwargs):
        return join_path(args) if args else None

    def do_path(self, name, args, kwargs):
        return join_path(args) if args else Text(".")

    def do_identity(self, name, args, kwargs):
        if not args:
            return None
        value = args[0]
        if isinstance(value, Obj) and value.kind == "environ":
            return Text(UNKNOWN, ENVIRON)
        return as_text(value) if isinstance(value, (Text, int)) else Text(UNKNOWN,
                                                                          flags_of(value))

    def do_getenv(self, name, args, kwargs):
        return self.env_get(args[0] if args else None, args[1] if len(args) > 1 else None)

    def env_get(self, key, default=None):
        if isinstance(key, Text) and key.s in ("HOME", "USERPROFILE"):
            return Text(self.home)
        if flags_of(key) & ENV_NAME:
            return Text(UNKNOWN, ENVIRON)  # `os.environ[name]` for every name in it
        return Text(UNKNOWN) if default is None else concat([default], built=False)

    def do_import(self, name, args, kwargs):
        module = args[0] if args else kwargs.get("name")
        if isinstance(module, Text) and module.known():
            return Ref(module.s, module.flags)
        return None  # a name known only at run time (a plugin): not hidden, just unknown

    def do_getattr(self, name, args, kwargs):
        if len(args) < 2:
            return None
        target, attr = args[0], args[1]
        if isinstance(attr, Text) and attr.known():
            if attr.flags & (BUILT | DECODED):
                self.report.act(OBFUSCATED_ACTION)
            member = self.member(target, attr.s)
            if isinstance(member, Ref):
                member.flags |= attr.flags & (BUILT | DECODED)
            return member
        return None

    def do_chr(self, name, args, kwargs):
        if args and isinstance(args[0], int):
            return chars(args[:1])
        return Text(UNKNOWN, DECODED)

    def do_bytes(self, name, args, kwargs):
        if args and isinstance(args[0], list) and all(isinstance(i, int) for i in args[0]):
            return chars(args[0])
        return as_text(args[0]) if args and isinstance(args[0], Text) else None

    def do_environ_pass(self, name, args, kwargs):
        if name in _NAME_LISTS and args and isinstance(args[0], Obj) \
                and args[0].kind == "environ":
            return Text(UNKNOWN, ENV_NAME)  # `sorted(os.environ)`: the variables' names
        if args and (flags_of(args[0]) & ENVIRON or (isinstance(args[0], Obj)
                     and args[0].kind == "environ")):
            return Obj("environ", ENVIRON) if name == "dict" else Text(UNKNOWN, ENVIRON)
        if args and isinstance(args[0], list):
            return args[0]
        return Text(UNKNOWN, flags_of(args)) if flags_of(args) else None

    def do_env_names(self, name, args, kwargs):
        return Text(UNKNOWN, ENV_NAME)

    def do_env_dump(self, name, args, kwargs):
        self.report.act(ENV_DUMP_ACTION)
        return Obj("environ", ENVIRON)

    # --- spellings ------------------------------------------------------------------------
    def check_spelling(self, node, identifier: str) -> None:
        """A name written with other characters than the ones Python reads (fullwidth or
        mathematical letters that NFKC folds to ASCII): a way to hide `exec`."""
        lines = self.lines
        end_line = getattr(node, "end_lineno", None)
        end_col = getattr(node, "end_col_offset", None)
        if not lines or end_line is None or end_col is None or end_line > len(lines):
            return
        text = lines[end_line - 1][:end_col].decode("utf-8", "replace")
        index = len(text)
        while index > 0 and (text[index - 1].isalnum() or text[index - 1] == "_"
                             or not text[index - 1].isascii()):
            index -= 1
        written = text[index:]
        if written and written != identifier:
            self.report.act(OBFUSCATED_ACTION)


_MAX_FUNCTION_WALKS = 4   # walks of one local function with known arguments
_MAX_INLINE_DEPTH = 3     # local function calls followed inside one another


class Function:
    """A function defined in the analysed code (walked again when called with values)."""

    __slots__ = ("node", "walks")

    def __init__(self, node) -> None:
        self.node = node
        self.walks = 0


class Mapping(Obj):
    """A dict literal with string keys: `CONFIG['path']` is the value written there."""

    __slots__ = ("entries",)

    def __init__(self, entries: dict, flags: int = 0) -> None:
        super().__init__("dict", flags)
        self.entries = entries

    def get(self, key):
        if isinstance(key, Text) and key.known():
            return self.entries.get(key.s)
        return None


_BUILTINS = frozenset({"open", "exec", "eval", "compile", "__import__", "getattr", "chr",
                       "bytes", "bytearray", "print", "dict", "list", "tuple", "str", "repr",
                       "sorted", "map", "vars", "globals", "locals", "input", "execfile"})


def _percent_format(template: Text, args) -> Text:
    """`'%s/.ssh' % home` (positional `%s`, `%d`, `%r`; anything else: unknown)."""
    values = args if isinstance(args, list) else [args]
    out = []
    s = template.s
    index = 0
    used = 0
    flags = template.flags | flags_of(values)
    while index < len(s):
        char = s[index]
        if char == "%" and index + 1 < len(s):
            spec = s[index + 1]
            if spec == "%":
                out.append("%")
            elif spec in "sdrif":
                out.append(as_text(values[used]).s if used < len(values) else UNKNOWN)
                used += 1
            else:
                out.append(UNKNOWN)
            index += 2
            continue
        out.append(char)
        index += 1
    return Text("".join(out), flags)


def _brace_format(template: Text, args: list, kwargs: dict) -> Text:
    """`'{}/.ssh'.format(home)`, `'{0}'`, `'{name}'`."""
    out = []
    s = template.s
    index = 0
    auto = 0
    flags = template.flags | flags_of(args) | flags_of(list(kwargs.values()))
    while index < len(s):
        char = s[index]
        if char == "{":
            if s.startswith("{{", index):
                out.append("{")
                index += 2
                continue
            end = s.find("}", index)
            if end < 0:
                out.append(s[index:])
                break
            field = s[index + 1:end].split(":", 1)[0].split("!", 1)[0]
            if field == "":
                value = args[auto] if auto < len(args) else None
                auto += 1
            elif field.isdigit():
                value = args[int(field)] if int(field) < len(args) else None
            else:
                value = kwargs.get(field)
            out.append(as_text(value).s)
            index = end + 1
            continue
        if s.startswith("}}", index):
            out.append("}")
            index += 2
            continue
        out.append(char)
        index += 1
    return Text("".join(out), flags)


def analyze(src: str, ctx: CodeContext) -> bool:
    """Analyse Python source into `ctx.report`; False when it does not parse."""
    return PythonAnalyzer(ctx).run(src)


__all__ = ["CALLS", "UNKNOWN_TEXT", "PythonAnalyzer", "analyze"]
