"""Host, IP and URL normalization: every spelling of one address compares equal."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from importcheck import heavy_imports

from prempti_hook.event_source.netaddr import (
    dev_tcp_host,
    looks_like_hostname,
    normalize_host,
    normalize_ip,
    url_host,
    url_hosts,
)

METADATA = "169.254.169.254"


@pytest.mark.parametrize("spelling", [
    "169.254.169.254", "2852039166", "0xa9fea9fe", "0XA9FEA9FE", "0251.0376.0251.0376",
    "169.254.43518", "169.16689662", "0xa9.0xfe.0xa9.0xfe", "0251.254.0xa9.254",
    "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[0:0:0:0:0:ffff:a9fe:a9fe]",
    "[64:ff9b::a9fe:a9fe]", "169.254.169.254.", "０ｘａ９ｆｅａ９ｆｅ",
    "１６９.２５４.１６９.２５４", "%31%36%39.254.169.254", "0x00000000a9fea9fe",
])
def test_every_spelling_of_the_metadata_address(spelling):
    assert normalize_host(spelling) == METADATA


@pytest.mark.parametrize("text", [
    "127.0.0.1", "1", "0x7f000001", "017700000001", "10.1", "255.255.255.255", "0.0.0.0",
    "1.2.3", "0x1.0x2.0x3.0x4",
])
def test_ipv4_agrees_with_the_c_library(text):
    """inet_aton is what curl, wget and ping use to read a dotted address."""
    expected = socket.inet_ntoa(socket.inet_aton(text))
    assert normalize_ip(text) == expected


@pytest.mark.parametrize("text", ["256.1.1.1", "1.2.3.4.5", "08.1.1.1", "0x.1.1.1g", "",
                                  "1..1", "a.b.c.d", "4294967296", "1.2.65536"])
def test_not_ipv4(text):
    assert normalize_ip(text) is None


@pytest.mark.parametrize("text", [
    "::1", "::", "2001:db8::1", "2001:DB8:0:0:1:0:0:1", "fe80::1:2:3", "1:2:3:4:5:6:7:8",
    "1::8", "::2:3:4:5:6:7:8", "2001:db8:0:0:0:0:2:1", "2001:0:0:1::1", "1:0:0:2:0:0:0:3",
])
def test_ipv6_canonical_form_agrees_with_ipaddress(text):
    assert normalize_ip(text) == str(ipaddress.IPv6Address(text))


def test_ipv6_brackets_and_zone():
    assert normalize_host("[FE80::1%25eth0]") == "fe80::1"
    assert normalize_host("[2001:db8::1]") == "2001:db8::1"


@pytest.mark.parametrize("text", ["1:2:3:4:5:6:7:8:9", "::1::", "12345::", "g::1",
                                  "1:2:3:4:5:6:7", ":1:2:3:4:5:6:7"])
def test_not_ipv6(text):
    assert normalize_ip(text) is None


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_any_ipv4_integer_spelling(value):
    dotted = str(ipaddress.IPv4Address(value))
    assert normalize_host(str(value)) == dotted
    assert normalize_host(hex(value)) == dotted
    assert normalize_host("0" + oct(value)[2:]) == dotted
    assert normalize_host(f"[::ffff:{value >> 16:x}:{value & 0xFFFF:x}]") == dotted


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_any_ipv6_address(value):
    address = ipaddress.IPv6Address(value)
    expected = str(address.ipv4_mapped) if address.ipv4_mapped else str(address)
    if value >> 32 == 0x64FF9B << 64:
        expected = str(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    assert normalize_host(f"[{address.exploded}]") == expected


@pytest.mark.parametrize("host, expected", [
    ("Example.COM", "example.com"), ("example.com.", "example.com"),
    ("bücher.example", "xn--bcher-kva.example"), ("BÜCHER.example", "xn--bcher-kva.example"),
    ("ｅｘａｍｐｌｅ.com", "example.com"), ("example。com", "example.com"),
    ("%65xample.com", "example.com"), ("localhost", "localhost"), ("  spaced  ", "spaced"),
])
def test_host_names(host, expected):
    assert normalize_host(host) == expected


@pytest.mark.parametrize("url, host", [
    ("https://Example.COM/path?q#f", "example.com"),
    ("http://user:pw@example.com:8080/", "example.com"),
    ("http://example.com:8080", "example.com"),
    ("HTTP://EXAMPLE.COM", "example.com"),
    ("https:example.com/x", "example.com"),
    ("https:///example.com/x", "example.com"),
    ("http://[::1]:80/", "::1"),
    ("http://0x7f.1/", "127.0.0.1"),
    ("http://2852039166/latest/meta-data", METADATA),
    ("ftp://files.example/x", "files.example"),
    ("ws://sock.example/", "sock.example"),
    ("example.com/path", "example.com"),
    ("file:///etc/passwd", ""),
    ("mailto:someone@example.com", ""),
    ("git+ssh://git@github.com/a/b", "github.com"),
    ("http://a.example\\@b.example/", "a.example"),
    ("http://a.example#@b.example/", "a.example"),
    (" \thttp://ex\nample.com/ ", "example.com"),
])
def test_url_host(url, host):
    assert url_host(url) == host


def test_url_hosts_includes_the_backslash_reading():
    assert url_hosts("http://good.example\\@evil.example/") == ["good.example", "evil.example"]
    assert url_hosts("https://only.example/") == ["only.example"]


@pytest.mark.parametrize("word, expected", [
    ("example.com", True), ("localhost", True), ("10.0.0.1", True), ("[::1]", True),
    ("A", False), ("MX", False), ("-v", False), ("file", False), ("a b.com", False),
])
def test_looks_like_hostname(word, expected):
    assert looks_like_hostname(word) is expected


def test_dev_tcp():
    assert dev_tcp_host("/dev/tcp/Evil.Example/443") == "evil.example"
    assert dev_tcp_host("/dev/udp/0x7f000001/53") == "127.0.0.1"
    assert dev_tcp_host("/dev/null") is None


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_never_raises(text):
    assert isinstance(normalize_host(text), str)
    assert isinstance(url_host(text), str)
    url_hosts(text)
    normalize_ip(text)


def test_import_stays_light():
    assert heavy_imports("import prempti_hook.event_source.netaddr") == set()
