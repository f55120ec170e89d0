"""Programs that reach other hosts: which hosts and URLs they connect to, and which local
files they read or write (`curl`, `wget`, `httpie`, `nc`, `socat`, `ssh`, `scp`, `rsync`,
`openssl`, `ping`, `dig`...).
"""

from __future__ import annotations

from ... import netaddr
from ..analysis import PIPE, R_INLINE_CODE, Call, has_marker, name_set
from .common import SHELLS, getopt, program_family, record_copies

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import State
    from ..evaluate import Evaluator


_CURL_VALUES = name_set(
    "-d --data --data-ascii --data-binary --data-raw --data-urlencode --json -F --form "
    "--form-string -H --header -A --user-agent -e --referer -u --user -x --proxy -X "
    "--request -T --upload-file -b --cookie -c --cookie-jar -D --dump-header -K --config "
    "-E --cert --key --cacert --capath -m --max-time --connect-timeout -w --write-out -r "
    "--range -C --continue-at -y -Y -z --time-cond -U --proxy-user --url -o --output "
    "--output-dir --trace --trace-ascii --stderr --netrc-file --resolve --connect-to "
    "--retry --retry-delay --retry-max-time --limit-rate --max-filesize --interface "
    "--dns-servers --oauth2-bearer --aws-sigv4 --cert-type --key-type --pass --pinnedpubkey "
    "--proto --proto-redir --unix-socket --abstract-unix-socket --preproxy --socks4 "
    "--socks4a --socks5 --socks5-hostname --noproxy --hsts --alt-svc --etag-save "
    "--etag-compare --variable --expand-url --expand-data -P --ftp-port -Q --quote "
    "--local-port --mail-from --mail-rcpt --request-target --sasl-authzid --service-name "
    "--tls-max --ciphers --curves --url-query --keepalive-time --max-redirs --happy-eyeballs-"
    "timeout-ms --create-file-mode --ech --ip-tos --libcurl")


# Options whose value is sent to the server (a header, a body, a cookie, credentials).
_CURL_DATA_OPTIONS = name_set(
    "-d --data --data-ascii --data-binary --data-raw --data-urlencode --json -F --form "
    "--form-string -H --header -A --user-agent -e --referer -u --user -b --cookie "
    "--url-query --oauth2-bearer --request-target")


def _h_curl(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], _CURL_VALUES)
    st = call.st
    remote_name = False
    for name, value in opts:
        if name in ("-O", "--remote-name", "--remote-name-all", "-J"):
            remote_name = True
        if value is None:
            continue
        if name in ("--url", "--expand-url"):
            ev.url(value, "http")
        elif name in ("-o", "--output", "-D", "--dump-header", "-c", "--cookie-jar",
                      "--trace", "--trace-ascii", "--stderr", "--output-dir", "--etag-save",
                      "--libcurl", "--hsts", "--alt-svc"):
            ev.path(value, st, write=True)
        elif name in ("-T", "--upload-file", "-K", "--config", "--netrc-file", "-E", "--cert",
                      "--key", "--cacert", "--capath", "--etag-compare", "--unix-socket"):
            ev.path(value, st)
        elif name in ("-d", "--data", "--data-ascii", "--data-binary", "--json",
                      "--data-urlencode"):
            at = value.find("@")
            if at >= 0 and (at == 0 or name == "--data-urlencode") and value[at + 1:]:
                ev.path(value[at + 1:], st)
        elif name in ("-F", "--form"):
            field = value.partition("=")[2]
            if field[:1] in ("@", "<"):
                ev.path(field[1:].split(";", 1)[0], st)
        elif name in ("-b", "--cookie") and "=" not in value:
            ev.path(value, st)
        elif name in ("-x", "--proxy", "--preproxy", "--socks4", "--socks4a", "--socks5",
                      "--socks5-hostname"):
            ev.url(value, "http")
        elif name in ("--resolve", "--connect-to"):
            pieces = value.split(":")
            ev.host(pieces[0].lstrip("+"))
            if len(pieces) >= 3 and name == "--resolve":
                ev.host(":".join(pieces[2:]).strip("[]"))
            elif len(pieces) >= 3:
                ev.host(pieces[2])
    before = len(ev.reached)
    for op in ops:
        ev.url(op, "http")
    if remote_name:
        _saved_as_url_name(ev, st, ops)
    if any(has_marker(op) for op in ops) or any(
            value is not None and has_marker(value) and name in _CURL_DATA_OPTIONS
            for name, value in opts):
        for host in ev.reached[before:]:
            ev.data_sent(host, "http")


def _saved_as_url_name(ev: Evaluator, st: State, urls: list) -> None:
    """`curl -O URL`, `wget URL`: the file is named after the URL's last component (the
    working directory when that is not known)."""
    for url in urls:
        name = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
        name = name.rsplit("/", 1)[-1] if "/" in name.partition("://")[2] else ""
        if name and not has_marker(name) and name not in (".", ".."):
            ev.path(name, st, write=True)
        else:
            ev.cwd_path(st, write=True)


def _h_wget(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-O --output-document -o --output-file -a --append-output -P --directory-prefix -i "
        "--input-file --post-file --body-file --load-cookies --save-cookies -e --execute "
        "--header -U --user-agent --user --password --http-user --http-password -t --tries "
        "-T --timeout -w --wait --limit-rate -Q --quota -l --level -A --accept -R --reject "
        "-D --domains -I -X --bind-address --ca-certificate --certificate --private-key -B "
        "--base --config --post-data --method --body-data --referer --proxy-user "
        "--proxy-password -E --warc-file --rejected-log --default-page -N"))
    st = call.st
    saved = False
    for name, value in opts:
        if value is None:
            continue
        if name in ("-O", "--output-document", "-o", "--output-file", "-a",
                    "--append-output", "--save-cookies", "-P", "--directory-prefix",
                    "--warc-file", "--rejected-log"):
            ev.path(value, st, write=True)
            saved = saved or name in ("-O", "--output-document", "-P", "--directory-prefix")
        elif name in ("-i", "--input-file", "--post-file", "--body-file", "--load-cookies",
                      "--ca-certificate", "--certificate", "--private-key", "--config"):
            ev.path(value, st)
        elif name in ("-e", "--execute"):
            key, _eq, setting = value.partition("=")
            if key.strip().lower() in ("http_proxy", "https_proxy", "ftp_proxy"):
                ev.url(setting.strip(), "http")
    for op in ops:
        ev.url(op, "http")
    if ops and not saved:
        _saved_as_url_name(ev, st, ops)


def _h_httpie(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-a --auth -A --auth-type --session --session-read-only -o --output --verify --cert "
        "--cert-key --cert-key-pass --proxy --timeout --max-redirects --style -s --print -p "
        "--pretty --format-options --unsorted --sorted --response-charset "
        "--response-mime --boundary --ssl --ciphers --default-scheme"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-o", "--output"):
            ev.path(value, st, write=True)
        elif name in ("--cert", "--cert-key", "--session", "--session-read-only"):
            ev.path(value, st)
        elif name == "--proxy":
            ev.url(value.partition(":")[2], "http")
    scheme = "https" if call.argv[0].rsplit("/", 1)[-1] in ("https", "xhs") else "http"
    url_seen = False
    for op in ops:
        if not url_seen:
            if op.isupper() and op.isalpha():
                continue
            url_seen = True
            ev.url("localhost" + op if op.startswith(":") else op, scheme)
            continue
        for sep in ("=@", ":=@", "@"):
            if sep in op:
                ev.path(op.split(sep, 1)[1], st)
                break


def _h_netcat(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-p -s -w -i -x -X -e -c -q -W -T -O -I -P -o -m -g -G -V -b --proxy --proxy-type "
        "--exec --sh-exec --lua-exec --source-port --source --wait --idle-timeout "
        "--output --hex-dump --append-output --allow --allowfile --deny --denyfile "
        "--max-conns --proxy-auth"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-e", "--exec"):
            argv = value.split()
            if argv:
                ev.command(Call(argv, st, PIPE, call.env, True))
        elif name in ("-c", "--sh-exec", "--lua-exec"):
            if name == "--lua-exec":
                ev.reason(R_INLINE_CODE)
            else:
                ev.run_code(value, Call(call.argv, st, PIPE, call.env, True), stdin=PIPE)
                ev.pipes()
        elif name in ("-x", "--proxy"):
            ev.host(value.rsplit(":", 1)[0] if value.count(":") == 1 else value)
        elif name in ("-o", "--output", "--hex-dump", "--append-output"):
            ev.path(value, st, write=True)
    for op in ops:
        # `nc host 80`, `nc -l 4444`, `nc host 20-30`: the host is the non-numeric operand
        if not op.replace("-", "").isdigit():
            ev.host(op)


def _h_socat(ev: Evaluator, call: Call) -> None:
    _opts, ops = getopt(call.argv[1:], name_set("-d -lf -lp -T -b -L -W -s"))
    st = call.st
    network = False
    runs_shell = False
    for address in ops[:2]:
        kind, _sep, rest = address.partition(":")
        kind = kind.lower()
        params = rest.split(",", 1)[0]
        if kind.startswith(("tcp", "udp", "sctp", "openssl", "ssl", "dccp", "socks", "proxy")):
            network = True
            host = params.rsplit(":", 1)[0] if params.count(":") >= 1 else params
            if not host.isdigit():
                ev.host(host.strip("[]"))
        elif kind in ("exec", "system"):
            if kind == "system":
                ev.run_code(params, call)
            else:
                argv = params.split()
                if argv:
                    ev.command(Call(argv, st, None, call.env, False))
                    runs_shell = program_family(argv[0].rsplit("/", 1)[-1]) in SHELLS
            runs_shell = runs_shell or kind == "system"
        elif kind in ("file", "open", "gopen", "create", "pipe"):
            ev.path(params, st, write=kind in ("create", "open", "gopen", "file"))
        elif kind == "-" or kind in ("stdio", "stdin", "stdout"):
            continue
    if network and runs_shell:
        ev.pipes()


_SSH_VALUES = name_set("-B -b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w -P")


def _ssh_options(ev: Evaluator, call: Call, opts: list) -> None:
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-i", "-F"):
            ev.path(value, st)
        elif name == "-E":
            ev.path(value, st, write=True)
        elif name == "-J":
            for hop in value.split(","):
                ev.host(_ssh_host(hop))
        elif name in ("-L", "-R"):
            pieces = value.split(":")
            if len(pieces) >= 3:
                ev.host(pieces[-2])
        elif name == "-W":
            ev.host(value.rsplit(":", 1)[0])
        elif name == "-o":
            key, _sep, setting = value.replace("=", " ", 1).partition(" ")
            key = key.lower()
            if key in ("proxycommand", "localcommand", "knownhostscommand"):
                ev.run_code(setting, call)
            elif key in ("hostname", "proxyjump"):
                for hop in setting.split(","):
                    ev.host(_ssh_host(hop))
            elif key in ("identityfile", "userknownhostsfile", "certificatefile"):
                ev.path(setting.strip(), st)
        elif name == "-S" and call.argv[0].rsplit("/", 1)[-1] in ("scp", "sftp"):
            ev.command(Call([value], st, None, call.env, False))


def _ssh_host(text: str) -> str:
    """The host of `[user@]host[:port]` or `ssh://[user@]host[:port]`."""
    text = text.strip()
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[0]
    text = text.rpartition("@")[2]
    if text.startswith("["):
        return text[1:text.find("]")] if "]" in text else text[1:]
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", "ip6-localhost"})


def _h_ssh(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], _SSH_VALUES, stop=True)
    _ssh_options(ev, call, opts)
    if not ops:
        return
    host = _ssh_host(ops[0])
    ev.host(host)
    if len(ops) > 1 and not has_marker(host) and (
            netaddr.normalize_host(host) in _LOCAL_HOSTS
            or netaddr.normalize_host(host).startswith("127.")):
        # a command run over ssh on this very machine is a local command
        ev.run_code(" ".join(ops[1:]), call)


def _remote_or_path(ev: Evaluator, st: State, text: str, write: bool) -> None:
    """An scp/rsync operand: `[user@]host:path`, `host::module`, a URL, or a local path."""
    if ev.scan_url(text):
        return
    head, sep, _tail = text.partition(":")
    if sep and head and "/" not in head and not has_marker(head):
        ev.host(_ssh_host(head))
    else:
        ev.path(text, st, write=write)


def _h_scp(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], _SSH_VALUES)
    _ssh_options(ev, call, opts)
    if call.argv[0].rsplit("/", 1)[-1] == "sftp":
        for name, value in opts:
            if name == "-b" and value is not None:
                ev.path(value, call.st)
        for op in ops[:1]:
            ev.host(_ssh_host(op))
        return
    for index, op in enumerate(ops):
        _remote_or_path(ev, call.st, op, write=index == len(ops) - 1 and len(ops) > 1)


def _h_rsync(ev: Evaluator, call: Call) -> None:
    opts, ops = getopt(call.argv[1:], name_set(
        "-e --rsh --rsync-path --exclude --include --exclude-from --include-from "
        "--files-from --password-file --log-file --backup-dir --suffix -T --temp-dir "
        "--partial-dir --compare-dest --copy-dest --link-dest --chmod --chown --port -f "
        "--filter --out-format --log-file-format --timeout --contimeout --bwlimit --max-size "
        "--min-size --max-delete --modify-window -B --block-size --usermap --groupmap "
        "--address --sockopts --outbuf --iconv --checksum-choice --compress-choice "
        "--compress-level --info --debug --stop-after --stop-at --write-batch "
        "--only-write-batch --read-batch --protocol --mkpath-"))
    st = call.st
    for name, value in opts:
        if value is None:
            continue
        if name in ("-e", "--rsh"):
            argv = value.split()
            if argv:
                ev.command(Call(argv, st, None, call.env, False))
        elif name == "--link-dest":
            # unchanged files of the copy become hard links to the files of this folder
            ev.hardlink(value, st)
        elif name in ("--exclude-from", "--include-from", "--files-from", "--password-file",
                      "--read-batch", "--compare-dest", "--copy-dest"):
            ev.path(value, st)
        elif name in ("--log-file", "--backup-dir", "--write-batch", "--only-write-batch",
                      "-T", "--temp-dir", "--partial-dir"):
            ev.path(value, st, write=True)
    for index, op in enumerate(ops):
        _remote_or_path(ev, st, op, write=index == len(ops) - 1 and len(ops) > 1)
    names = {name for name, _value in opts}
    if len(ops) >= 2 and names & {"-a", "--archive", "-l", "--links"} and not names & {
            "-L", "--copy-links"} and not any(":" in op or has_marker(op) for op in ops):
        # symlinks are copied as symlinks: `rsync -a dir/ copy/` then writing into copy/
        # goes wherever the symlinks of dir/ lead
        for source in ops[:-1]:
            copy = ops[-1] if source.endswith("/") else (
                ops[-1].rstrip("/") + "/" + source.rstrip("/").rsplit("/", 1)[-1])
            record_copies(ev, st, "move", [("-T", None)], [source.rstrip("/") or "/", copy])


def _h_hosts(ev: Evaluator, call: Call) -> None:
    """ping, dig, host, telnet...: operands that look like host names."""
    _opts, ops = getopt(call.argv[1:], name_set(
        "-c -i -I -s -t -W -w -p -Q -m -M -f -q -b -k -r -x -y -4 -6 -T -l -S -n -N -o -z "
        "-h -H -P -u -U -e -E -D -O -A -B -C -F -g -j -J -K -L -R -X -Y -Z --port --host "
        "--user --password --database"))
    before = len(ev.reached)
    pattern = None
    for name, value in _opts:
        if name in ("-h", "-H", "--host") and value is not None:
            ev.host(value)
        elif name == "-p" and value is not None:
            pattern = value
    for op in ops:
        if op.startswith("@"):
            op = op[1:]
        if "://" in op:
            ev.scan_url(op)
        elif has_marker(op):
            ev.data_host(op, "dns")  # `dig "$(...).example.net"`: data in the name
        elif netaddr.looks_like_hostname(op):
            ev.host(op)
    if pattern is not None and has_marker(pattern) and call.argv[0].rsplit("/", 1)[-1] in (
            "ping", "ping6", "fping", "hping3"):
        # `ping -p "$(...)"`: the pattern bytes of each packet carry the data
        for host in ev.reached[before:]:
            ev.data_sent(host, "icmp")


def _h_openssl(ev: Evaluator, call: Call) -> None:
    """openssl subcommands use single-dash long options (`-in`, `-out`, `-connect`)."""
    args = call.argv[1:]
    st = call.st
    reads = {"-in", "-inkey", "-key", "-cert", "-certfile", "-CAfile", "-CApath", "-config",
             "-signkey", "-kfile", "-rand", "-sign", "-verify", "-prverify", "-keyfile",
             "-recip", "-signer", "-chain", "-inform_file"}
    writes = {"-out", "-keyout", "-pubout_file", "-sess_out", "-msgfile"}
    for index, arg in enumerate(args[:-1]):
        value = args[index + 1]
        if arg in reads:
            ev.path(value, st)
        elif arg in writes:
            ev.path(value, st, write=True)
        elif arg in ("-connect", "-proxy", "-host"):
            ev.host(_ssh_host(value))
        elif arg in ("-pass", "-passin", "-passout") and value.startswith("file:"):
            ev.path(value[5:], st)


# --- the programs of this module (`_NAMES_BY_MODULE` in programs/__init__ lists them too)

HANDLERS: dict = {
    "curl": _h_curl, "wget": _h_wget, "wget2": _h_wget, "http": _h_httpie,
    "https": _h_httpie, "xh": _h_httpie, "xhs": _h_httpie, "nc": _h_netcat,
    "ncat": _h_netcat, "netcat": _h_netcat, "socat": _h_socat, "ssh": _h_ssh,
    "mosh": _h_ssh, "autossh": _h_ssh, "scp": _h_scp, "sftp": _h_scp, "rsync": _h_rsync,
    "openssl": _h_openssl,
}
for _name in name_set("ping ping6 traceroute traceroute6 tracepath mtr dig nslookup host whois "
                      "telnet ftp tftp lftp nmap arping fping hping3 mysql mariadb psql "
                      "redis-cli mongo mongosh ldapsearch smbclient"):
    HANDLERS[_name] = _h_hosts
