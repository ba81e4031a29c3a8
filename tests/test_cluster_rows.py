"""The cluster list's rows built in Python (console/clusters/rows.py) are, byte for byte,
what the template they replace wrote, tenant text escaped, in both languages."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from console.clusters import rows
from console.localcloud.models import Cluster
from tests.test_dashboard import describe_clusters

# templates/clusters/_row.html and _status.html as they were before the rows moved to Python.
TEMPLATE_ROW = """{% load console i18n %}
<tr data-cluster-id="{{ cluster.ClusterID }}" data-status="{{ cluster.Status }}"
  data-live="cluster:{{ cluster.ClusterID }}" hx-get="{% url 'clusters:row' cluster.ClusterID %}" hx-trigger="live" hx-swap="outerHTML"
  {% if cluster.Status == "Creating" or cluster.Status == "Deleting" %}data-live-poll{% endif %}>
  <td><a href="{% url 'clusters:detail' cluster.ClusterID %}">{{ cluster.Name }}</a>{% if cluster.Remark %}<div class="muted">{{ cluster.Remark }}</div>{% endif %}</td>
  <td><code>{{ cluster.ClusterID }}</code></td>
  <td><span class="badge badge-{{ cluster.Status|lower }}" title="{{ cluster.State|cloud_word }}">{{ cluster.Status|cloud_word }}</span>
</td>
  <td>{{ cluster.K8SVersion }}</td>
  <td>{{ cluster.VpcID }}</td>
  <td><a href="?project={{ cluster.ProjectID|urlencode }}" title="{% translate 'Only this project' %}">{{ cluster.ProjectName|default:cluster.ProjectID }}</a></td>
  <td>{{ cluster.ChargeType|cloud_word }}</td>
  <td>{{ cluster.ExpireTime|expiry }}</td>
  <td>{{ cluster.AllocatedCPU }} / {{ cluster.MaxCPU }}</td>
  <td>{{ cluster.AllocatedMemory }} / {{ cluster.MaxMemory }}</td>
  <td>{{ cluster.AllocatedPods }} / {{ cluster.MaxPods }}</td>
</tr>
"""  # noqa: E501


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_rows_are_what_the_template_wrote(cloud, language):
    Cluster.objects.filter(name="prod-web").update(
        name='<script>alert("1")</script>', remark="<b>bold</b> & 'quoted'"
    )
    Cluster.objects.filter(name="staging-api").update(status="Deleting")
    clusters = describe_clusters().Infos
    reference = Template(TEMPLATE_ROW)
    with translation.override(language):
        expected = [reference.render(Context({"cluster": c})) for c in clusters]
        assert [rows.cluster_row(c) for c in clusters] == expected
        assert rows.cluster_rows(clusters) == "".join(row + "\n    " for row in expected)
    assert any("data-live-poll" in row for row in expected)
    assert any("&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;" in row for row in expected)
