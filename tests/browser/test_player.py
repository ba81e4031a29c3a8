"""The recording player as an admin uses it: play, pause, seek to the end, speed, keys."""

from __future__ import annotations

from playwright.sync_api import expect

# A recording of 13 s with a 10 s pause in it, shortened on the timeline to 2 s: 0:05 in all.
MAKE_RECORDING = """
import json, os
from pathlib import Path
from console.accounts.models import User
from console.terminal.models import TerminalSession
folder = Path(os.environ["CONSOLE_RECORDINGS_DIR"])
folder.mkdir(parents=True, exist_ok=True)
cast = folder / "player-test.cast"
events = [[0.5, "o", "first line\\r\\n"], [1.0, "i", ""], [2.0, "o", "second line\\r\\n"],
          [12.0, "o", "\\x1b[32mlast line: the end\\x1b[0m\\r\\n"], [13.0, "o", "$ "]]
header = {"version": 2, "width": 80, "height": 12}
cast.write_text("".join(json.dumps(e) + "\\n" for e in [header, *events]))
record = TerminalSession.objects.create(user=User.objects.get(username="operator"),
    company_id=10001, region="cn-bj2", kind="exec", cluster_id="uk8s-player", namespace="default",
    pod="web-6f7d9c-x2k4p", container="nginx", end_reason="exited with code 0", exit_code=0,
    recording=str(cast))
print(record.pk)
"""


def screen(page):
    return page.locator("#player-screen .xterm-rows")


def test_a_recording_plays_pauses_and_seeks_to_the_end(login, live_console):
    pk = live_console.manage("shell", "--no-imports", "-c", MAKE_RECORDING).strip()
    page = login("admin")
    page.goto(f"/terminal/sessions/{pk}/")
    position = page.locator("#position")
    expect(position).to_have_text("0:00 / 0:05")
    play = page.locator("#play")
    expect(play).to_have_text("Play")

    play.click()
    expect(play).to_have_text("Pause")
    expect(screen(page)).to_contain_text("first line")
    play.click()  # pause
    expect(play).to_have_text("Play")
    expect(page.locator("#player")).to_have_attribute("data-state", "paused")
    expect(screen(page)).not_to_contain_text("last line")

    # The seek bar to its end shows the last output and the whole time.
    page.locator("#seek").fill("5")
    expect(screen(page)).to_contain_text("last line: the end")
    expect(position).to_have_text("0:05 / 0:05")
    expect(page.locator("#player")).to_have_attribute("data-state", "ended")

    # Keys: Home goes back to the start (the screen is drawn again from nothing), End to
    # the end, Space plays from the start again once at the end.
    page.locator("h1").click()
    page.keyboard.press("Home")
    expect(position).to_have_text("0:00 / 0:05")
    expect(screen(page)).not_to_contain_text("first line")
    page.keyboard.press("ArrowRight")
    expect(screen(page)).to_contain_text("last line: the end")
    page.keyboard.press("Home")
    page.keyboard.press("4")  # 40 %: 0:02, after "second line"
    expect(screen(page)).to_contain_text("second line")
    expect(screen(page)).not_to_contain_text("last line")
    page.keyboard.press("End")
    expect(screen(page)).to_contain_text("last line: the end")
    page.keyboard.press(">")
    expect(page.get_by_label("Speed")).to_have_value("2")
    page.keyboard.press("<")
    page.keyboard.press("<")
    expect(page.get_by_label("Speed")).to_have_value("0.5")
    page.keyboard.press(" ")  # at the end, play starts over: 10 s at half speed
    expect(play).to_have_text("Pause")
    expect(page.locator("#player")).to_have_attribute("data-state", "playing")
    expect(screen(page)).not_to_contain_text("last line")
