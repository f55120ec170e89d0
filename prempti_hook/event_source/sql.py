"""What SQL text does to the data: statements that destroy it (`DROP`, `TRUNCATE`, `DELETE`
or `UPDATE` without `WHERE`, `ALTER ... DROP`) and reads of tables named like secrets.

Used for MCP database tools (`mcp__postgres__query` with `{"sql": ...}`) and for SQL given
to database clients on the command line (`psql -c`, `mysql -e`, `sqlite3 db "..."`).

A small scanner, not a parser: comments and string literals are removed first (so
`WHERE body ILIKE '%drop table%'` is a read, and `/* ... */ DELETE FROM t` is a delete),
then each statement is judged by its leading keywords. Bounded: the first 64 KiB of text and
the first 200 statements.

    effects(text) -> set of "db.wipe" / "db.secret_read" / "db.program"

`db.program`: SQL that makes the database server run a program (PostgreSQL's `COPY ... TO
PROGRAM` / `FROM PROGRAM`, SQL Server's `xp_cmdshell`, MySQL UDFs `sys_exec`/`sys_eval`):
a shell on the database host, whatever the program is.
"""

from __future__ import annotations

MAX_TEXT = 64 * 1024
MAX_STATEMENTS = 200

# Verbs a statement starts with: text that starts with none of them is not SQL.
_VERBS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "TRUNCATE", "ALTER",
                    "CREATE", "WITH", "EXPLAIN", "SHOW", "DESCRIBE", "DESC", "GRANT",
                    "REVOKE", "BEGIN", "COMMIT", "ROLLBACK", "SET", "VACUUM", "ANALYZE",
                    "REPLACE", "MERGE", "UPSERT", "COPY", "CALL", "PRAGMA", "USE", "REINDEX",
                    "COMMENT", "LOCK", "START", "FLUSH", "RENAME", "VALUES", "TABLE"})
# Words in a table name that say it holds credentials.
_SECRET_WORDS = ("token", "secret", "credential", "password", "passwd", "api_key", "apikey",
                 "private_key", "privatekey", "session_key", "auth_key")


def _strip(text: str) -> str:
    """`text` with comments removed and string literals replaced by `''` (quoted
    identifiers keep their name)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "-" and text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif char == "#" and (i == 0 or text[i - 1] in " \t\n;"):
            end = text.find("\n", i)  # MySQL comment
            i = n if end < 0 else end
        elif char == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        elif char == "'":
            i = _skip_quoted(text, i, "'")
            out.append("''")
        elif char in '"`':
            end = _skip_quoted(text, i, char)
            out.append(" " + text[i + 1:end - 1] + " ")
            i = end
        elif char == "$":
            tag_end = text.find("$", i + 1)
            tag = text[i:tag_end + 1] if tag_end > 0 else ""
            if tag and all(c.isalnum() or c == "_" for c in tag[1:-1]):
                end = text.find(tag, tag_end + 1)
                i = n if end < 0 else end + len(tag)
                out.append("''")
            else:
                out.append(char)
                i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


def _skip_quoted(text: str, start: int, quote: str) -> int:
    """Index just past the literal that starts at `start` (doubled quotes and backslash
    escapes stay inside)."""
    i = start + 1
    n = len(text)
    while i < n:
        if text[i] == "\\" and quote == "'":
            i += 2
            continue
        if text[i] == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    return n


def _words(statement: str) -> list[str]:
    """Identifier-like words (dots kept, so `auth.refresh_tokens` is one word)."""
    words: list[str] = []
    current: list[str] = []
    for char in statement:
        if char.isalnum() or char in "_.$":
            current.append(char)
        else:
            if current:
                words.append("".join(current))
                current = []
            if char == "(":
                words.append("(")
    if current:
        words.append("".join(current))
    return words


def statements(text: str) -> list[list[str]]:
    """The statements of `text`, each as its words."""
    cleaned = _strip(text[:MAX_TEXT])
    out = []
    for part in cleaned.split(";")[:MAX_STATEMENTS]:
        words = _words(part)
        if words:
            out.append(words)
    return out


def is_sql(text: str) -> bool:
    """Text that starts (after comments) with an SQL verb."""
    for words in statements(text)[:1]:
        return words[0].upper() in _VERBS
    return False


def _destroys(upper: list[str]) -> bool:
    verb = upper[0]
    if verb in ("DROP", "TRUNCATE"):
        return True
    if verb == "WITH":  # `WITH x AS (...) DELETE FROM t`: judge the main statement
        for k, word in enumerate(upper):
            if word in ("DELETE", "UPDATE") and k:
                return _destroys(upper[k:])
        return False
    if verb == "DELETE":
        return "WHERE" not in upper
    if verb == "UPDATE":
        return "SET" in upper and "WHERE" not in upper
    if verb == "ALTER":
        return "DROP" in upper[2:] or "TRUNCATE" in upper[2:]
    return False


def _secret_table(name: str) -> bool:
    table = name.rsplit(".", 1)[-1].lower()
    return any(word in table for word in _SECRET_WORDS)


def _reads_secret_table(words: list[str], upper: list[str]) -> bool:
    for k, word in enumerate(upper[:-1]):
        if word in ("FROM", "JOIN") and _secret_table(words[k + 1]):
            return True
    return False


def effects(text: str) -> set[str]:
    """The data effects of SQL `text` (empty when it is not SQL or changes nothing)."""
    found: set[str] = set()
    for words in statements(text):
        upper = [w.upper() for w in words]
        if upper[0] in ("EXEC", "EXECUTE") and _runs_program(upper):
            found.add("db.program")  # T-SQL `EXEC xp_cmdshell '...'`
        if upper[0] not in _VERBS:
            continue
        if _destroys(upper):
            found.add("db.wipe")
        if upper[0] in ("SELECT", "WITH", "COPY", "TABLE") and _reads_secret_table(words,
                                                                                   upper):
            found.add("db.secret_read")
        if _runs_program(upper):
            found.add("db.program")
    return found


_PROGRAM_FUNCTIONS = frozenset({"XP_CMDSHELL", "MASTER..XP_CMDSHELL", "MASTER.DBO.XP_CMDSHELL",
                                "SYS_EXEC", "SYS_EVAL"})


def _runs_program(upper: list[str]) -> bool:
    if upper[0] == "COPY" and "PROGRAM" in upper:
        k = upper.index("PROGRAM")
        return k > 0 and upper[k - 1] in ("TO", "FROM")
    return any(word in _PROGRAM_FUNCTIONS or word.endswith(".XP_CMDSHELL") for word in upper)


def mongo_effects(code: str) -> set[str]:
    """mongosh/mongo `--eval` code that drops or empties collections or databases."""
    compact = "".join(code[:MAX_TEXT].split())
    for call in (".dropDatabase(", ".drop(", ".deleteMany({})", ".remove({})",
                 ".deleteMany()", ".remove()", "dropAllUsers("):
        if call in compact:
            return {"db.wipe"}
    return set()
