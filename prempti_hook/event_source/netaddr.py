"""Host and URL normalization, so that one rule value matches every spelling of a host.

An agent that wants to reach the cloud metadata service can write `169.254.169.254`,
`2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376`, `169.254.43518` or
`[::ffff:a9fe:a9fe]`: resolvers and URL parsers accept all of them (inet_aton and the WHATWG
URL standard both take 1 to 4 dotted parts in decimal, octal or hex). `normalize_host` maps
each spelling to one canonical text: dotted-quad IPv4, RFC 5952 compressed IPv6 (without
brackets; IPv4-mapped and NAT64 addresses become the IPv4 they reach), and lowercase
ASCII (IDNA) names without a trailing dot.

Hot path: standard library only, no `re`/`ipaddress` (ipaddress alone costs ~10 ms to
import). The IDNA codec is imported only when a host is not ASCII.
"""

from __future__ import annotations

_HEX = frozenset("0123456789abcdefABCDEF")
_OCT = frozenset("01234567")
_DEC = frozenset("0123456789")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")
_SPECIAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp", "file"})
# Characters that end the authority in a WHATWG parse of a special URL (`\` counts as `/`).
_AUTHORITY_END = "/?#\\"
_MAX_HOST = 1024


def _ipv4_number(part: str) -> int | None:
    """One part of an inet_aton-style address: decimal, `0` octal or `0x` hex."""
    if not part or len(part) > 64:
        return None
    if part[0] == "0" and len(part) > 1 and part[1] in "xX":
        digits = part[2:]
        if not digits:
            return 0
        return int(digits, 16) if all(c in _HEX for c in digits) else None
    if part[0] == "0" and len(part) > 1:
        return int(part, 8) if all(c in _OCT for c in part) else None
    return int(part) if all(c in _DEC for c in part) else None


def normalize_ipv4(text: str) -> str | None:
    """The dotted quad of an IPv4 literal in any inet_aton/WHATWG spelling, else None."""
    parts = text.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4:
        return None
    numbers = []
    for part in parts:
        number = _ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    last = numbers.pop()
    if any(n > 255 for n in numbers) or last >= 1 << (8 * (4 - len(numbers))):
        return None
    value = last
    for index, number in enumerate(numbers):
        value += number << (8 * (3 - index))
    return _dotted(value)


def _dotted(value: int) -> str:
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def _side_groups(side: str, v4_tail: bool) -> list[int] | None:
    """The groups of one side of `::`; the last item may be a dotted IPv4 when allowed."""
    if not side:
        return []
    groups: list[int] = []
    items = side.split(":")
    for pos, item in enumerate(items):
        if "." in item and v4_tail and pos == len(items) - 1:
            quad = _strict_dotted(item)
            if quad is None:
                return None
            groups.extend((quad >> 16, quad & 0xFFFF))
        elif 1 <= len(item) <= 4 and all(c in _HEX for c in item):
            groups.append(int(item, 16))
        else:
            return None
    return groups


def _ipv6_groups(text: str) -> list[int] | None:
    """The eight 16-bit groups of an IPv6 literal (no brackets, no zone), else None."""
    if text.count("::") > 1 or len(text) > 64:
        return None
    head, sep, tail = text.partition("::")
    head_groups = _side_groups(head, v4_tail=not sep)
    tail_groups = _side_groups(tail, v4_tail=True)
    if head_groups is None or tail_groups is None:
        return None
    if not sep:
        return head_groups if len(head_groups) == 8 else None
    missing = 8 - len(head_groups) - len(tail_groups)
    return head_groups + [0] * missing + tail_groups if missing >= 1 else None


def _strict_dotted(text: str) -> int | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part or len(part) > 3 or not all(c in _DEC for c in part) or int(part) > 255:
            return None
        value = value * 256 + int(part)
    return value


def normalize_ipv6(text: str) -> str | None:
    """Canonical text of an IPv6 literal (brackets and zone allowed), else None.

    IPv4-mapped (`::ffff:a.b.c.d`) and NAT64 (`64:ff9b::a.b.c.d`) addresses reach an IPv4
    host, so they become that host's dotted quad.
    """
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]
    groups = _ipv6_groups(text)
    if groups is None:
        return None
    if groups[:6] in ([0, 0, 0, 0, 0, 0xFFFF], [0x64, 0xFF9B, 0, 0, 0, 0]):
        return _dotted((groups[6] << 16) | groups[7])
    best_start, best_len, start = -1, 0, -1
    for index in range(9):
        if index < 8 and groups[index] == 0:
            if start < 0:
                start = index
        elif start >= 0:
            if index - start > best_len and index - start >= 2:
                best_start, best_len = start, index - start
            start = -1
    hexes = [format(g, "x") for g in groups]
    if best_start < 0:
        return ":".join(hexes)
    left = ":".join(hexes[:best_start])
    right = ":".join(hexes[best_start + best_len:])
    return left + "::" + right


def normalize_ip(text: str) -> str | None:
    """The canonical text of an IPv4 or IPv6 literal in any accepted spelling, else None."""
    if ":" in text or text.startswith("["):
        return normalize_ipv6(text)
    return normalize_ipv4(text)


def _percent_decode(text: str) -> str:
    """WHATWG decodes `%XX` in a host before anything else (`%65xample.com`)."""
    if "%" not in text:
        return text
    data = bytearray()
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        pair = text[index + 1:index + 3]
        if char == "%" and len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
            data.append(int(pair, 16))
            index += 3
            continue
        data.extend(char.encode("utf-8", "surrogatepass"))
        index += 1
    return data.decode("utf-8", "replace")


def _to_ascii(host: str) -> str:
    """IDNA (2003, as resolvers and browsers map it) with a forgiving fallback."""
    try:
        return host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        import unicodedata

        return unicodedata.normalize("NFKC", host).casefold()


def normalize_host(host: str) -> str:
    """Canonical form of a host name or IP literal (see the module docstring)."""
    host = host.strip()[:_MAX_HOST]
    if not host:
        return ""
    if host.startswith("["):
        end = host.find("]")
        inner = host[1:end] if end > 0 else host[1:]
        canonical = normalize_ipv6(_percent_decode(inner))
        return canonical if canonical is not None else inner.lower()
    host = _percent_decode(host)
    if not host.isascii():
        host = _to_ascii(host)
    host = host.lower()
    if ":" in host:
        canonical = normalize_ipv6(host)
        if canonical is not None:
            return canonical
    stripped = host[:-1] if host.endswith(".") and len(host) > 1 else host
    if (stripped and stripped[-1] in _DEC) or "0x" in stripped:
        canonical = normalize_ipv4(stripped)
        if canonical is not None:
            return canonical
    return stripped


def split_scheme(url: str) -> tuple[str, str]:
    """(`scheme` lowercased, rest after `:`) or ("", url) when there is no scheme."""
    colon = url.find(":")
    if colon <= 0 or not url[0].isalpha() or not all(c in _SCHEME_CHARS for c in url[:colon]):
        return "", url
    return url[:colon].lower(), url[colon + 1:]


def _authority_hosts(authority: str) -> str:
    """The host of `[userinfo@]host[:port]`, raw (not normalized)."""
    at = authority.rfind("@")
    if at >= 0:
        authority = authority[at + 1:]
    if authority.startswith("["):
        end = authority.find("]")
        return authority[:end + 1] if end > 0 else authority
    return authority.split(":", 1)[0]


def _clean(url: str) -> str:
    url = url.strip(" \t\n\r\f\v\x00")
    if "\t" in url or "\n" in url or "\r" in url:
        url = url.replace("\t", "").replace("\n", "").replace("\r", "")
    return url


def url_host(url: str) -> str:
    """The normalized host of `url` as a WHATWG parser (browsers, Node's `URL`) reads it.

    A URL without a scheme is read as `host/path` (what curl and wget do). Returns "" when
    there is no host (`file:///x`, `mailto:`...).
    """
    url = _clean(url)
    scheme, rest = split_scheme(url)
    if scheme and scheme not in _SPECIAL_SCHEMES and not rest.startswith("//"):
        return ""
    if scheme == "file":
        rest = rest[2:] if rest.startswith("//") else "/"
        enders = _AUTHORITY_END
    elif scheme in _SPECIAL_SCHEMES or not scheme:
        rest = rest.lstrip("/\\")
        enders = _AUTHORITY_END
    else:
        rest = rest[2:]
        enders = "/?#"
    end = len(rest)
    for char in enders:
        pos = rest.find(char)
        if 0 <= pos < end:
            end = pos
    return normalize_host(_authority_hosts(rest[:end]))


def url_hosts(url: str) -> list[str]:
    """Every host a URL may reach under the parsers in common use.

    WHATWG treats `\\` as `/`; curl and most C libraries do not, so
    `http://good.example\\@evil.example/` reaches `good.example` in a browser and
    `evil.example` with curl. A guard must consider both.
    """
    hosts = [url_host(url)]
    url = _clean(url)
    scheme, rest = split_scheme(url)
    if "\\" in url and (scheme in _SPECIAL_SCHEMES or not scheme):
        rest = rest.lstrip("/")
        end = len(rest)
        for char in "/?#":
            pos = rest.find(char)
            if 0 <= pos < end:
                end = pos
        other = normalize_host(_authority_hosts(rest[:end]))
        if other not in hosts:
            hosts.append(other)
    return [h for h in hosts if h]


def looks_like_hostname(text: str) -> bool:
    """Whether a bare word can be a host (`example.com`, `localhost`, an IP literal)."""
    if not text or len(text) > 253 or text[0] in "-.":
        return False
    if text.startswith("[") and text.endswith("]"):
        return normalize_ipv6(text) is not None
    if normalize_ip(text) is not None and ("." in text or ":" in text or text.isdigit()):
        return True
    if text.lower() == "localhost":
        return True
    if "." not in text.strip("."):
        return False
    return all(c.isalnum() or c in "-._" for c in text)


def dev_tcp_host(path: str) -> str | None:
    """The host of a bash `/dev/tcp/HOST/PORT` or `/dev/udp/HOST/PORT` path, else None."""
    for prefix in ("/dev/tcp/", "/dev/udp/"):
        if path.startswith(prefix):
            host = path[len(prefix):].split("/", 1)[0]
            return normalize_host(host) if host else None
    return None
