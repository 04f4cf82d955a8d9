"""A long list as views show it: the first few items, and how many there are in all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Listing(Generic[T]):
    """``items``: one page of rows in the view's order (a LIMIT from ``offset``, 0-based);
    ``total``: a separate COUNT of all rows.

    Views render ``items`` and offer the next page ("Weitere anzeigen") while
    ``offset + len(items) < total``, so a roster of 10,000 costs what a roster of 100 does.
    Iterating yields the items.
    """

    items: list[T] = field(default_factory=list)
    total: int = 0
    offset: int = 0

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __bool__(self) -> bool:
        return self.total > 0
