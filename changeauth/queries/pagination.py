"""One way to paginate every list, in pages and in the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
# Beyond any list the council will have; keeps the row offset inside a 64-bit integer on every database.
MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def clamp_page(page: int | None, per_page: int | None) -> tuple[int, int]:
    """Bring page numbers into range: 1 ≤ page ≤ 1,000,000 and 1 ≤ per_page ≤ 200."""
    page = min(MAX_PAGE, max(1, page or 1))
    per_page = min(MAX_PER_PAGE, max(1, per_page or DEFAULT_PER_PAGE))
    return page, per_page
