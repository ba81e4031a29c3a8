"""A user logs in and sees the seeded clusters with their states."""

from playwright.sync_api import expect


def test_it_logs_in_and_shows_the_clusters_with_their_states(login):
    page = login("viewer")
    expect(page).to_have_url("/")  # the overview
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clusters").click()
    table = page.locator("#cluster-table")
    expect(table).to_contain_text("prod-web")
    for name, status in [
        ("prod-web", "Running"),
        ("legacy-batch", "Abnormal"),
        ("staging-api", "Running"),
    ]:
        row = table.locator("tr", has_text=name)
        expect(row.locator(".badge")).to_have_text(status)
    expect(page.get_by_text("globex-shop")).to_have_count(0)


def test_it_refuses_a_wrong_password_and_keeps_the_username(page):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page.get_by_label("Username")).to_have_value("viewer")


def test_it_switches_region_from_the_picker(login):
    page = login("viewer")
    page.goto("/clusters/")
    page.get_by_label("Region").select_option("cn-sh2")
    expect(page.locator("#cluster-table")).to_contain_text("sh-analytics")
    expect(page.locator("#cluster-table")).not_to_contain_text("prod-web")


def test_it_logs_out(login):
    page = login("viewer")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url("/accounts/login/")
    page.goto("/clusters/")
    expect(page).to_have_url("/accounts/login/?next=/clusters/")
