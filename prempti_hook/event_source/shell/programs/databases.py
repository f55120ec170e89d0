"""Observers of ORMs, migration tools and database clients: the commands that wipe a
database (`prisma migrate reset`, `rails db:drop`, `manage.py flush`, `alembic downgrade
base`, `dropdb`, `redis-cli FLUSHALL`, `psql -c 'DROP ...'`) record `db.wipe`; platform
deletes of databases and branches (`neonctl branches delete`, `supabase projects delete`)
record `data.delete`. They are recorded however the tool is started (`npx`, `pnpm dlx`,
`bunx`, `yarn`, `poetry run`, `uv run`, `bundle exec`: the wrappers hand the inner command
over). Whether the target is production is read from the whole command by the
`tool.production_effects` field.
"""

from __future__ import annotations

from ... import sql
from ..analysis import known_text, name_set
from .destructive import delete, dry_run, effect, operands

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..analysis import Call
    from ..evaluate import Evaluator


def _wipe(ev: Evaluator) -> None:
    effect(ev, "db.wipe")


def _prisma(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    words = operands(args, name_set("--schema --name -n"))
    if words[:2] == ["migrate", "reset"] or (
            words[:2] == ["db", "push"] and ("--force-reset" in args
                                             or "--accept-data-loss" in args)):
        _wipe(ev)


def _drizzle(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if operands(args, name_set("--config"))[:1] == ["push"] and (
            "--force" in args or "-f" in args):
        _wipe(ev)


def _supabase(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    words = operands(args, name_set("--db-url --project-ref --workdir"))
    if words[:2] == ["db", "reset"]:
        _wipe(ev)
    elif words[:2] in (["projects", "delete"], ["branches", "delete"]):
        effect(ev, "data.delete")


# Rails tasks that drop or empty the database (`db:drop:primary` counts as `db:drop`).
_RAILS_WIPES = ("db:drop", "db:reset", "db:schema:load", "db:structure:load", "db:purge",
                "db:truncate_all", "db:migrate:reset", "db:setup", "db:seed:replant")


def _rails(ev: Evaluator, call: Call) -> None:
    for arg in call.argv[1:]:
        task = arg.partition("[")[0]
        if any(task == w or task.startswith(w + ":") for w in _RAILS_WIPES):
            _wipe(ev)
            return


def _django_command(ev: Evaluator, args: list) -> None:
    """`manage.py SUBCOMMAND ...` / `django-admin SUBCOMMAND ...` / `python -m django`."""
    words = operands(args, name_set("--settings --pythonpath --database -v --verbosity"))
    if not words:
        return
    sub = words[0]
    if sub in ("flush", "reset_db", "reset_schema", "drop_test_database") or (
            sub == "migrate" and len(words) >= 3 and words[2] == "zero"):
        _wipe(ev)


def _manage(ev: Evaluator, call: Call) -> None:
    _django_command(ev, call.argv[1:])


def _sequelize(ev: Evaluator, call: Call) -> None:
    if any(a in ("db:drop", "db:migrate:undo:all", "db:seed:undo:all")
           for a in call.argv[1:]):
        _wipe(ev)


def _typeorm(ev: Evaluator, call: Call) -> None:
    if "schema:drop" in call.argv[1:]:
        _wipe(ev)


def _knex(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    if "migrate:rollback" in args and "--all" in args:
        _wipe(ev)


def _alembic(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    words = operands(args, name_set("-c --config -n --name -x"))
    if words[:1] == ["downgrade"] and "--sql" not in args and len(words) > 1 and (
            words[1] == "base" or words[1].startswith("-")):
        _wipe(ev)


def _python(ev: Evaluator, call: Call) -> None:
    """`python [opts] manage.py ...`, `python -m django ...`, `python -m alembic ...`."""
    args = call.argv[1:]
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "-":
        arg = args[i]
        if arg in ("-c",) or (arg.startswith("-c") and len(arg) > 2):
            return
        if arg == "-m" and i + 1 < len(args):
            module, rest = args[i + 1], args[i + 2:]
            if module == "django":
                _django_command(ev, rest)
            elif module == "alembic":
                _alembic(ev, call.but(["alembic", *rest]))
            return
        if arg.startswith("-m") and len(arg) > 2:
            return
        i += 2 if arg in ("-X", "-W", "-Q") else 1
    if i < len(args) and args[i].rsplit("/", 1)[-1] == "manage.py":
        _django_command(ev, args[i + 1:])


def _dropdb(ev: Evaluator, call: Call) -> None:
    if not {"--help", "-?", "--version", "-V"} & set(call.argv[1:]):
        _wipe(ev)


def _sql_effects(ev: Evaluator, text: str) -> None:
    for found in sql.effects(text):
        effect(ev, found)


def _stdin_sql(ev: Evaluator, call: Call) -> None:
    text = known_text(call.stdin)
    if text is not None:
        _sql_effects(ev, text)


def _psql(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    for k, arg in enumerate(args):
        if arg in ("-c", "--command") and k + 1 < len(args):
            _sql_effects(ev, args[k + 1])
        elif arg.startswith("--command="):
            _sql_effects(ev, arg.partition("=")[2])
        elif arg.startswith("-c") and len(arg) > 2:
            _sql_effects(ev, arg[2:])
    _stdin_sql(ev, call)


def _mysql(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    for k, arg in enumerate(args):
        if arg in ("-e", "--execute") and k + 1 < len(args):
            _sql_effects(ev, args[k + 1])
        elif arg.startswith("--execute="):
            _sql_effects(ev, arg.partition("=")[2])
        elif arg.startswith("-e") and len(arg) > 2:
            _sql_effects(ev, arg[2:])
    _stdin_sql(ev, call)


def _sqlite3(ev: Evaluator, call: Call) -> None:
    """`sqlite3 [opts] DB [SQL...]`; the SQL may also come on standard input. The database
    is the file: destroying its data is an overwrite of that file, judged by where it is
    (a scratch database in temp space is fine, `data/app.db` in the project is not)."""
    words = operands(call.argv[1:], name_set("-cmd -separator -nullvalue -newline -init"))
    texts = words[1:]
    text = known_text(call.stdin)
    if text is not None:
        texts.append(text)
    found: set = set()
    for text in texts:
        found |= sql.effects(text)
    if "db.secret_read" in found:
        effect(ev, "db.secret_read")
    if "db.wipe" in found:
        if words and words[0] not in (":memory:", ""):
            delete(ev, words[0], call.st, "erase")
        else:
            _wipe(ev)


def _redis(ev: Evaluator, call: Call) -> None:
    words = operands(call.argv[1:], name_set("-h -p -a -n -u -s --user --pass --tls-cert "
                                             "--tls-key --cacert -r -i -d --eval"))
    if any(w.upper() in ("FLUSHALL", "FLUSHDB") for w in words):
        _wipe(ev)


def _mongo(ev: Evaluator, call: Call) -> None:
    args = call.argv[1:]
    for k, arg in enumerate(args):
        if arg == "--eval" and k + 1 < len(args):
            for found in sql.mongo_effects(args[k + 1]):
                effect(ev, found)
        elif arg.startswith("--eval="):
            for found in sql.mongo_effects(arg.partition("=")[2]):
                effect(ev, found)
    text = known_text(call.stdin)
    if text is not None:
        for found in sql.mongo_effects(text):
            effect(ev, found)


def _platform_delete(*subcommands: tuple):
    """A platform CLI whose `NOUN VERB` pairs delete databases or branches."""
    wanted = set(subcommands)

    def observe(ev: Evaluator, call: Call) -> None:
        words = [w for w in call.argv[1:] if not w.startswith("-")]
        if any(tuple(words[k:k + 2]) in wanted for k in range(len(words) - 1)) and \
                not dry_run(call.argv[1:]):
            effect(ev, "data.delete")

    return observe


OBSERVERS: dict = {
    "prisma": _prisma, "drizzle-kit": _drizzle, "supabase": _supabase, "rails": _rails,
    "rake": _rails, "manage.py": _manage, "django-admin": _manage, "sequelize": _sequelize,
    "sequelize-cli": _sequelize, "typeorm": _typeorm, "typeorm-ts-node-commonjs": _typeorm,
    "typeorm-ts-node-esm": _typeorm, "knex": _knex, "alembic": _alembic, "dropdb": _dropdb,
    "psql": _psql, "mysql": _mysql, "mariadb": _mysql, "sqlite3": _sqlite3,
    "redis-cli": _redis, "mongosh": _mongo, "mongo": _mongo, "python": _python,
    "neonctl": _platform_delete(("branches", "delete"), ("projects", "delete"),
                                ("databases", "delete"), ("branch", "delete"),
                                ("project", "delete")),
    "pscale": _platform_delete(("database", "delete"), ("branch", "delete"),
                               ("backup", "delete")),
    "turso": _platform_delete(("db", "destroy"), ("group", "destroy")),
}
