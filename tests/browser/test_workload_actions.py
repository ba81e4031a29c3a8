"""An operator creates a deployment from YAML (dry run, then create), restarts it (new
pods) and rolls it back to its first revision (the old image), and another with the form
(its YAML shown as it is typed); a viewer sees no action."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import logged_in_page
from tests.browser.test_logs import cluster_id_of

MANIFEST = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: rollout-demo
spec:
  replicas: 2
  selector:
    matchLabels: {app: rollout-demo}
  template:
    metadata:
      labels: {app: rollout-demo}
    spec:
      containers:
      - name: web
        image: nginx:1.26
"""


def pod_names(page) -> set[str]:
    rows = page.locator("#table-workload-pods tr[data-name]")
    expect(rows).to_have_count(2)
    return {rows.nth(i).get_attribute("data-name") for i in range(2)}


def test_create_restart_and_roll_back(login, browser, live_console):
    page = login("operator")
    cluster = cluster_id_of(page, "prod-web")
    page.goto(f"/clusters/{cluster}/k8s/")
    page.get_by_role("link", name="Create from YAML").click()
    page.locator("#manifest").fill(MANIFEST)
    page.get_by_role("button", name="Dry run").click()
    expect(page.locator("#documents")).to_contain_text("would be created")
    expect(page.locator("#manifest")).to_have_value(MANIFEST)
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.locator("#create-done")).to_contain_text("1 object created.")

    page.goto(f"/clusters/{cluster}/k8s/deployments/default/rollout-demo/")
    first = pod_names(page)
    page.locator("#workload-actions summary").click()
    page.get_by_role("button", name="Restart rollout-demo").click()
    expect(page.locator(".messages")).to_contain_text("rollout-demo is restarting")
    restarted = pod_names(page)
    assert not first & restarted

    # A new image through the YAML editor: revision 3.
    text = page.locator("#manifest").input_value().replace("nginx:1.26", "nginx:1.27")
    page.locator("#manifest").fill(text)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#object-yaml")).to_contain_text("image: nginx:1.27")
    row = page.locator("#table-revisions tr[data-revision='1']")
    row.get_by_text("Roll back to 1").click()
    row.get_by_role("button", name="Yes, roll rollout-demo back to revision 1").click()
    expect(page.locator(".messages")).to_contain_text("rolled back to the template of revision 1")
    expect(page.locator("#object-yaml")).to_contain_text("image: nginx:1.26")
    expect(page.locator("#table-revisions tr[data-revision='4']")).to_contain_text("nginx:1.26")

    # The deployment form shows the YAML it will send as it is filled in.
    page.goto(f"/clusters/{cluster}/k8s/")
    page.get_by_role("link", name="Create a deployment").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("form-demo")
    page.get_by_label("Image").fill("busybox:1.36")
    page.get_by_label("Container ports").fill("8080")
    expect(page.locator("#deployment-yaml")).to_contain_text("image: busybox:1.36")
    expect(page.locator("#deployment-yaml")).to_contain_text("containerPort: 8080")
    page.get_by_role("button", name="Create deployment").click()
    expect(page.locator(".messages")).to_contain_text("Deployment form-demo created.")
    expect(page.locator("#table-workload-pods tr[data-name]")).to_have_count(1)

    viewer = logged_in_page(browser, live_console, "viewer")
    viewer.goto(f"/clusters/{cluster}/k8s/deployments/default/rollout-demo/")
    expect(viewer.locator("#table-workload-pods tr[data-name]")).to_have_count(2)
    expect(viewer.locator("#workload-actions")).to_have_count(0)
    expect(viewer.get_by_text("Roll back to")).to_have_count(0)
    viewer.goto(f"/clusters/{cluster}/k8s/")
    expect(viewer.locator("#create-actions")).to_have_count(0)
    viewer.context.close()
