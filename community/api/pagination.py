"""Cursor pagination for the API's lists: keyset pages over a stable order whose last key is
unique (the id), and opaque signed cursors that carry the sort key of a page's last row.

A cursor names the list it was made for and is signed with SECRET_KEY, so it cannot be forged
or moved to another list; it holds sort keys only, and every page applies its list's visibility
rules again, so no cursor reaches a row the list would not show.
"""
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import and_, or_

from community.db import MAX_ID, db

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
#: Longest cursor accepted (real ones are well under 200 characters).
CURSOR_MAX = 500


class BadPage(ValueError):
    """A cursor or limit the API cannot use; answered with 400 and this message."""


@dataclass(frozen=True)
class Order:
    """A list's order: `keys` are (attribute, descending, type) with the unique id last."""

    list_name: str
    model: type
    keys: tuple[tuple[str, bool, type], ...]

    def clauses(self) -> list:
        """ORDER BY clauses."""
        columns = [(getattr(self.model, name), desc) for name, desc, _ in self.keys]
        return [c.desc() if desc else c.asc() for c, desc in columns]

    def after(self, values: list) -> object:
        """The rows that come after a row with these sort keys (a keyset condition)."""
        alternatives = []
        for i, (name, desc, _) in enumerate(self.keys):
            column = getattr(self.model, name)
            equal = [getattr(self.model, n) == values[j] for j, (n, _, _) in enumerate(self.keys[:i])]
            alternatives.append(and_(*equal, column < values[i] if desc else column > values[i]))
        return or_(*alternatives)

    def key_of(self, row) -> list:
        """The sort key of a row."""
        return [getattr(row, name) for name, _, _ in self.keys]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="community.api.cursor")


def encode_cursor(order: Order, values: list) -> str:
    """The opaque cursor for the page after a row with these sort keys."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return _serializer().dumps([order.list_name, plain])


def _value(raw, kind: type):
    """One sort key read back from a cursor, checked against its type."""
    if kind is datetime and isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            value = None
        if value is not None and value.tzinfo is not None:
            return value
    elif kind is int and type(raw) is int and -MAX_ID <= raw <= MAX_ID:
        return raw
    elif kind is str and isinstance(raw, str):
        return raw
    raise BadPage("The cursor is not valid: start again from the first page.")


def decode_cursor(order: Order, token: str | None) -> list | None:
    """The sort keys a cursor carries (None without one); BadPage for anything but a cursor
    this API made for this list."""
    if token is None:
        return None
    if not token or len(token) > CURSOR_MAX:
        raise BadPage("The cursor is not valid: start again from the first page.")
    try:
        data = _serializer().loads(token)
    except BadData:
        raise BadPage("The cursor is not valid: start again from the first page.") from None
    if not (isinstance(data, list) and len(data) == 2 and data[0] == order.list_name
            and isinstance(data[1], list) and len(data[1]) == len(order.keys)):
        raise BadPage("The cursor is not valid for this list: start again from the first page.")
    return [_value(raw, kind) for raw, (_, _, kind) in zip(data[1], order.keys, strict=True)]


def parse_limit(raw: str | None) -> int:
    """The page size asked for: DEFAULT_LIMIT when not given, else 1 to MAX_LIMIT."""
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= MAX_LIMIT):
        raise BadPage(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


@dataclass(frozen=True)
class Page:
    """One page of a list, and the cursor of the next one (None on the last page)."""

    items: list
    next_cursor: str | None


def _page(order: Order, rows: list, limit: int) -> Page:
    """The first `limit` rows, with a cursor when there were more."""
    if len(rows) <= limit:
        return Page(rows, None)
    return Page(rows[:limit], encode_cursor(order, order.key_of(rows[limit - 1])))


def page_of(query, order: Order, cursor: list | None, limit: int) -> Page:
    """A page of a select (its own ORDER BY is replaced by the list's), in one query plus the
    select's eager loads."""
    if cursor is not None:
        query = query.where(order.after(cursor))
    rows = db.session.scalars(query.order_by(None).order_by(*order.clauses()).limit(limit + 1)).all()
    return _page(order, list(rows), limit)


def page_of_list(items: list, order: Order, cursor: list | None, limit: int) -> Page:
    """A page of a short list already loaded and sorted in the list's order (the same keyset
    rule, applied in Python)."""
    if cursor is not None:
        def comes_after(item) -> bool:
            for (_, desc, _), mine, theirs in zip(order.keys, order.key_of(item), cursor, strict=True):
                if mine != theirs:
                    return mine < theirs if desc else mine > theirs
            return False

        items = [i for i in items if comes_after(i)]
    return _page(order, items[:limit + 1], limit)
