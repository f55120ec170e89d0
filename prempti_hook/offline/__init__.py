"""Deciding tool calls outside the hook, for the rule-authoring commands (`test`, `explain`,
`replay`). Cold path: the hook never imports this package.

- `rules`: load a set of rules once (the hook's, or any files and folders) and keep what the
  commands need besides the compiled ruleset (the loader's result, for traces and file
  positions);
- `calls`: a tool call from its short forms (`bash: "..."`, `read: path`...) or from the
  agent's real event JSON;
- `sandbox`: a throw-away home for test calls, with `{home}`/`{project}`/`{prempti_home}`
  placeholders and setup steps (files, folders, symlinks);
- `decide`: one call through the same code the hook runs (adapter, Event, Ruleset.match,
  verdict.decide), without the log, the cache or the hook's output.
"""
