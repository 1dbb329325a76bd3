"""The sandbox in a real browser (Debian's chromium, driven by Selenium): one journey through
the page, as someone trying Mentorbot would take it. Each step's screenshot is kept in
tests/artifacts/sandbox/ (or $SANDBOX_ARTIFACTS); the README's picture is the last one."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("SANDBOX_ARTIFACTS", REPO / "tests" / "artifacts" / "sandbox"))
README_PICTURE = REPO / "docs" / "sandbox.png"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT = 20.0  # seconds any one thing may take to appear (a loaded CI machine)

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="no chromium and chromium-driver here (.ci/run installs them with apt-get)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[str]:
    """`python -m bot sandbox --empty` (no demo programme: the journey makes its own) on a
    free port; its address."""
    port = _free_port()
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO), "PORT": str(port)}
    command = [
        sys.executable,
        "-m",
        "bot",
        "sandbox",
        "--empty",
        "--dir",
        str(tmp_path / "sandbox"),
    ]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        said = process.stdout.readline()
        assert said.startswith("Mentorbot sandbox: "), said
        yield said.split()[2]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0


@pytest.fixture
def browser() -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    """The sandbox page in the browser: find, type, click, wait, and keep a screenshot."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.shots = 0
        shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's pictures only
        ARTIFACTS.mkdir(parents=True)

    def until(self, found: Callable[[], Any], what: str) -> Any:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                result = found()
            except Exception:  # the page redraws under us: look again
                result = None
            if result:
                return result
            time.sleep(0.1)
        self.shot("failed")
        pytest.fail(f"not seen within {WAIT:.0f} s: {what}")

    def css(self, selector: str) -> list[Any]:
        return self.driver.find_elements("css selector", selector)

    def text(self) -> str:
        return str(self.driver.find_element("css selector", "body").text)

    def sees(self, words: str) -> None:
        self.until(lambda: words in self.text(), repr(words))

    def be(self, user: str) -> None:
        self.until(lambda: self.css(f"#who option[value={user}]"), f"{user} in the switcher")
        self.driver.execute_script(
            "const who = document.getElementById('who');"
            "who.value = arguments[0]; who.dispatchEvent(new Event('change'));",
            user,
        )
        self.until(lambda: self.css(f"[data-channel='D{user}']"), f"{user}'s DM")

    def open(self, channel: str) -> None:
        self.until(lambda: _clicked(self.css(f"[data-channel='{channel}']")), channel)

    def type(self, words: str, where: str = "#text") -> None:
        box = self.until(lambda: self.css(where), where)[0]
        box.send_keys(words)
        box.submit()

    def click(self, label: str, scope: str = "body") -> None:
        def button() -> Any:
            return next(b for b in reversed(self.css(f"{scope} button")) if b.text.strip() == label)

        self.until(lambda: _clicked([button()]), f"a {label!r} button")

    def shot(self, name: str) -> Path:
        self.shots += 1
        path = ARTIFACTS / f"{self.shots:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path


# One of each block and element the page draws, with mrkdwn in every form it reads.
KITCHEN_SINK = [
    {"type": "header", "text": {"type": "plain_text", "text": "Every block"}},
    {
        "type": "section",
        "text": {
            "type": "mrkdwn",
            "text": "*bold* _italic_ ~gone~ `code` <https://example.org|a link> <@ULEO> "
            "<#CMAYALEO> <!date^1796932800^{date_short} at {time}|fallback> &lt;kept&gt;",
        },
        "fields": [{"type": "mrkdwn", "text": "*Field*"}, {"type": "plain_text", "text": "Two"}],
        "accessory": {
            "type": "overflow",
            "action_id": "more",
            "options": [{"text": {"type": "plain_text", "text": "Edit"}, "value": "edit"}],
        },
    },
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "small print"}]},
    {
        "type": "actions",
        "elements": [
            {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}},
            {
                "type": "static_select",
                "action_id": "pick",
                "options": [{"text": {"type": "plain_text", "text": "One"}, "value": "1"}],
            },
            {"type": "datepicker", "action_id": "when", "initial_date": "2026-12-10"},
        ],
    },
    {"type": "divider"},
    {"type": "image", "image_url": "/files/none", "alt_text": "a picture"},
    {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_list",
                "style": "bullet",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [{"type": "text", "text": "listed", "style": {"bold": True}}],
                    }
                ],
            }
        ],
    },
    {"type": "table", "rows": [[{"type": "raw_text", "text": "cell"}]]},
    {
        "type": "input",
        "block_id": "typed",
        "label": {"type": "plain_text", "text": "Typed"},
        "element": {"type": "plain_text_input", "action_id": "typed", "initial_value": "hi"},
    },
]


# Answers a questionnaire page in the open modal: "on track" where a choice offers it (else
# the first), the first of a multi-select, a line in each empty text box; returns its title.
ANSWER_PAGE = """
const modal = document.querySelector('.modal');
for (const s of modal.querySelectorAll('select')) {
  if (s.multiple) { s.options[0].selected = true; continue; }
  const all = [...s.options].filter((o) => o.value);
  const good = all.find((o) => /on track|keep|yes|well/i.test(o.text)) || all[0];
  if (good && !s.value) s.value = good.value;
}
for (const t of modal.querySelectorAll('textarea, input[type=text]')) {
  if (!t.value) t.value = 'Keep rehearsing with the team';
}
return modal.querySelector('header').firstChild.textContent;
"""


def _clicked(found: list[Any]) -> bool:
    """Click the first element found (False when none is): the page may redraw in between,
    and `until` then looks again."""
    if not found:
        return False
    found[0].click()
    return True


def test_a_mentorship_in_the_sandbox_from_pairing_to_review_summary(
    sandbox: str, browser: Any
) -> None:
    """The page draws every kind of block and mrkdwn (dates in the viewer's zone). Maya pairs
    with Leo and sets their schedule by typing the commands; Leo sets a vague goal and is
    coached; the editor shows a past date
    as an error beside its field, then saves; his win reaches Maya in their channel; Maya's
    Home shows the pair; the time machine brings the pre-meeting DM, Leo's reply in its
    thread goes on the agenda, the agenda is posted in the channel an hour before, a reply in
    the follow-up's thread becomes an action item; a review both answer page by page in the
    modal ends with its summary in the channel."""
    page = Page(browser)
    browser.get(sandbox)
    page.be("UMAYA")
    page.open("CMAYALEO")
    page.type("/mentor pair @maya @leo")
    page.sees("this is your mentorship channel")
    page.type("/mentor schedule weekly thu 15:00")
    page.sees("Thursday")
    page.shot("paired-and-scheduled")
    page.be("ULEO")
    page.open("CMAYALEO")
    page.sees("this is your mentorship channel")
    drawn = browser.execute_script(
        "const box = document.createElement('div');"
        "box.append(...blocks(arguments[0], {channel: 'CMAYALEO', ts: '1'}));"
        "return box.innerHTML;",
        KITCHEN_SINK,
    )
    for part in (
        "<h3>Every block</h3>",
        "<b>bold</b>",
        "<i>italic</i>",
        "<s>gone</s>",
        "<code>code</code>",
        '<a href="https://example.org"',
        "@leo",
        "#maya-leo",
        "Dec 10, 2026 at 3:00 PM",  # in Leo's zone
        "&lt;kept&gt;",
        'class="fields"',
        'aria-label="More actions"',
        "small print",
        ">Go</button>",
        "<select",
        'type="date"',
        "<hr>",
        'alt="a picture"',
        "<li>",
        '<table class="bk">',
        "<label>Typed</label>",
    ):
        assert part in drawn, part

    page.type("/goal Get better at things")
    page.sees("Only visible to you")
    page.sees("a concrete outcome")
    page.click("Make it specific")
    modal = page.until(lambda: page.css(".modal"), "the goal editor")[0]
    outcome = modal.find_element("css selector", "textarea, input[type=text]")
    outcome.clear()
    outcome.send_keys("Run the team's retro on my own")
    browser.execute_script(
        "const d = document.querySelector('.modal input[type=date]');"
        "d.value = '2020-01-01'; d.dispatchEvent(new Event('change'));"
    )
    page.css(".modal button.primary")[0].click()
    page.until(lambda: page.css(".modal .input.invalid .error"), "an error beside the date")
    page.shot("modal-error")
    browser.execute_script(
        "const d = document.querySelector('.modal input[type=date]');"
        "d.value = '2030-06-30'; d.dispatchEvent(new Event('change'));"
    )
    page.css(".modal button.primary")[0].click()
    page.until(lambda: not page.css(".modal"), "the editor closed")
    page.open("DULEO")
    page.sees("Goal 1 is now")
    page.open("CMAYALEO")

    page.type("/win Gave my first demo to the whole team")
    page.be("UMAYA")
    page.open("CMAYALEO")
    page.sees("Gave my first demo to the whole team")
    page.shot("win-seen-by-mentor")

    page.until(lambda: _clicked(page.css("#open-home")), "the Home")
    page.until(lambda: page.css(".home .block"), "Maya's Home drawn")
    page.shot("mentor-home")

    page.be("ULEO")
    page.click("Next scheduled ▸")  # the day before the meeting: the pre-meeting DM
    page.open("DULEO")
    page.sees("session with")
    page.sees("tomorrow at 3:00 PM")  # <!date^…> in Leo's own zone (New York)
    page.shot("pre-meeting-dm")
    page.until(
        lambda: _clicked(
            [
                m.find_element("css selector", "button.replies")
                for m in page.css("#messages .message")
                if "session with" in m.text
            ]
        ),
        "the pre-meeting DM's thread",
    )
    page.type("How to prepare the talk's slides", "#thread-text")
    page.until(
        lambda: (
            "Added to the agenda" in page.css("#thread-messages")[0].text
            or "agenda" in page.css("#thread-messages")[0].text.lower()
        ),
        "the reply taken for the agenda",
    )
    page.click("✕", "#thread")
    page.click("Next scheduled ▸")  # an hour before: the agenda in the channel
    page.open("CMAYALEO")
    page.sees("How to prepare the talk's slides")
    page.shot("agenda-in-channel")

    page.click("Next scheduled ▸")  # two hours after the start: "what will you act on?"
    page.until(
        lambda: _clicked(
            [
                m.find_element("css selector", "button.replies")
                for m in page.css("#messages .message")
                if "act on" in m.text and "Agenda" not in m.text
            ]
        ),
        "the follow-up's thread",
    )
    page.type("Draft the slides by Monday", "#thread-text")
    page.until(
        lambda: "Action item 1 for @leo" in page.css("#thread-messages")[0].text,
        "the reply taken as an action item",
    )
    page.shot("action-item-from-follow-up")
    page.click("✕", "#thread")

    page.type("/review now")
    for who in ("ULEO", "UMAYA"):
        page.be(who)
        page.open("CMAYALEO")
        page.click("Answer review", "#messages")
        page.until(lambda: page.css(".modal"), f"{who}'s questionnaire")
        for _ in range(8):
            if not page.css(".modal"):
                break
            title = browser.execute_script(ANSWER_PAGE)
            page.shot(f"review-{who.lower()}-{title.replace('/', '-').replace(' ', '-').lower()}")
            page.css(".modal button.primary")[0].click()
            page.until(
                lambda title=title: (
                    not page.css(".modal")
                    or browser.execute_script(ANSWER_PAGE) != title
                    or page.css(".modal .error, .modal .failed")
                ),
                f"the page after {title!r}",
            )
            assert not page.css(".modal .error, .modal .failed"), page.css(".modal")[0].text
        assert not page.css(".modal"), "the questionnaire did not finish"
    page.sees("Review 1: summary")
    page.sees("Closed")
    README_PICTURE.parent.mkdir(exist_ok=True)
    shutil.copyfile(page.shot("review-summary"), README_PICTURE)
