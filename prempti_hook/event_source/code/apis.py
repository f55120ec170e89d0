"""What the functions of each tokenized language do: one table per language, from a
function's qualified name (after aliases: `cp.execSync` with `cp = require('child_process')`
is `child_process.execSync`) to its effect, plus the method names that mean the same
whatever the receiver (`execSync`, `readFileSync`, `rm_rf`).

Effects (handled by `scripted.TokenAnalyzer.effect_<name>`):
- shell: the first argument is a command line for a shell
- system: one argument is a command line, several are a program and its arguments
- argv: the arguments are a program and its arguments
- keyring: a password from the OS keychain (the read `keyring get SERVICE ACCOUNT` makes)
- spawn: a program, then a list of its arguments (`spawn('sh', ['-c', x])`)
- argv_list: a list holding the program and its arguments (`Bun.spawn([...])`)
- builder: a command builder (`Command::new("sh").arg("-c").arg(x)`, `Deno.Command`)
- socket, fetch: a raw connection, or a request (URL or host in the arguments)
- read, write, write2 (second argument written, first read), move, delete, open (mode)
- exec: the first argument is code of the same language; include: a file of it
- b64, hex, zlib, rot13, unpack, decode: decoders (literal payloads are decoded)
- chars: character codes to a string; format: printf-like formatting
- home, cwd, getenv, join, expanduser, identity: values
- require: a module by name; env_whole: the whole environment
- sql: the first argument is SQL sent to a database (a driver's or ORM's query method);
  db_wipe: a method that drops a whole database, schema or collection
"""

from __future__ import annotations


class Api:
    """The functions of one language and how calls are written in it."""

    __slots__ = ("bare_calls", "calls", "case_insensitive", "concat", "methods")

    def __init__(self, calls: dict, methods: dict, concat: frozenset, bare_calls: bool,
                 case_insensitive: bool = False) -> None:
        self.calls = calls
        self.methods = methods
        self.concat = concat
        self.bare_calls = bare_calls
        self.case_insensitive = case_insensitive


def _build(spec: dict) -> dict:
    table = {}
    for effect, names in spec.items():
        for name in names.split():
            table[name] = effect
    return table


_JS_FS = "fs fs.promises fsPromises node:fs"
_JS = _build({
    "shell": "child_process.exec child_process.execSync Bun.$ Deno.run.shell",
    "spawn": "child_process.spawn child_process.spawnSync child_process.execFile "
             "child_process.execFileSync child_process.fork",
    "argv_list": "Bun.spawn Bun.spawnSync",
    "keyring": "keytar.getPassword keytar.findPassword keytar.findCredentials",
    "builder": "Deno.Command Deno.run",
    "socket": "net.connect net.createConnection net.Socket tls.connect dgram.createSocket "
              "Deno.connect Deno.connectTls Bun.connect",
    "fetch": "fetch http.get https.get http.request https.request axios axios.get axios.post "
             "axios.put axios.request got got.post request node-fetch XMLHttpRequest "
             "WebSocket EventSource undici.request undici.fetch superagent.get "
             "superagent.post ky ky.post",
    "read": " ".join(f"{m}.{f}" for m in _JS_FS.split() for f in (
        "readFileSync", "readFile", "createReadStream", "openSync", "open")) + " Bun.file "
        "Deno.readTextFile Deno.readFile "
        "Deno.readTextFileSync",
    "write": " ".join(f"{m}.{f}" for m in _JS_FS.split() for f in (
        "writeFileSync", "writeFile", "appendFileSync", "appendFile", "createWriteStream",
        "mkdirSync", "mkdir", "chmodSync", "chmod", "truncateSync")) + " Bun.write "
        "Deno.writeTextFile "
        "Deno.writeFile Deno.mkdir",
    "write2": " ".join(f"{m}.{f}" for m in _JS_FS.split() for f in (
        "copyFileSync", "copyFile", "cpSync", "cp", "symlinkSync", "symlink", "linkSync")),
    "move": " ".join(f"{m}.{f}" for m in _JS_FS.split() for f in ("renameSync", "rename")),
    "delete": " ".join(f"{m}.{f}" for m in _JS_FS.split() for f in (
        "rmSync", "rm", "rmdirSync", "rmdir", "unlinkSync", "unlink")) + " rimraf rimraf.sync "
        "Deno.remove Deno.removeSync del del.sync fs-extra.removeSync fs-extra.remove",
    "exec": "eval Function vm.runInThisContext vm.runInNewContext vm.runInContext vm.Script "
            "vm.compileFunction",
    "decode": "Buffer.from atob decodeURIComponent unescape",
    "zlib": "zlib.inflateSync zlib.gunzipSync zlib.unzipSync zlib.inflateRawSync "
            "zlib.brotliDecompressSync",
    "chars": "String.fromCharCode String.fromCodePoint",
    "home": "os.homedir node:os.homedir",
    "cwd": "process.cwd Deno.cwd",
    "getenv": "Deno.env.get",
    "join": "path.join path.resolve path.posix.join path.normalize node:path.join",
    "require": "require",
    "env_whole": "Deno.env.toObject",
})
_JS_METHODS = _build({
    "shell": "execSync",
    "spawn": "spawnSync execFileSync",
    "read": "readFileSync createReadStream",
    "write": "writeFileSync appendFileSync createWriteStream",
    "delete": "rmSync unlinkSync rmdirSync",
    "socket": "createConnection",
    # database drivers and ORMs, whatever the receiver: SQL judged like a database's command
    # line's (event_source.sql), and methods that drop everything
    "sql": "query execute $executeRawUnsafe $queryRawUnsafe executeRawUnsafe raw exec",
    "db_wipe": "dropDatabase dropCollection dropAllSchemas dropSchema",
})

_PERL = _build({
    "system": "system exec",
    "shell": "readpipe",
    "perl_open": "open",
    "socket": "IO::Socket::INET.new IO::Socket::IP.new IO::Socket.new IO::Socket::SSL.new "
              "Net::Telnet.new socket",
    "fetch": "LWP::Simple::get LWP::Simple::getstore LWP::Simple::getprint "
             "LWP::UserAgent.new HTTP::Tiny.new Net::FTP.new Net::SMTP.new "
             "Mojo::UserAgent.new getstore getprint "
             # LWP::Simple exports get (perl -MLWP::Simple -e 'eval get(URL)')
             "get",
    "read": "File::Slurp::read_file read_file",
    "write": "mkdir chmod chown symlink link",
    "move": "rename",
    "delete": "unlink rmdir rmtree remove_tree File::Path::rmtree File::Path::remove_tree",
    "exec": "eval",
    "include": "do require",
    "decode": "pack unpack MIME::Base64::decode_base64 decode_base64 uncompress "
              "Compress::Zlib::uncompress",
    "home": "File::HomeDir.my_home",
    "join": "File::Spec.catfile File::Spec.catdir catfile catdir",
})
_PERL_METHODS = _build({"fetch": "get post request mirror getstore",
                        "delete": "rmtree remove_tree"})

_RUBY = _build({
    "system": "system exec spawn Kernel.system Kernel.exec Kernel.spawn Process.spawn",
    "popen": "IO.popen Open3.capture2 Open3.capture2e Open3.capture3 Open3.popen3 "
             "Open3.popen2 Open3.popen2e Open3.pipeline PTY.spawn",
    "socket": "TCPSocket.new TCPSocket.open Socket.tcp UDPSocket.new Socket.new "
              "OpenSSL::SSL::SSLSocket.new",
    "fetch": "Net::HTTP.get Net::HTTP.post Net::HTTP.get_response Net::HTTP.start "
             "Net::HTTP.new Net::HTTP.post_form URI.open HTTParty.get HTTParty.post "
             "Faraday.get Faraday.post RestClient.get RestClient.post Excon.get Excon.post "
             "Net::FTP.new Net::SMTP.start",
    "read": "File.read File.readlines File.foreach File.binread IO.read IO.readlines "
            "YAML.load_file File.new",
    "ruby_open": "File.open open Kernel.open",
    "write": "File.write File.binwrite FileUtils.mkdir_p FileUtils.touch FileUtils.chmod "
             "File.chmod Dir.mkdir",
    "write2": "FileUtils.cp FileUtils.cp_r File.symlink FileUtils.ln_s FileUtils.copy",
    "move": "FileUtils.mv File.rename FileUtils.move",
    "delete": "File.delete File.unlink FileUtils.rm FileUtils.rm_f FileUtils.rm_r "
              "FileUtils.rm_rf FileUtils.remove_dir FileUtils.remove_entry FileUtils.rmtree "
              "Dir.rmdir Dir.delete FileUtils.remove_entry_secure FileUtils.remove",
    "exec": "eval instance_eval class_eval module_eval Kernel.eval binding.eval",
    "include": "load",
    "b64": "Base64.decode64 Base64.strict_decode64 Base64.urlsafe_decode64",
    "zlib": "Zlib::Inflate.inflate Zlib.inflate Zlib.gunzip",
    "home": "Dir.home Etc.getpwuid.dir",
    "expanduser": "File.expand_path",
    "join": "File.join",
    "identity": "URI URI.parse",
})
_RUBY_METHODS = _build({"delete": "rm_rf rm_r", "unpack": "unpack unpack1",
                        "fetch": "get_response post_form"})

_PHP = _build({
    "shell": "shell_exec passthru popen proc_open",
    "system": "system exec",
    "argv_list": "pcntl_exec",
    "socket": "fsockopen pfsockopen stream_socket_client socket_connect socket_create",
    "fetch": "curl_init curl_exec get_headers",
    "php_read": "file_get_contents fopen file readfile",
    "read": "parse_ini_file highlight_file show_source",
    "write": "file_put_contents mkdir chmod touch",
    "write2": "copy symlink link",
    "move": "rename",
    "delete": "unlink rmdir",
    "exec": "eval assert create_function",
    "include": "include require include_once require_once",
    "b64": "base64_decode",
    "hex": "hex2bin",
    "zlib": "gzinflate gzuncompress gzdecode",
    "rot13": "str_rot13",
    "decode": "convert_uudecode urldecode rawurldecode pack",
    "getenv": "getenv",
    "home": "posix_getpwuid",
})
_PHP_METHODS: dict = {}

_LUA = _build({
    "shell": "os.execute io.popen",
    "socket": "socket.connect socket.tcp socket.udp socket.bind",
    "fetch": "http.request https.request socket.http.request ssl.https.request",
    "lua_open": "io.open",
    "read": "io.lines",
    "include": "dofile loadfile",
    "delete": "os.remove",
    "move": "os.rename",
    "exec": "load loadstring",
    "getenv": "os.getenv",
    "require": "require",
    "chars": "string.char",
})
_LUA_METHODS: dict = {}

_AWK = _build({"shell": "system", "home": "", "getenv": ""})
_AWK_METHODS: dict = {}

# PowerShell: cmdlets and aliases, compared in lowercase.
_PS = _build({
    "exec": "invoke-expression iex invoke-command icm scriptblock.create",
    "fetch": "invoke-webrequest iwr invoke-restmethod irm start-bitstransfer "
             "net.webclient system.net.webclient downloadstring downloadfile downloaddata "
             "uploadstring uploadfile uploaddata",
    "socket": "net.sockets.tcpclient system.net.sockets.tcpclient net.sockets.socket "
              "system.net.sockets.socket net.sockets.udpclient",
    "ps_start": "start-process saps start invoke-item ii",
    "read": "get-content gc cat type import-csv",
    "ps_list": "get-childitem gci dir ls",
    "write": "set-content sc add-content ac out-file new-item ni",
    "write2": "copy-item cp copy cpi",
    "move": "move-item mv move mi",
    "delete": "remove-item rm del erase rd rmdir ri",
    "b64": "convert.frombase64string system.convert.frombase64string frombase64string",
    "identity": "text.encoding.utf8.getstring system.text.encoding.utf8.getstring "
                "text.encoding.unicode.getstring system.text.encoding.unicode.getstring "
                "text.encoding.ascii.getstring system.text.encoding.ascii.getstring "
                "utf8.getstring unicode.getstring ascii.getstring getstring",
    "home": "environment.getfolderpath system.environment.getfolderpath",
    "env_whole": "environment.getenvironmentvariables "
                 "system.environment.getenvironmentvariables",
    "ps_new": "new-object",
})
_PS_METHODS = _build({"fetch": "downloadstring downloadfile downloaddata uploadstring "
                               "uploadfile uploaddata",
                      "exec": "invoke"})

_APPLESCRIPT = _build({"read": "read", "fetch": "open.location"})

_RUST = _build({
    "builder": "Command.new std.process.Command.new process.Command.new",
    "socket": "TcpStream.connect std.net.TcpStream.connect net.TcpStream.connect "
              "UdpSocket.bind std.net.UdpSocket.bind",
    "fetch": "reqwest.get reqwest.blocking.get ureq.get ureq.post ureq.put "
             "reqwest.Client.new reqwest.blocking.Client.new",
    "read": "fs.read fs.read_to_string std.fs.read std.fs.read_to_string File.open "
            "std.fs.File.open include_str include_bytes",
    "write": "fs.write std.fs.write File.create std.fs.File.create fs.create_dir_all "
             "std.fs.create_dir_all fs.set_permissions",
    "write2": "fs.copy std.fs.copy",
    "move": "fs.rename std.fs.rename",
    "delete": "fs.remove_dir_all std.fs.remove_dir_all fs.remove_file std.fs.remove_file "
              "fs.remove_dir std.fs.remove_dir",
    "getenv": "env.var std.env.var env.var_os std.env.var_os",
    "home": "dirs.home_dir home.home_dir env.home_dir std.env.home_dir",
    "format": "format",
    "env_whole": "env.vars std.env.vars env.vars_os",
    "join": "Path.new PathBuf.from std.path.Path.new std.path.PathBuf.from",
    "b64": "base64.decode",
})
_RUST_METHODS = _build({"join": "join"})

_GO = _build({
    "argv": "exec.Command syscall.Exec",
    "go_command_ctx": "exec.CommandContext",
    "go_dial": "net.Dial net.DialTimeout tls.Dial net.DialTCP net.DialUDP",
    "fetch": "http.Get http.Post http.PostForm http.NewRequest http.Head",
    "read": "os.ReadFile ioutil.ReadFile os.Open",
    "write": "os.WriteFile ioutil.WriteFile os.Create os.MkdirAll os.Mkdir os.Chmod",
    "move": "os.Rename",
    "delete": "os.Remove os.RemoveAll",
    "home": "os.UserHomeDir",
    "getenv": "os.Getenv os.LookupEnv",
    "join": "filepath.Join path.Join",
    "format": "fmt.Sprintf",
    "env_whole": "os.Environ",
    "b64": "base64.StdEncoding.DecodeString base64.URLEncoding.DecodeString",
    "hex": "hex.DecodeString",
})

_PLUS = frozenset({"+"})
API = {
    "javascript": Api(_JS, _JS_METHODS, _PLUS, bare_calls=False),
    "perl": Api(_PERL, _PERL_METHODS, frozenset({"."}), bare_calls=True),
    "ruby": Api(_RUBY, _RUBY_METHODS, _PLUS, bare_calls=True),
    "php": Api(_PHP, _PHP_METHODS, frozenset({"."}), bare_calls=False),
    "lua": Api(_LUA, _LUA_METHODS, frozenset({".."}), bare_calls=True),
    "awk": Api(_AWK, _AWK_METHODS, frozenset(), bare_calls=False),
    "powershell": Api(_PS, _PS_METHODS, _PLUS, bare_calls=True, case_insensitive=True),
    "applescript": Api(_APPLESCRIPT, {}, frozenset({"&"}), bare_calls=True),
    "rust": Api(_RUST, _RUST_METHODS, _PLUS, bare_calls=False),
    "go": Api(_GO, {}, _PLUS, bare_calls=False),
}

# Python that does not parse (Python 2, a fragment) is read by the tokenizer with the
# Python analyser's table, its effects mapped to the tokenizer's.
_FROM_PYTHON = {"shell": "shell", "popen": "popen", "execv": "argv_list", "execl": "argv",
                "spawnv": "argv", "spawnl": "argv", "posix_spawn": "argv", "pty": "argv",
                "argv": "argv", "socket": "socket", "fetch": "fetch", "read": "read",
                "open": "ruby_open", "write": "write", "write2": "write2", "move": "move",
                "delete": "delete", "exec": "exec", "runpath": "include", "b64": "b64",
                "hex": "hex", "zlib": "zlib", "home": "home", "cwd": "cwd",
                "expanduser": "expanduser", "join": "join", "path": "join",
                "getenv": "getenv", "import": "require", "chr": "chars",
                "keyring": "keyring"}


def python_api() -> Api:
    found = API.get("python")
    if found is None:
        from .python import CALLS

        calls = {name: _FROM_PYTHON[effect] for name, effect in CALLS.items()
                 if effect in _FROM_PYTHON}
        found = API["python"] = Api(calls, {}, _PLUS, bare_calls=False)
    return found

# Names that mean the whole environment when used as a value, per language.
ENV_OBJECTS = {
    "javascript": frozenset({"process.env", "Bun.env", "Deno.env"}),
    "perl": frozenset({"%ENV"}),
    "ruby": frozenset({"ENV"}),
    "php": frozenset({"$_ENV", "$_SERVER"}),
    "awk": frozenset({"ENVIRON"}),
    "powershell": frozenset({"$env:"}),
    "lua": frozenset(),
    "applescript": frozenset(),
    "rust": frozenset(),
    "go": frozenset(),
    "python": frozenset({"os.environ"}),
}
# Variables holding the home folder, by language (lowercase for PowerShell).
HOME_VARIABLES = {
    "javascript": frozenset({"process.env.HOME", "Bun.env.HOME", "process.env.USERPROFILE"}),
    "perl": frozenset({"$ENV{HOME}", "$ENV{'HOME'}", '$ENV{"HOME"}'}),
    "powershell": frozenset({"$home", "$env:home", "$env:userprofile"}),
    "php": frozenset({"$_SERVER['HOME']", "$_ENV['HOME']"}),
}
