"""The console follows the system's dark setting, and keyboard focus is always visible."""

from __future__ import annotations


def luminance(rgb: str) -> float:
    r, g, b = (int(x) for x in rgb.removeprefix("rgb(").rstrip(")").split(",")[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_mode_follows_the_system(browser, live_console, login):
    page = login("viewer")
    page.goto("/clusters/")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    dark_context = browser.new_context(base_url=live_console.url, color_scheme="dark")
    try:
        dark = dark_context.new_page()
        dark.goto("/accounts/login/")
        background = dark.evaluate("getComputedStyle(document.body).backgroundColor")
        text = dark.evaluate("getComputedStyle(document.body).color")
    finally:
        dark_context.close()
    assert luminance(light) > 200 and luminance(background) < 40 < luminance(text)


def test_keyboard_focus_is_outlined(login):
    page = login("viewer")
    page.goto("/clusters/")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")


def test_the_language_picker_waits_for_enter_from_the_keyboard(login):
    page = login("viewer")
    page.goto("/clusters/")
    page.locator("#language-picker").focus()
    page.keyboard.press("ArrowDown")  # on a closed select: a change, not yet a choice
    page.wait_for_timeout(500)
    assert page.evaluate("document.documentElement.lang") == "en"
    page.keyboard.press("Enter")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    page.locator("#language-picker").select_option("en")  # a pointer's choice applies at once
    page.wait_for_function("document.documentElement.lang === 'en'")
