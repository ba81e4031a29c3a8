"""One pager for the lists that page through the cloud (clusters, super nodes)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponseRedirect, QueryDict


def page_number(request: HttpRequest) -> int:
    """The page the URL asks for: 1 unless it says a whole number above 1."""
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@dataclass(frozen=True)
class Pager:
    """Page `page` of `total` items, `size` a page; links keep the rest of the query."""

    query: QueryDict
    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def past_the_end(self) -> bool:
        return self.page > self.pages

    def link(self, page: int) -> str:
        query = self.query.copy()
        query["page"] = str(page)
        return "?" + query.urlencode()

    @property
    def prev_link(self) -> str:
        return self.link(self.page - 1) if self.page > 1 else ""

    @property
    def next_link(self) -> str:
        return self.link(self.page + 1) if self.page < self.pages else ""


def last_page_redirect(request: HttpRequest, pager: Pager) -> HttpResponseRedirect:
    """Past the end (a bookmark, or items removed since): the same list, last page."""
    return HttpResponseRedirect(request.path + pager.link(pager.pages))
