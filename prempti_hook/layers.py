"""Rulesets compiled apart and matched together (hot path).

The managed policy (`config.py`) is compiled on its own, so no other rules file can reach
its lists, macros or rules (the loader also refuses a file that tries, see
`falco.loader.load(reserved=...)`); the shipped and user rules are compiled as the second
layer. A call is matched against both, managed rules first: their verdicts combine as usual
(deny > ask > allow), so a managed deny or ask stands whatever the other rules say.
"""

from __future__ import annotations


class LayeredRuleset:
    """Several rulesets matched in order, as one."""

    __slots__ = ("layers",)

    def __init__(self, layers: tuple) -> None:
        self.layers = tuple(layers)

    def match(self, event) -> list:
        matched: list = []
        for layer in self.layers:
            matched.extend(layer.match(event))
        return matched

    @property
    def rules(self) -> tuple:
        return tuple(rule for layer in self.layers for rule in layer.rules)

    def __len__(self) -> int:
        return sum(len(layer) for layer in self.layers)

    def __reduce__(self):
        return (LayeredRuleset, (self.layers,))

    def __repr__(self) -> str:
        return f"LayeredRuleset({', '.join(repr(layer) for layer in self.layers)})"
