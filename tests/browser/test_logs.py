"""Log search as a user does it: pick a container, add keywords, see highlights, follow
the live tail, scroll up to read while lines keep coming."""

from __future__ import annotations

import re

from playwright.sync_api import expect

AT_BOTTOM = (
    "() => { const el = document.getElementById('log-scroll');"
    " return el.scrollHeight - el.scrollTop - el.clientHeight < 40; }"
)


# The time of the line at the top of the log box, once scrolling has settled (two frames).
LINE_AT_TOP = """() => new Promise((done) => requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    const box = document.getElementById('log-scroll').getBoundingClientRect();
    const line = document.elementFromPoint(box.left + 30, box.top + 12).closest('li');
    done(line?.querySelector('time')?.title);
  }))) """


def wait_at_bottom(page) -> None:
    """The log box reaches its bottom (lines render as they scroll in, so not at once)."""
    page.wait_for_function(AT_BOTTOM, timeout=2_000)


def cluster_id_of(page, name: str) -> str:
    page.goto(f"/clusters/?q={name}")
    return page.locator("#cluster-table tr[data-cluster-id]").first.get_attribute("data-cluster-id")


def test_search_highlight_and_live_tail(login, live_console):
    page = login("viewer")
    cluster = cluster_id_of(page, "prod-web")
    page.goto("/logs/")
    page.locator("#log-cluster").select_option(cluster)
    page.get_by_label("Namespace").fill("default")
    page.get_by_label("Pod", exact=True).fill("web-6f7d9c-x2k4p")
    page.get_by_label("Container").fill("nginx")
    keyword = page.get_by_label("Add a keyword")
    keyword.fill("HTTP/1.1")
    keyword.press("Enter")
    lines = page.locator("#log-lines li")
    expect(lines.first).to_be_visible()
    expect(page.locator("#log-lines mark").first).to_have_text("HTTP/1.1")
    expect(page.locator(".chip", has_text="HTTP/1.1")).to_be_visible()
    expect(page.locator("#log-count")).to_contain_text("matching line")
    expect(page.locator(".histogram-svg rect.hbar")).to_have_count(30)
    # The whole search is in the address, so the link can be shared.
    assert "kw=HTTP%2F1.1" in page.url and f"cluster={cluster}" in page.url

    page.get_by_label("Live tail").check()
    expect(page.locator("#tail-poller")).to_contain_text("Live")
    live_console.manage(
        "localcloud",
        "log",
        cluster,
        "default",
        "web-6f7d9c-x2k4p",
        "nginx",
        'GET /brand-new HTTP/1.1 <script>alert("x")</script>',
    )
    fresh = page.locator("#log-lines li", has_text="/brand-new")
    expect(fresh).to_be_visible(timeout=2_000)
    expect(fresh.locator("mark")).to_have_text("HTTP/1.1")
    expect(fresh).to_contain_text('<script>alert("x")</script>')  # shown as text
    assert page.locator("#log-lines li", has_text="/brand-new").count() == 1
    # Following: the log box stays scrolled to its newest line.
    wait_at_bottom(page)


def test_scrolling_up_pauses_the_follow(login, live_console):
    page = login("viewer")
    cluster = cluster_id_of(page, "prod-web")
    page.goto(
        f"/logs/?cluster={cluster}&namespace=default&pod=web-6f7d9c-x2k4p&container=nginx"
        "&range=24h&limit=2000&tail=1"
    )
    box = page.locator("#log-scroll")
    expect(page.locator("#log-lines li").nth(100)).to_be_attached()
    # Up at the top: older lines come back into the document a chunk at a time (only a
    # window of them is kept there) without moving what the reader looks at.
    in_document = "document.getElementById('log-lines').children.length"
    at_first = page.evaluate(in_document)
    box.evaluate("el => { el.scrollTop = 0; }")
    top = page.evaluate(LINE_AT_TOP)
    assert page.evaluate(in_document) > at_first
    live_console.manage(
        "localcloud", "log", cluster, "default", "web-6f7d9c-x2k4p", "nginx", "while reading"
    )
    expect(page.locator("#jump-new")).to_be_visible()
    assert page.evaluate(LINE_AT_TOP) == top  # the reader keeps their place
    page.locator("#jump-new").click()
    expect(page.locator("#jump-new")).to_be_hidden()
    expect(page.locator("#log-lines li", has_text="while reading")).to_be_visible()
    wait_at_bottom(page)


def test_a_histogram_bar_narrows_the_range(login, live_console):
    page = login("viewer")
    cluster = cluster_id_of(page, "prod-web")
    page.goto(
        f"/logs/?cluster={cluster}&namespace=default&pod=web-6f7d9c-x2k4p&container=nginx&range=1h"
    )
    bars = page.locator(".histogram-svg a.bar-link")
    expect(bars).to_have_count(30)
    label = bars.last.locator("title").text_content()
    count = int(re.match(r"(\d+) lines", label).group(1))
    bars.last.click()
    expect(page.locator("#log-range")).to_have_value("custom")
    expect(page.locator("#log-count")).to_contain_text(f"{count} matching line")


def tail_page(page, cluster: str, keyword: str):
    """A search for `keyword` with the live tail on; the requests to the polling tail."""
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/logs/tail/" in r.url else None)
    page.goto(
        f"/logs/?cluster={cluster}&namespace=default&pod=web-6f7d9c-x2k4p&container=nginx"
        f"&kw={keyword}&tail=1"
    )
    return polls


def test_the_tail_comes_over_the_socket_once_each(login, live_console):
    page = login("viewer")
    cluster = cluster_id_of(page, "prod-web")
    polls = tail_page(page, cluster, "pushedline")
    expect(page.locator("#tail-poller[data-transport=socket]")).to_be_attached()
    for n in range(3):
        live_console.manage(
            "localcloud",
            "log",
            cluster,
            "default",
            "web-6f7d9c-x2k4p",
            "nginx",
            f'pushedline {n} \x1b[31m<img src=x onerror="alert(1)">\x1b[0m',
        )
    expect(page.locator("#log-lines li", has_text="pushedline 2")).to_be_visible(timeout=3_000)
    page.wait_for_timeout(1_500)  # later pushes bring nothing again
    texts = page.locator("#log-lines li .body").all_text_contents()
    assert [t.split(" ")[1] for t in texts] == ["0", "1", "2"]
    assert page.locator("#log-lines img").count() == 0  # text, not markup
    expect(page.locator("#log-lines li .a-f1").first).to_contain_text("<img")
    assert polls == []  # the polling tail waited while the socket was open


def test_the_polling_tail_goes_on_when_the_socket_is_refused(login, live_console):
    page = login("viewer")
    cluster = cluster_id_of(page, "prod-web")
    # Every socket this page opens goes to a path the console refuses.
    page.add_init_script(
        "(() => { const Real = window.WebSocket; window.WebSocket = function (url) {"
        " return new Real(url.replace('/ws/logs/', '/ws/refused/')); }; })()"
    )
    polls = tail_page(page, cluster, "polledline")
    live_console.manage(
        "localcloud", "log", cluster, "default", "web-6f7d9c-x2k4p", "nginx", "polledline one"
    )
    expect(page.locator("#log-lines li", has_text="polledline one")).to_be_visible(timeout=5_000)
    assert page.locator("#log-lines li", has_text="polledline one").count() == 1
    assert polls, "the polling tail asked for the line"
    expect(page.locator("#tail-poller[data-transport=socket]")).to_have_count(0)
