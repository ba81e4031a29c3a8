"""The web terminal as a user works in it: a pod shell, resize, exit, tabs, no leftovers."""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import expect

from tests.terminal.conftest import processes_in


def cluster_id_of(page, name: str) -> str:
    page.goto(f"/clusters/?q={name}")
    return page.locator("#cluster-table tr[data-cluster-id]").first.get_attribute("data-cluster-id")


def screen(page):
    return page.locator(".pane:not([hidden]) .xterm-rows")


def run(page, command: str) -> None:
    page.locator(".pane:not([hidden]) .xterm-host").click()
    page.keyboard.type(command)
    page.keyboard.press("Enter")


def open_pod_terminal(page, cluster_id: str):
    page.goto(
        f"/terminal/?cluster={cluster_id}&namespace=default&pod=api-5b8c7d-h7j2n&container=app"
    )
    expect(page.locator(".pane:not([hidden]) .conn-state")).to_have_text(
        re.compile("Connected"), timeout=15_000
    )


def test_it_runs_a_command_resizes_and_ends(login):
    page = login("operator")
    open_pod_terminal(page, cluster_id_of(page, "staging-api"))
    run(page, "echo $((6*7))")
    expect(screen(page)).to_contain_text("42")
    run(page, 'echo "before=$(stty size)"')
    expect(screen(page)).to_contain_text(re.compile(r"before=\d+ \d+"))
    before = re.search(r"before=(\d+ \d+)", screen(page).inner_text())[1]
    page.set_viewport_size({"width": 900, "height": 600})
    page.wait_for_timeout(400)  # the fit addon reacts to the resize after a short delay
    run(page, 'echo "after=$(stty size)"')
    expect(screen(page)).to_contain_text(re.compile(r"after=\d+ \d+"))
    after = re.search(r"after=(\d+ \d+)", screen(page).inner_text())[1]
    assert after != before
    run(page, "exit")
    state = page.locator(".pane:not([hidden]) .conn-state")
    expect(state).to_have_text(re.compile("Session ended: exit code 0"))
    expect(page.locator(".pane:not([hidden]) .reconnect")).to_be_visible()


def test_it_reconnects_with_a_new_session(login):
    page = login("operator")
    open_pod_terminal(page, cluster_id_of(page, "staging-api"))
    run(page, "exit 5")
    expect(page.locator(".pane:not([hidden]) .conn-state")).to_contain_text("exit code 5")
    page.get_by_role("button", name="Reconnect").click()
    expect(page.locator(".pane:not([hidden]) .conn-state")).to_have_text(re.compile("Connected"))
    run(page, "echo again-$((2+3))")
    expect(screen(page)).to_contain_text("again-5")


def test_it_types_into_the_terminal_right_after_reconnect(login):
    page = login("operator")
    open_pod_terminal(page, cluster_id_of(page, "staging-api"))
    run(page, "exit")
    page.get_by_role("button", name="Reconnect").click()
    expect(page.locator(".pane:not([hidden]) .conn-state")).to_have_text(re.compile("Connected"))
    # No click on the terminal: the keys go where the user was typing before.
    page.keyboard.type("echo focused-$((3+4))")
    page.keyboard.press("Enter")
    expect(screen(page)).to_contain_text("focused-7")


def test_it_opens_terminals_in_tabs_from_the_pickers(login):
    page = login("operator")
    cid = cluster_id_of(page, "staging-api")
    page.goto("/terminal/")
    page.get_by_label("Cluster").select_option(cid)
    expect(page.locator("#pick-namespace option", has_text="default")).to_have_count(1)
    page.get_by_label("Namespace").select_option("default")
    expect(page.locator("#pick-pod option", has_text="web-6f7d9c-x2k4p")).to_have_count(1)
    page.get_by_label("Pod").select_option("web-6f7d9c-x2k4p")
    expect(page.locator("#pick-container option", has_text="log-shipper")).to_have_count(1)
    page.get_by_label("Container").select_option("log-shipper")
    page.get_by_role("button", name="Open pod terminal").click()
    page.get_by_role("button", name="Open cluster shell").click()
    expect(page.get_by_role("tab")).to_have_count(2)
    expect(page.locator(".pane:not([hidden]) .conn-state")).to_have_text(re.compile("Connected"))
    run(page, "echo $KUBECONFIG")
    expect(screen(page)).to_contain_text("kubeconfig")
    page.get_by_role("tab").first.click()
    expect(page.locator(".pane:not([hidden]) .conn-state")).to_have_text(re.compile("Connected"))
    run(page, "echo in-$HOSTNAME")
    expect(screen(page)).to_contain_text("in-web-6f7d9c-x2k4p")


def test_a_pod_picked_while_the_pod_list_reloads_stays_picked(login):
    page = login("operator")
    cid = cluster_id_of(page, "staging-api")
    page.goto("/terminal/")
    page.get_by_label("Cluster").select_option(cid)
    expect(page.locator("#pick-pod option", has_text="web-6f7d9c-x2k4p")).to_have_count(1)
    held = []

    def hold(route):  # the next pod list is slow to come
        held.append(route)

    page.route("**/pick/pods/**", hold)
    page.get_by_label("Namespace").select_option("default")
    page.get_by_label("Pod").select_option("web-6f7d9c-x2k4p")
    expect(page.locator("#pick-container option", has_text="log-shipper")).to_have_count(1)
    assert held, "the namespace change asked for the pod list again"
    page.evaluate(
        """() => { const pods = document.getElementById("pick-pod");
        pods.addEventListener("htmx:afterSwap", () => { pods.dataset.swapped = "yes"; }); }"""
    )
    for route in held:
        route.continue_()
    page.unroute("**/pick/pods/**")
    expect(page.get_by_label("Pod")).to_have_attribute("data-swapped", "yes")
    expect(page.get_by_label("Pod")).to_have_value("web-6f7d9c-x2k4p")
    expect(page.locator("#pick-container option", has_text="log-shipper")).to_have_count(1)


def test_it_keeps_the_page_responsive_under_a_flood(login):
    page = login("operator")
    open_pod_terminal(page, cluster_id_of(page, "staging-api"))
    run(page, "yes flood")
    page.wait_for_timeout(1500)
    page.keyboard.press("Control+C")
    run(page, "echo after-$((10+1))")
    expect(screen(page)).to_contain_text("after-11", timeout=10_000)


def test_it_leaves_no_shell_behind_when_the_tab_closes(login, live_console):
    work = Path(live_console.env["LOCALCLOUD_WORK_DIR"])
    page = login("operator")
    open_pod_terminal(page, cluster_id_of(page, "staging-api"))
    run(page, "sleep 400 & sleep 401")
    page.wait_for_timeout(500)
    assert len(processes_in(work)) >= 3
    page.close()
    deadline = time.monotonic() + 10
    while processes_in(work) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_in(work) == []


def test_it_tells_a_viewer_that_terminals_need_an_operator(login):
    page = login("viewer")
    page.goto("/terminal/")
    expect(page.get_by_role("alert")).to_contain_text("operator role")
