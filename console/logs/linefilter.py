"""The filters the console applies to the lines the cloud returned: severity levels and
JSON fields (GetContainerLogs knows only keywords)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .jsonfields import fields_of, matches
from .severity import level_of


@dataclass(frozen=True)
class LineFilter:
    levels: frozenset[str] = frozenset()
    fields: tuple[tuple[str, str], ...] = field(default=())

    @property
    def active(self) -> bool:
        return bool(self.levels or self.fields)

    def keeps(self, body: str) -> bool:
        if self.levels and level_of(body) not in self.levels:
            return False
        return not self.fields or matches(fields_of(body), list(self.fields))

    def key(self) -> dict:
        """What names this filter in a tail's key."""
        return {"levels": sorted(self.levels), "fields": [list(f) for f in self.fields]}
