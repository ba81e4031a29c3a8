"""The cluster list's rows, built in Python: through the template engine each row cost
about half a millisecond, more than the rest of the page. This writes the same markup
(templates/clusters/_row.html is this module) and works out once per page what every row
repeats: the translated words and the URL patterns. Every value from the cloud is escaped
as a template escapes it (django.utils.html.escape is html.escape)."""

from __future__ import annotations

from html import escape as _escape

from django.template.defaultfilters import urlencode
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from console.cloud.models import ClusterInfo
from console.web.templatetags.console import cloud_word, expiry

from .lookup import is_transitional

PLACEHOLDER = "cluster-id-placeholder"


def escape(value) -> str:
    return _escape(str(value))


def _number(value) -> str:
    # Whole numbers are never grouped (no USE_THOUSAND_SEPARATOR): localize() is str().
    return str(value) if type(value) is int else localize(value)


class Rows:
    """What the rows of one page share, worked out on the first row."""

    def __init__(self):
        self.only_project = escape(_("Only this project"))
        self.words: dict[str, str] = {}
        self.row_url = reverse("clusters:row", args=[PLACEHOLDER])
        self.detail_url = reverse("clusters:detail", args=[PLACEHOLDER])

    def word(self, value) -> str:
        """cloud_word, escaped, once per value and page."""
        if value not in self.words:
            self.words[value] = escape(cloud_word(value))
        return self.words[value]

    def url(self, pattern: str, name: str, cluster_id: str) -> str:
        if cluster_id and "/" not in cluster_id and cluster_id == urlencode(cluster_id):
            return escape(pattern.replace(PLACEHOLDER, cluster_id))
        return escape(reverse(name, args=[cluster_id]))  # anything unusual: Django's way

    def status_badge(self, cluster: ClusterInfo) -> str:
        """templates/clusters/_status.html."""
        return (
            f'<span class="badge badge-{escape(str(cluster.Status).lower())}" '
            f'title="{self.word(cluster.State)}">{self.word(cluster.Status)}</span>\n'
        )

    def row(self, cluster: ClusterInfo) -> str:
        cid = escape(cluster.ClusterID)
        remark = f'<div class="muted">{escape(cluster.Remark)}</div>' if cluster.Remark else ""
        poll = "data-live-poll" if is_transitional(cluster) else ""
        project = escape(cluster.ProjectName or cluster.ProjectID)
        row_url = self.url(self.row_url, "clusters:row", cluster.ClusterID)
        detail_url = self.url(self.detail_url, "clusters:detail", cluster.ClusterID)
        return f"""
<tr data-cluster-id="{cid}" data-status="{escape(cluster.Status)}"
  data-live="cluster:{cid}" hx-get="{row_url}" hx-trigger="live" hx-swap="outerHTML"
  {poll}>
  <td><a href="{detail_url}">{escape(cluster.Name)}</a>{remark}</td>
  <td><code>{cid}</code></td>
  <td>{self.status_badge(cluster)}</td>
  <td>{escape(cluster.K8SVersion)}</td>
  <td>{escape(cluster.VpcID)}</td>
  <td><a href="?project={escape(urlencode(cluster.ProjectID))}" title="{self.only_project}">{project}</a></td>
  <td>{self.word(cluster.ChargeType)}</td>
  <td>{escape(expiry(cluster.ExpireTime))}</td>
  <td>{_number(cluster.AllocatedCPU)} / {_number(cluster.MaxCPU)}</td>
  <td>{_number(cluster.AllocatedMemory)} / {_number(cluster.MaxMemory)}</td>
  <td>{_number(cluster.AllocatedPods)} / {_number(cluster.MaxPods)}</td>
</tr>
"""  # noqa: E501 (the row as the browser gets it)


def cluster_rows(clusters: list[ClusterInfo], between: str = "\n    ") -> SafeString:
    rows = Rows()
    text = "".join(rows.row(cluster) + between for cluster in clusters)
    return mark_safe(text)  # noqa: S308 - every value in a row went through escape()


def cluster_row(cluster: ClusterInfo) -> SafeString:
    return mark_safe(Rows().row(cluster))  # noqa: S308 - every value went through escape()
