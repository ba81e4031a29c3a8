"""A Chinese page shows no English a user could read as the console's own words: only
names, IDs and units that are data (cluster names, versions, class types, "CPU")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from console.cloud.models import CONTROL_PLANE_COMPONENTS
from tests.browser.conftest import logged_in_page

# Visible text (and the options of visible pickers, and placeholders) outside code, logs,
# terminals, data marked translate="no" (container names, Kubernetes messages) and text
# marked as another language (the language picker's "English").
VISIBLE_TEXT = """() => {
  const skip = "script, style, template, noscript, code, pre, kbd, samp, .xterm, .log-lines, "
    + "[translate=no]";
  const foreign = (el) => { const l = el.closest("[lang]"); return l && !l.lang.startsWith("zh"); };
  const shown = (el) => el.checkVisibility({ visibilityProperty: true })
    && el.getClientRects().length > 0;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.data.trim() || el.closest(skip) || el.closest("select") || foreign(el)) continue;
    if (shown(el)) texts.push(node.data.trim());
  }
  for (const select of document.querySelectorAll("select")) {
    if (!shown(select)) continue;
    for (const option of select.options) if (!foreign(option)) texts.push(option.text);
  }
  for (const input of document.querySelectorAll("[placeholder]")) {
    if (shown(input)) texts.push(input.placeholder);
  }
  return texts;
}"""

# Words that are data or names, not the console's text: units and tools, the cloud's
# component and class names, and the demo data (namespaces, containers, projects,
# remarks and users typed by people).
ALLOWED = {
    # units, tools, protocols and the API's own names
    "CPU",
    "GPU",
    "GPUs",
    "GiB",
    "YAML",
    "kubectl",
    "Kubernetes",
    "K8S",
    "Pod",
    "Pods",
    "VPC",
    "EIP",
    "CIDR",
    "API",
    "UTC",
    "CSV",
    "JSON",
    "HTTP",
    "RetCode",
    "OrderType",
    "Kubeconfig",
    "kubeconfig",
    "bash",
    "sh",
    "NotInCluster",
    "HDD",
    "SSD",
    "Unix",
    # Kubernetes words the translation keeps, as Chinese documentation does
    "Master",
    "Shell",
    "Service",
    "Server",
    "Linux",
    "CompanyID",
    # the product's name
    "Console",
    # control-plane components
    *CONTROL_PLANE_COMPONENTS,
    "CrashLoopBackOff",
    "ContainerCreating",
    # demo data: namespaces, containers, projects, remarks, users
    "default",
    "shop",
    "app",
    "nginx",
    "coredns",
    "checkout",
    "report",
    "api",
    "Default",
    "Data",
    "Staging",
    "Nightly",
    "batch",
    "jobs",
    "web",
    "admin",
}
DATA_LIKE = re.compile(
    r".*\d.*"  # IDs, versions, addresses: uk8s-..., 1.30.6, nginx:1.27
    r"|.*[-._:/@=].*"  # names, paths, tags: prod-web, registry.local/api, env=prod
    r"|(Compute|Storage)Set\w+"  # class types
    r"|(Create|Delete|Describe|Update|Get|Attach|Detach|Forward)[A-Z]\w+"  # API actions
)
TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@+=-]*")


def english_words(texts: list[str]) -> set[str]:
    """Tokens with a run of 3+ ASCII letters that are neither allowed nor data-like."""
    found = set()
    for text in texts:
        for token in TOKEN.findall(text):
            token = token.rstrip(".:")
            english = re.search(r"[A-Za-z]{3,}", token) and token not in ALLOWED
            if english and not DATA_LIKE.fullmatch(token):
                found.add(f"{token!r} in {text[:60]!r}")
    return found


@pytest.fixture(scope="module")
def chinese(browser, live_console):
    viewport = {"width": 1440, "height": 900}
    page = logged_in_page(browser, live_console, "admin", locale="zh-CN", viewport=viewport)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    yield page
    page.context.close()


def cluster_id(page, name: str) -> str:
    page.goto(f"/clusters/?q={name}")
    return page.locator("#cluster-table tr[data-cluster-id]").first.get_attribute("data-cluster-id")


@pytest.mark.parametrize(
    "where",
    ["overview", "clusters", "cluster", "abnormal cluster", "pricing", "logs", "terminal"],
)
def test_a_chinese_page_has_no_untranslated_text(chinese, where):
    paths = {
        "overview": "/",
        "clusters": "/clusters/",
        "cluster": "/clusters/{staging-api}/",
        "abnormal cluster": "/clusters/{legacy-batch}/",
        "pricing": "/pricing/",
        "logs": "/logs/",
        "terminal": "/terminal/",
    }
    path = re.sub(r"\{([\w-]+)\}", lambda m: cluster_id(chinese, m[1]), paths[where])
    chinese.goto(path)
    chinese.wait_for_load_state("networkidle")
    assert english_words(chinese.evaluate(VISIBLE_TEXT)) == set()
