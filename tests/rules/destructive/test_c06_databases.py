"""Class 6: wiping a database through an ORM, a migration tool, a client or a platform asks,
however the tool is started (npx, pnpm dlx, bunx, yarn, poetry run, uv run, bundle exec);
when the command names a production target it is denied. Reads, status, generation and
forward migrations are allowed."""

from __future__ import annotations

import pytest

ASKS = [
    "npx prisma migrate reset --force",
    "pnpm dlx prisma db push --force-reset",
    "bunx prisma db push --accept-data-loss",
    "yarn prisma migrate reset",
    "npx drizzle-kit push --force",
    "supabase db reset",
    "bin/rails db:drop db:create",
    "bundle exec rake db:reset",
    "bin/rails db:schema:load",
    "python manage.py flush --noinput",
    "poetry run python manage.py migrate billing zero",
    "uv run ./manage.py reset_db",
    "npx sequelize-cli db:drop",
    "npx sequelize db:migrate:undo:all",
    "npx typeorm-ts-node-esm schema:drop -d src/db.ts",
    "npx knex migrate:rollback --all",
    "poetry run alembic downgrade base",
    "python -m alembic downgrade base",
    "dropdb shop_dev",
    "redis-cli FLUSHALL",
    "redis-cli -n 2 flushdb",
    "mongosh app_dev --eval 'db.dropDatabase()'",
    "mongosh app_dev --eval 'db.sessions.deleteMany({})'",
    "psql -d app_dev -c 'DROP TABLE users'",
    "psql \"$DATABASE_URL\" -c 'TRUNCATE orders CASCADE'",
    "mysql -u root -e 'DELETE FROM sessions'",
    "sqlite3 app.db 'DROP TABLE cache'",
    "psql app_dev <<'SQL'\nDROP SCHEMA public CASCADE;\nSQL",
    "docker compose down -v",
    "docker volume rm app_pgdata",
    "neonctl branches delete preview-17",
    "heroku pg:reset DATABASE_URL --app shop-staging",
    "aws rds delete-db-instance --db-instance-identifier shop-staging",
    "curl -X DELETE https://api.example-cloud.dev/v1/databases/db-42",
]

DENIES = [
    "RAILS_ENV=production bin/rails db:drop",
    "NODE_ENV=production npx prisma migrate reset --force",
    "npx dotenv -e .env.production -- prisma db push --force-reset",
    "DJANGO_SETTINGS_MODULE=shop.settings.prod python manage.py flush",
    "npx knex migrate:rollback --all --env production",
    "redis-cli -h redis-prod.internal FLUSHALL",
    "psql \"$PROD_DATABASE_URL\" -c 'DROP SCHEMA public CASCADE'",
    "dropdb -h db.prod.example.com shop",
    "heroku pg:reset DATABASE_URL --app shop-prod --confirm shop-prod",
    "kubectl delete pvc --all -n production",
    "aws s3 rm s3://shop-prod-backups --recursive",
    "railway run --environment production npx prisma migrate reset --force",
]

ALLOWS = [
    "npx prisma migrate status",
    "npx prisma generate",
    "npx prisma migrate dev --name add_orders --create-only",
    "pnpm drizzle-kit generate",
    "supabase migration list",
    "bin/rails db:migrate",
    "bin/rails db:migrate:status",
    "python manage.py migrate",
    "python manage.py showmigrations",
    "npx knex migrate:latest",
    "poetry run alembic upgrade head",
    "uv run alembic current",
    "redis-cli INFO keyspace",
    "redis-cli DEL session:abc",
    "mongosh app_dev --eval 'db.users.countDocuments()'",
    "psql -d app_dev -c 'SELECT count(*) FROM orders'",
    "psql -c \"SELECT * FROM posts WHERE body ILIKE '%drop table%'\"",
    "mysql -u root -e 'DELETE FROM sessions WHERE expires < NOW()'",
    "sqlite3 app.db '.tables'",
    "docker compose down",
    "docker volume ls",
    "heroku pg:info --app shop-prod",
    "aws rds describe-db-instances",
    "pg_dump app_dev > /tmp/app_dev.sql",
]


@pytest.mark.parametrize("command", ASKS)
def test_wiping_a_database_asks(verdict, command):
    result = verdict(command)
    assert result == "ask", (result.rules, result.effects)


@pytest.mark.parametrize("command", DENIES)
def test_wiping_a_production_database_is_denied(verdict, command):
    result = verdict(command)
    assert result == "deny", (result.rules, result.effects)


@pytest.mark.parametrize("command", ALLOWS)
def test_database_work_that_keeps_the_data_is_allowed(verdict, command):
    result = verdict(command)
    assert result == "allow", (result.rules, result.effects)
