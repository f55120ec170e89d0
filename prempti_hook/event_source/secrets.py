"""Find credentials in what a tool call would send or write (`tool.secrets`).

Only the *kind* of each credential is reported (`github_token`), never its value, so the
audit log does not become a secret store. Detection is by anchor: `str.find` locates a
fixed prefix (`ghp_`, `AKIA`, `-----BEGIN `...), then a short check of the characters after
it (alphabet and length, the way the issuer generates them) keeps false positives low.
That is faster than regular expressions and keeps `re` (11 ms to import) off the hot path.

Work is bounded: at most `MAX_NODES` JSON values, `MAX_DEPTH` levels and `MAX_CHARS`
characters of text are examined per call (about 40 anchors x 1 MiB: ~50 ms worst case on
this machine, well under 1 ms for ordinary tool inputs). A credential placed after the
first MiB of a huge input is not seen.
"""

from __future__ import annotations

MAX_NODES = 20_000
MAX_DEPTH = 64
MAX_CHARS = 1024 * 1024

_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_ALNUM = _UPPER | _LOWER | _DIGITS
_BASE32 = _UPPER | frozenset("234567")
_WORD = _ALNUM | frozenset("_")
_URLSAFE = _ALNUM | frozenset("_-")
_BASE64 = _ALNUM | frozenset("+/=")
_HEXLOWER = frozenset("0123456789abcdef")
_SLACK = _ALNUM | frozenset("-")
# A token is whole when the characters around it could not be part of it.
_TOKEN_CHARS = _URLSAFE


def _run(text: str, start: int, alphabet: frozenset, limit: int) -> int:
    """Index just past the run of `alphabet` characters starting at `start` (capped)."""
    end, stop = start, min(len(text), start + limit)
    while end < stop and text[end] in alphabet:
        end += 1
    return end


def _starts_token(text: str, pos: int) -> bool:
    return pos == 0 or text[pos - 1] not in _TOKEN_CHARS


def _fixed(alphabet: frozenset, minimum: int, maximum: int, *, exact_end: bool = True):
    """A checker: `minimum..maximum` characters of `alphabet` follow the anchor."""

    def check(text: str, pos: int) -> bool:
        end = _run(text, pos, alphabet, maximum + 1)
        if not minimum <= end - pos <= maximum:
            return False
        return not exact_end or end == len(text) or text[end] not in _TOKEN_CHARS

    return check


def _aws_key_id(text: str, pos: int) -> bool:
    end = _run(text, pos, _BASE32, 17)
    if end - pos != 16 or (end < len(text) and text[end] in _ALNUM):
        return False
    return "EXAMPLE" not in text[pos - 4:end]


def _mixed(alphabet: frozenset, minimum: int, maximum: int):
    """Like `_fixed`, and the token mixes letters and digits as generated keys do."""

    def check(text: str, pos: int) -> bool:
        end = _run(text, pos, alphabet, maximum + 1)
        if not minimum <= end - pos <= maximum:
            return False
        if end < len(text) and text[end] in _TOKEN_CHARS:
            return False
        body = text[pos:end]
        return any(c in _DIGITS for c in body) and any(c in _UPPER or c in _LOWER
                                                        for c in body)

    return check


def _openai_legacy(text: str, pos: int) -> bool:
    """`sk-` + 48 alphanumerics with upper, lower and digits (or the `T3BlbkFJ` marker)."""
    end = _run(text, pos, _ALNUM, 200)
    if end - pos < 32 or (end < len(text) and text[end] in _TOKEN_CHARS):
        return False
    body = text[pos:end]
    if "T3BlbkFJ" in body:
        return True
    return (end - pos == 48 and any(c in _UPPER for c in body)
            and any(c in _LOWER for c in body) and any(c in _DIGITS for c in body))


def _openai_prefixed(text: str, pos: int) -> bool:
    end = _run(text, pos, _URLSAFE, 400)
    return end - pos >= 40 and any(c in _DIGITS for c in text[pos:end])


def _slack(text: str, pos: int) -> bool:
    end = _run(text, pos, _SLACK, 300)
    body = text[pos:end]
    return len(body) >= 20 and body.count("-") >= 2 and any(c in _DIGITS for c in body)


def _jwt(text: str, pos: int) -> bool:
    """`eyJ...` header, `.`, `eyJ...` payload, `.`, signature (base64url each)."""
    first = _run(text, pos, _URLSAFE, 4096)
    if first - pos < 10 or first >= len(text) or text[first] != ".":
        return False
    if not text.startswith("eyJ", first + 1):
        return False
    second = _run(text, first + 1, _URLSAFE, 65536)
    if second - first < 10 or second >= len(text) or text[second] != ".":
        return False
    third = _run(text, second + 1, _URLSAFE, 4096)
    return third - second > 16


def _pem(text: str, pos: int) -> bool:
    line_end = text.find("-----", pos)
    return 0 <= line_end - pos <= 40 and "PRIVATE KEY" in text[pos:line_end]


def _url_password(text: str, pos: int) -> bool:
    """`scheme://user:password@host` with a real-looking password (not `$VAR`, `<pw>`)."""
    end = pos
    stop = min(len(text), pos + 512)
    while end < stop and text[end] not in "/?#@ \t\n\"'<>":
        end += 1
    if end >= stop or text[end] != "@":
        return False
    userinfo = text[pos:end]
    user, sep, password = userinfo.partition(":")
    if not sep or not user or len(password) < 3:
        return False
    if password[0] in "$<{*%[" or password.strip("*x") == "":
        return False
    return password.lower() not in {"password", "passwd", "pass", "secret", "changeme"}


_github_classic = _fixed(_ALNUM, 36, 255)
_gitlab = _fixed(_URLSAFE, 20, 255)
_shopify = _fixed(_HEXLOWER | _UPPER, 32, 32)

# (anchor, kind, check of the text after the anchor). Order matters only for readability:
# a position is reported once per kind, and prefixes that share a start (`sk-ant-`,
# `sk-proj-`, `sk-`) are told apart by `_EXCLUDE`.
_ANCHORS: list[tuple] = [
    ("AKIA", "aws_access_key_id", _aws_key_id),
    ("ASIA", "aws_access_key_id", _aws_key_id),
    ("ABIA", "aws_access_key_id", _aws_key_id),
    ("ACCA", "aws_access_key_id", _aws_key_id),
    ("ghp_", "github_token", _github_classic),
    ("gho_", "github_token", _github_classic),
    ("ghu_", "github_token", _github_classic),
    ("ghs_", "github_token", _github_classic),
    ("ghr_", "github_token", _github_classic),
    ("github_pat_", "github_token", _fixed(_WORD, 50, 255)),
    ("glpat-", "gitlab_token", _gitlab),
    ("gldt-", "gitlab_token", _gitlab),
    ("glrt-", "gitlab_token", _gitlab),
    ("xoxb-", "slack_token", _slack),
    ("xoxa-", "slack_token", _slack),
    ("xoxp-", "slack_token", _slack),
    ("xoxr-", "slack_token", _slack),
    ("xoxs-", "slack_token", _slack),
    ("hooks.slack.com/services/T", "slack_webhook", _fixed(_ALNUM | frozenset("/"), 20, 200,
                                                            exact_end=False)),
    ("sk-ant-", "anthropic_api_key", _fixed(_URLSAFE, 32, 400)),
    ("sk-proj-", "openai_api_key", _openai_prefixed),
    ("sk-svcacct-", "openai_api_key", _openai_prefixed),
    ("sk-admin-", "openai_api_key", _openai_prefixed),
    ("sk-", "openai_api_key", _openai_legacy),
    ("AIza", "google_api_key", _fixed(_URLSAFE, 35, 35)),
    ("sk_live_", "stripe_secret_key", _mixed(_ALNUM, 24, 247)),
    ("rk_live_", "stripe_secret_key", _mixed(_ALNUM, 24, 247)),
    ("npm_", "npm_token", _mixed(_ALNUM, 36, 36)),
    ("pypi-AgEIcHlwaS5vcmc", "pypi_token", _fixed(_URLSAFE, 50, 1000)),
    ("hf_", "huggingface_token", _mixed(_ALNUM, 34, 40)),
    ("dop_v1_", "digitalocean_token", _fixed(_HEXLOWER, 64, 64)),
    ("shpat_", "shopify_token", _shopify),
    ("shpss_", "shopify_token", _shopify),
    ("AGE-SECRET-KEY-1", "age_secret_key", _fixed(_UPPER | _DIGITS, 58, 58)),
    ("-----BEGIN ", "private_key", _pem),
    ("PuTTY-User-Key-File-", "private_key", lambda text, pos: True),
    ("eyJ", "jwt", _jwt),
    ("://", "url_password", _url_password),
]

# `sk-` must not also report the keys whose longer prefixes have their own kind.
_EXCLUDE = {"sk-": ("sk-ant-", "sk-proj-", "sk-svcacct-", "sk-admin-")}

_AWS_SECRET_LABELS = ("aws_secret_access_key", "aws_secret_key", "secretaccesskey",
                      "aws-secret-access-key")
_LABEL_GAP = frozenset(" \t\"':=>")


def _aws_secret(text: str, lowered: str) -> bool:
    """A 40-character AWS secret key right after a label that names it."""
    for label in _AWS_SECRET_LABELS:
        pos = lowered.find(label)
        while pos >= 0:
            value = _run(text, pos + len(label), _LABEL_GAP, 8)
            end = _run(text, value, _BASE64, 41)
            if end - value == 40 and "EXAMPLE" not in text[value:end]:
                return True
            pos = lowered.find(label, pos + 1)
    return False


# `NAME=value` lines of an environment or config file whose name says the value is a secret
# (`STRIPE_SECRET_KEY=...`, `JWT_SECRET=...`, `:_authToken=...`): `labelled_secret`.
_SECRET_NAME_WORDS = ("secret", "token", "passw", "apikey", "api_key", "access_key",
                      "private_key", "signing_key", "client_key", "auth_key")
_PLACEHOLDER_WORDS = ("example", "changeme", "change_me", "your", "xxxx", "placeholder",
                      "dummy", "redacted", "sample", "fake", "test", "...", "****")
_NAME_CHARS = _URLSAFE | frozenset(".")
_VALUE_STOP = frozenset(" \t\r\n\"'`,;&|)")
MAX_LABELS = 256


def _labelled_secret(text: str) -> bool:
    pos = text.find("=")
    seen = 0
    while pos > 0 and seen < MAX_LABELS:
        seen += 1
        start = pos
        while start > 0 and pos - start < 64 and text[start - 1] in _NAME_CHARS:
            start -= 1
        before = text[start - 1] if start else "\n"
        name = text[start:pos].lower()
        if name and before in "\n \t:" and any(w in name for w in _SECRET_NAME_WORDS):
            begin = pos + 1 + (text[pos + 1:pos + 2] in ("'", '"'))
            end = begin
            while end < len(text) and end - begin <= 512 and text[end] not in _VALUE_STOP:
                end += 1
            value = text[begin:end]
            lowered = value.lower()
            if (8 <= len(value) <= 512 and value[0] not in "$<{%*"
                    and any(c in _DIGITS for c in value)
                    and any(c in _UPPER or c in _LOWER for c in value)
                    and not any(w in lowered for w in _PLACEHOLDER_WORDS)):
                return True
        pos = text.find("=", pos + 1)
    return False


def scan_text(text: str, found: set[str]) -> None:
    """Add to `found` the kinds of credentials that occur in `text`."""
    for anchor, kind, check in _ANCHORS:
        if kind in found:
            continue
        excluded = _EXCLUDE.get(anchor, ())
        pos = text.find(anchor)
        while pos >= 0:
            after = pos + len(anchor)
            if (anchor == "://" or _starts_token(text, pos)) \
                    and not any(text.startswith(longer, pos) for longer in excluded) \
                    and check(text, after):
                found.add(kind)
                break
            pos = text.find(anchor, after)
    if "aws_secret_access_key" not in found and ("ecret" in text or "ECRET" in text) \
            and _aws_secret(text, text.lower()):
        found.add("aws_secret_access_key")
    if "labelled_secret" not in found and "=" in text and _labelled_secret(text):
        found.add("labelled_secret")


def find_secrets(value: object) -> tuple[str, ...]:
    """The sorted kinds of credentials in any string (or key) of a JSON-like value."""
    found: set[str] = set()
    budget = MAX_CHARS
    stack: list[tuple[object, int]] = [(value, 0)]
    nodes = 0
    while stack and nodes < MAX_NODES and budget > 0:
        item, depth = stack.pop()
        nodes += 1
        if isinstance(item, str):
            if len(item) > budget:
                item = item[:budget]
            budget -= len(item)
            if len(item) >= 8:
                scan_text(item, found)
        elif depth >= MAX_DEPTH:
            continue
        elif isinstance(item, dict):
            for key, sub in list(item.items())[:MAX_NODES - nodes]:
                stack.append((sub, depth + 1))
                stack.append((key, depth + 1))
        elif isinstance(item, (list, tuple)):
            stack.extend((sub, depth + 1) for sub in item[:MAX_NODES - nodes])
    return tuple(sorted(found))

