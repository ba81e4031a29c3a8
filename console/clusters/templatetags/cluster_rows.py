"""{% cluster_rows clusters %} and {% cluster_row cluster %}: the cluster list's rows
(console/clusters/rows.py)."""

from django import template

from .. import rows

register = template.Library()
register.simple_tag(rows.cluster_rows, name="cluster_rows")
register.simple_tag(rows.cluster_row, name="cluster_row")
