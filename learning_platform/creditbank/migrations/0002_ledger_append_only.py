"""Make the credit ledger append-only in the database itself, not only in the ORM.

PostgreSQL refuses UPDATE and DELETE of ledger rows. SQLite refuses UPDATE; a
DELETE trigger there would also stop Django's test flush (``DELETE FROM`` every
table in no fixed order), so on SQLite the ORM (``CreditEntry.delete`` and the
queryset) and the PROTECT foreign keys refuse deletes. TRUNCATE, a table
owner's operation that Django's flush uses on PostgreSQL, is left alone.
"""

from django.db import migrations

MESSAGE = "creditbank_creditentry is append-only: write a correction entry"

SQLITE_UP = [
    f"""CREATE TRIGGER creditbank_creditentry_no_update BEFORE UPDATE ON creditbank_creditentry
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS creditbank_creditentry_no_update",
]
POSTGRES_UP = [
    f"""CREATE OR REPLACE FUNCTION creditbank_creditentry_append_only() RETURNS trigger AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER creditbank_creditentry_append_only
        BEFORE UPDATE OR DELETE ON creditbank_creditentry
        FOR EACH ROW EXECUTE FUNCTION creditbank_creditentry_append_only()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS creditbank_creditentry_append_only ON creditbank_creditentry",
    "DROP FUNCTION IF EXISTS creditbank_creditentry_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
