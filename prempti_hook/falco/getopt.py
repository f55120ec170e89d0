"""The `getopt()` transformer at evaluation time (loaded only by a rule that uses it: the
rule cache names its class, see `stored._ClassTable`)."""

from __future__ import annotations

from .runtime import _single, as_text


def getopt_scan(argv, optstring: str, selector: str | None):
    """POSIX-getopt-like scan (libsinsp `getopt()` transformer).

    List mode returns every option character (`?` for unknown ones) followed by its
    value when it takes one (`""` alone when that value is missing). With a selector,
    returns the last value of that option (or the option itself when it takes no value),
    or None when the option never appears.
    """
    start = 1 if optstring.startswith(":") else 0
    valid: set[str] = set()
    with_arg: set[str] = set()
    i = start
    while i < len(optstring):
        c = optstring[i]
        if c != ":":
            valid.add(c)
            if i + 1 < len(optstring) and optstring[i + 1] == ":":
                with_arg.add(c)
                i += 1
        i += 1
    results: list[str] = []
    selected = None
    idx = 0
    while idx < len(argv):
        arg = argv[idx]
        if arg == "--":
            break
        if len(arg) > 2 and arg.startswith("--"):
            idx += 1
            continue
        if len(arg) < 2 or arg[0] != "-":
            break
        j = 1
        while j < len(arg):
            opt = arg[j]
            if opt == ":" or opt not in valid:
                if selector is None:
                    results.append("?")
                j += 1
                continue
            wanted = selector is None or opt == selector
            if opt not in with_arg:
                if wanted:
                    if selector is None:
                        results.append(opt)
                    else:
                        selected = opt
                j += 1
                continue
            if j + 1 < len(arg):
                value = arg[j + 1:]
            elif idx + 1 < len(argv):
                idx += 1
                value = argv[idx]
            else:
                value = None
            if wanted:
                if selector is not None:
                    selected = "" if value is None else value
                elif value is None:
                    results.append("")
                else:
                    results.append(opt)
                    results.append(value)
            break
        idx += 1
    if selector is not None:
        return selected
    return tuple(results)


class Getopt:
    __slots__ = ("args", "optstring", "selector")

    def __init__(self, args, optstring, selector: str | None) -> None:
        self.args = args
        self.optstring = optstring
        self.selector = selector

    def raw(self, e):
        optstring = self.optstring.raw(e)
        if optstring is None:
            return None
        argv = self.args.raw(e)
        if argv is None:
            return None
        return getopt_scan([as_text(a) for a in argv], as_text(_single(optstring)),
                           self.selector)

    def __reduce__(self):
        return (Getopt, (self.args, self.optstring, self.selector))
