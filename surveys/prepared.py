"""The answer path's own statements, made cheap to run again.

Every member's visit and answer runs them, and building them through the ORM and planning them
in PostgreSQL cost more than running them (docs/operations.md, "The answer path"):

- `CompiledOnce`: a queryset compiled to SQL once per process, then run with another value.
- `prepared_cursor`: on PostgreSQL, a cursor whose statements are prepared, so each connection
  plans them once. Django's own cursors bind parameters on the client and never prepare; this
  one is Django's server-binding cursor, wrapped like any other (query logging, execute wrappers).
"""

from django.db import connections
from django.db.backends.postgresql.base import CursorDebugWrapper, ServerBindingCursor
from django.db.models import QuerySet
from django.db.models.query import get_related_populators

_ONLY_WHEN_ASKED = 2**31 - 1  # executions before psycopg would prepare a statement on its own


class _PreparingCursor(ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=True, binary=None):
        return super().execute(query, params, prepare=prepare, binary=binary)


class _LoggedPreparedCursor(CursorDebugWrapper):
    def execute(self, sql, params=None):
        # psycopg keeps no text of a prepared statement's run: logged with its values merged.
        with self.debug_sql(self.db.ops.compose_sql(sql, params)):
            return self._execute_with_wrappers(sql, params, many=False, executor=self._execute)


def prepared_cursor(using: str = "default"):
    """A cursor for a statement run on every request: prepared on PostgreSQL (planned once per
    connection), a plain cursor elsewhere. Its SQL must name its parameters' types where
    PostgreSQL can't tell them (`%s::uuid`), as it sees the values apart from the text."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    if connection.connection.prepare_threshold is None:
        # Django opens connections with preparing turned off (psycopg then refuses even an
        # explicit request); turned on here only for the statements that ask, as these do.
        connection.connection.prepare_threshold = _ONLY_WHEN_ASKED
    cursor = _PreparingCursor(connection.connection)
    if connection.queries_logged:
        return _LoggedPreparedCursor(cursor, connection)
    return connection.make_cursor(cursor)


class CompiledOnce:
    """A queryset compiled to SQL once per process, then run with another value in place of its
    `stand_in` (prepared, see above). Rows become objects as a QuerySet makes them: the
    select_related objects through Django's populators, the annotations as attributes, the
    database's values through the fields' converters."""

    def __init__(self, queryset: QuerySet, stand_in: str) -> None:
        self.db = queryset.db
        self.compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = self.compiler.as_sql()
        self.params = list(params)
        self.slots = [index for index, param in enumerate(params) if param == stand_in]
        select, klass_info = self.compiler.select, self.compiler.klass_info
        columns = klass_info["select_fields"]
        self.model, self.span = klass_info["model"], slice(columns[0], columns[-1] + 1)
        self.attnames = [column[0].target.attname for column in select[self.span]]
        self.populators = get_related_populators(klass_info, select, self.db)

    def first(self, value):
        """The first object the query finds with `value` in place of the stand-in, or None."""
        params = list(self.params)
        for index in self.slots:
            params[index] = value
        with prepared_cursor(self.db) as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchmany(1)
        for row in self.compiler.results_iter(results=[rows]):
            found = self.model.from_db(self.db, self.attnames, row[self.span])
            for populator in self.populators:
                populator.populate(row, found)
            for name, position in self.compiler.annotation_col_map.items():
                setattr(found, name, row[position])
            return found
        return None
