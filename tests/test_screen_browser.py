"""The kiosk's screen in a real browser: headless Chromium, driven by Playwright, on the page
the real server serves beside the real kiosk loop.

Spoken questions reach the loop through a capture device backed by a file (see
``alsa_devices``) and replies go out through a playback device that writes one; a question
typed or tapped on the page goes through the loop's inbox. Screenshots of every state, at
800x480 and 1920x1080, are saved under the test's temporary directory (or in
``KNOTVOICE_SCREENSHOTS`` when it names a directory).
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import numpy.typing as npt
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from alsa_devices import DEFAULT_RATE, MIC, SPEAKER, FileDevices, file_devices
from knotvoice.asr.whisper import WhisperRecognizer
from knotvoice.audio import RATE, join, read_audio
from knotvoice.journal import Journal
from knotvoice.kiosk.events import (
    Decided,
    Event,
    Heard,
    Listening,
    Partial,
    ReplyFinished,
    ReplyStarted,
    SpeechStarted,
)
from knotvoice.kiosk.inbox import Stop
from knotvoice.kiosk.quiet import Deaf, Mute, NoMicrophone
from knotvoice.kiosk.speaker import DeviceSpeaker
from knotvoice.knowledge import Entry, Knowledge, load
from knotvoice.lang import english
from knotvoice.match import Candidate, Decision, Match, Reason
from knotvoice.match.matcher import Matcher
from knotvoice.match.semantic import SemanticModel
from knotvoice.screen.server import MAX_QUESTION_CHARS
from knotvoice.settings import ListenSettings, MicrophoneSettings, SpeakerSettings
from knotvoice.speech.reply import reply_text, spoken_answer
from knotvoice.speech.tts import Synthesizer
from knotvoice.turn import Dialogue, rejection
from screen_pages import (
    CHROMIUM,
    CHROMIUM_ARGS,
    RECORD_STATES,
    SIZES,
    WAIT_MS,
    Kiosk,
    Screen,
    served,
)
from test_serve import Unsure

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")

Audio = npt.NDArray[np.float32]


# Per module: Playwright's sync API runs an event loop in this thread until it stops, and
# later modules call asyncio.run().
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def screen(knowledge: Knowledge) -> Iterator[Screen]:
    with served(knowledge) as made:
        yield made


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[FileDevices]:
    with file_devices(tmp_path / "devices") as made:
        yield made


@pytest.fixture(scope="module")
def words(knowledge: Knowledge, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The real matcher without the meaning model (no model to load)."""
    return Matcher(knowledge, cache_dir=tmp_path_factory.mktemp("words"))


@pytest.fixture(scope="module")
def meaning(knowledge: Knowledge, semantic: SemanticModel) -> Matcher:
    """The matcher as the kiosk runs it, with the meaning model."""
    return Matcher(knowledge, semantic)


def open_page(browser: Browser, url: str, size: tuple[int, int] = SIZES[0], **options: Any) -> Page:
    """The page, once it shows the kiosk's first view; it records every state it shows."""
    page = browser.new_page(viewport={"width": size[0], "height": size[1]}, **options)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("body[data-turn]", timeout=WAIT_MS)
    page.evaluate(RECORD_STATES)
    assert not errors, errors
    return page


def seen_states(page: Page) -> list[str]:
    states: list[str] = page.evaluate("window.seenStates")
    return states


def spoken(text: str, directory: Path) -> Audio:
    path = directory / f"{abs(hash(text))}.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(path), text], check=True, timeout=60
    )
    return join(read_audio(path))


def silence(seconds: float) -> Audio:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


def speak_into(devices: FileDevices, question: Audio, after: float) -> None:
    """The microphone hears ``question``, then silence for the reply and a long tail (the
    file device gives stale samples once its file runs out)."""
    audio = np.concatenate([silence(1.0), question, silence(after + 3.0), silence(60.0)])
    devices.write_input(audio, RATE, DEFAULT_RATE)


def reply_seconds(synthesizer: Synthesizer, text: str) -> float:
    return sum(chunk.seconds for chunk in synthesizer.synthesize(text))


def caption(page: Page) -> Any:
    return expect(page.locator("#caption"))


# --- spoken questions -----------------------------------------------------------------------


def typed_kiosk(
    screen: Screen, dialogue: Dialogue, synthesizer: Synthesizer, speaker: Any = None
) -> Kiosk:
    """A started kiosk with no microphone that answers the page's typed questions."""
    return Kiosk(
        ListenSettings(),
        Deaf(),
        dialogue,
        synthesizer,
        screen.emit,
        microphone=NoMicrophone(),
        speaker=Mute() if speaker is None else speaker,
        inbox=screen.inbox,
    ).start()


def test_a_spoken_question_shows_what_was_heard_and_its_answer(
    browser: Browser,
    screen: Screen,
    devices: FileDevices,
    whisper: WhisperRecognizer,
    meaning: Matcher,
    synthesizer: Synthesizer,
    knowledge: Knowledge,
    tmp_path: Path,
) -> None:
    entry = knowledge.get("massage-how-often")
    question = spoken("How often should you massage a knot?", tmp_path)
    speak_into(devices, question, reply_seconds(synthesizer, spoken_answer(entry)))
    page = open_page(browser, screen.url)
    kiosk = Kiosk(
        ListenSettings(max_turns=1, idle_exit_seconds=30.0, microphone=MicrophoneSettings(MIC)),
        whisper,
        Dialogue(meaning),
        synthesizer,
        screen.emit,
        speaker=DeviceSpeaker(SpeakerSettings(device=SPEAKER)),
        inbox=screen.inbox,
    ).start()

    caption(page).to_contain_text(entry.answer.strip()[:60], timeout=WAIT_MS * 4)
    expect(page.locator("#title")).to_have_text(entry.question)
    expect(page.locator("#heard-label")).to_have_text("I heard")
    heard = screen.wait_for(Heard)
    expect(page.locator("#heard")).to_have_text(heard.text)
    assert "massage" in heard.text.lower()
    summary = kiosk.join(WAIT_MS / 1000 * 4)
    expect(page.locator("#state-word")).to_have_text("Idle", timeout=WAIT_MS)
    assert summary.turns == 1
    assert seen_states(page) == ["idle", "listening", "thinking", "speaking", "idle"]
    said = page.locator("#said")  # what a screen reader reads out
    assert said.get_attribute("aria-live") == "polite"
    expect(said).to_contain_text(entry.answer.strip()[:60])
    finished = screen.wait_for(ReplyFinished)
    assert len(devices.output()) == finished.frames > 0, "the answer was played too"


def test_tapping_a_did_you_mean_plays_that_answer(
    browser: Browser,
    screen: Screen,
    devices: FileDevices,
    whisper: WhisperRecognizer,
    synthesizer: Synthesizer,
    knowledge: Knowledge,
    tmp_path: Path,
) -> None:
    """A matcher that is never sure (``Unsure``) stands in at the seam: every question is
    a close call between two entries, so the did-you-mean comes every time. The screen
    asks as the voice does, yes or no; after a no, of the other entry."""
    best, other = knowledge.get("release-effect"), knowledge.get("self-release")
    question = spoken("How do I press out a knot without anybody helping me?", tmp_path)
    speak_into(devices, question, 8.0)

    def visitor_reads(event: Event) -> None:
        # While the buttons are on screen the visitor reads them: audio time waits for the
        # tap (the file microphone would otherwise run far ahead of any visitor).
        if isinstance(event, ReplyFinished) and screen.hub.view.kind == "confirm":
            assert screen.inbox.arrived.wait(WAIT_MS / 1000), "nobody tapped"
            screen.inbox.arrived.clear()

    screen.watch = visitor_reads
    page = open_page(browser, screen.url, has_touch=True)
    kiosk = Kiosk(
        ListenSettings(max_turns=1, idle_exit_seconds=30.0, microphone=MicrophoneSettings(MIC)),
        whisper,
        Dialogue(Unsure(knowledge)),
        synthesizer,
        screen.emit,
        speaker=DeviceSpeaker(SpeakerSettings(device=SPEAKER)),
        inbox=screen.inbox,
    ).start()

    caption(page).to_have_text(f"Did you mean: {best.question.rstrip('?')}?", timeout=WAIT_MS * 4)
    buttons = page.locator("#choices button")
    expect(buttons).to_have_text(["Yes", "No"])  # as the voice asks: no third, unsaid choice
    expect(page.get_by_role("button", name=f"Yes: {best.question}")).to_be_visible()
    page.get_by_role("button", name="No", exact=True).tap()
    caption(page).to_have_text(f"Then did you mean: {other.question.rstrip('?')}?", timeout=WAIT_MS)
    expect(buttons).to_have_text(["Yes", "No"])
    page.get_by_role("button", name=f"Yes: {other.question}").tap()

    caption(page).to_contain_text(other.answer.strip()[:60], timeout=WAIT_MS)
    expect(page.locator("#title")).to_have_text(other.question)
    expect(page.locator("#choices")).to_be_hidden()
    summary = kiosk.join(WAIT_MS / 1000 * 4)
    assert summary.turns == 1
    started = [e for e in screen.events if isinstance(e, ReplyStarted)]
    assert [e.text for e in started] == [
        f"Did you mean: {best.question.rstrip('?')}?",
        f"Then did you mean: {other.question.rstrip('?')}?",
        spoken_answer(other),
    ]
    finished = [e for e in screen.events if isinstance(e, ReplyFinished)]
    assert len(devices.output()) == sum(e.frames for e in finished)
    assert finished[-1].frames / finished[-1].rate == pytest.approx(started[-1].seconds, abs=0.1)


def test_a_did_you_mean_answered_from_the_keyboard_leaves_the_keyboard_in_the_question_box(
    browser: Browser, screen: Screen, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """The button pressed goes once the kiosk takes the choice: the keyboard's focus fell to
    the page itself, and a keyboard user had to click to ask the next question."""
    best = knowledge.get("release-effect")
    page = open_page(browser, screen.url)
    kiosk = typed_kiosk(screen, Dialogue(Unsure(knowledge)), synthesizer)
    try:
        for question in ("how do I press out a knot", "can I do it myself"):
            page.locator("#question").focus()
            page.keyboard.type(question)
            page.keyboard.press("Enter")
            caption(page).to_have_text(f"Did you mean: {best.question.rstrip('?')}?")
            page.get_by_role("button", name=f"Yes: {best.question}").focus()
            page.keyboard.press("Enter")
            caption(page).to_contain_text(best.answer.strip()[:60], timeout=WAIT_MS)
            expect(page.locator("#question")).to_be_focused()
        asked = [e.text for e in screen.events if isinstance(e, Heard)]
        assert asked == ["how do I press out a knot", "yes", "can I do it myself", "yes"]
    finally:
        kiosk.close()


def test_a_tapped_choice_shows_what_was_chosen_not_a_question_asked(
    browser: Browser, screen: Screen, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """A tap on "Yes" read 'You asked "yes"' over the answer, as if the visitor had asked
    "yes"; it shows the question chosen, and a "No" is a reply ("You chose: no" read oddly;
    it is asked about the other one in turn, then told to ask again)."""
    best, other = knowledge.get("release-effect"), knowledge.get("self-release")
    page = open_page(browser, screen.url, has_touch=True)
    kiosk = typed_kiosk(screen, Dialogue(Unsure(knowledge)), synthesizer)
    box = page.locator("#question")
    try:
        for button, chosen, label in (
            (f"Yes: {best.question}", best.question, "You chose"),
            ("No", "no", "You replied"),
        ):
            box.fill("how do I press out a knot")
            box.press("Enter")
            caption(page).to_have_text(f"Did you mean: {best.question.rstrip('?')}?")
            expect(page.locator("#heard-label")).to_have_text("You asked")
            page.get_by_role("button", name=button, exact=True).tap()
            if button == "No":
                caption(page).to_have_text(
                    f"Then did you mean: {other.question.rstrip('?')}?", timeout=WAIT_MS
                )
                expect(page.locator("#heard-label")).to_have_text("You replied")
                page.get_by_role("button", name="No", exact=True).tap()
            expect(page.locator("#choices")).to_be_hidden(timeout=WAIT_MS)
            expect(page.locator("#heard-label")).to_have_text(label)
            expect(page.locator("#heard")).to_have_text(chosen)
        expect(page.locator("#title")).to_be_hidden()
        box.fill("how do I press out a knot")
        box.press("Enter")
        page.get_by_role("button", name="No", exact=True).tap()
        page.get_by_role("button", name=f"Yes: {other.question}").tap()
        caption(page).to_contain_text(other.answer.strip()[:60], timeout=WAIT_MS)
        expect(page.locator("#heard-label")).to_have_text("You chose")
        expect(page.locator("#heard")).to_have_text(other.question)
    finally:
        kiosk.close()


def test_a_goodbye_over_a_did_you_mean_takes_its_buttons_away(
    browser: Browser, screen: Screen, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """After "bye" the did-you-mean's Yes and No stayed, and a tap on them did nothing: the
    page drew its choices only when the reply changed. A "bye" ends the visit: the screen is
    the next visitor's (it gave no sign it was taken)."""
    best = knowledge.get("release-effect")
    page = open_page(browser, screen.url)
    kiosk = typed_kiosk(screen, Dialogue(Unsure(knowledge)), synthesizer)
    box = page.locator("#question")
    try:
        box.fill("how do I press out a knot")
        box.press("Enter")
        caption(page).to_have_text(f"Did you mean: {best.question.rstrip('?')}?")
        expect(page.locator("#choices button")).to_have_text(["Yes", "No"])
        box.fill("stop")
        box.press("Enter")
        screen.wait_for(Decided, lambda e: e.decision == "stop")
        expect(page.locator("#choices button")).to_have_text(["Yes", "No"])  # still open
        box.fill("bye")
        box.press("Enter")
        expect(page.locator("#choices")).to_be_hidden()
        expect(page.locator("#caption-box")).to_be_hidden()
        expect(page.locator("#heard-line")).to_be_hidden()
        expect(page.locator("#try")).to_be_visible()
    finally:
        kiosk.close()


def test_a_yes_or_no_typed_to_a_did_you_mean_shows_as_a_reply_not_a_question(
    browser: Browser, screen: Screen, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """A "yes" typed in the question box in reply to "Did you mean ...?" read 'You asked
    "yes"' over the answer; it reads as the reply it is. A "yes" typed with nothing
    proposed is asked like any other question, and told what can be asked (it showed
    nothing at all)."""
    best, other = knowledge.get("release-effect"), knowledge.get("self-release")
    page = open_page(browser, screen.url)
    kiosk = typed_kiosk(screen, Dialogue(Unsure(knowledge)), synthesizer)
    box = page.locator("#question")
    label, heard = page.locator("#heard-label"), page.locator("#heard")
    try:
        box.fill("yes")
        box.press("Enter")
        expect(heard).to_have_text("yes")
        expect(label).to_have_text("You asked")
        caption(page).to_have_text(rejection(knowledge))
        first = screen.wait_for(Decided, lambda e: e.decision == "reject")
        box.fill("how do I press out a knot")
        box.press("Enter")
        caption(page).to_have_text(f"Did you mean: {best.question.rstrip('?')}?")
        expect(label).to_have_text("You asked")
        box.fill("yes")
        box.press("Enter")
        caption(page).to_contain_text(best.answer.strip()[:60], timeout=WAIT_MS)
        expect(label).to_have_text("You replied")
        expect(heard).to_have_text("yes")
        box.fill("how do I press out a knot")
        box.press("Enter")
        expect(label).to_have_text("You asked")
        caption(page).to_have_text(f"Did you mean: {best.question.rstrip('?')}?")
        box.fill("no")
        box.press("Enter")
        caption(page).to_have_text(f"Then did you mean: {other.question.rstrip('?')}?")
        expect(label).to_have_text("You replied")
        expect(heard).to_have_text("no")
        box.fill("no")
        box.press("Enter")
        caption(page).to_have_text(english().replies.ask_again)
        expect(label).to_have_text("You replied")
        box.fill("yes")  # nothing is proposed now
        box.press("Enter")
        screen.wait_for(Decided, lambda e: e.decision == "reject" and e is not first)
        expect(label).to_have_text("You asked")
        expect(heard).to_have_text("yes")
        caption(page).to_have_text(rejection(knowledge))
    finally:
        kiosk.close()
    decided = [e for e in screen.events if isinstance(e, Decided)]
    assert [(e.decision, e.answers_proposal) for e in decided] == [
        ("reject", False),
        ("confirm", False),
        ("answer", True),
        ("confirm", False),
        ("confirm", True),
        ("reject", True),
        ("reject", False),
    ]


# --- typed questions ------------------------------------------------------------------------


HALF_A_SECOND = 11025
"""Frames of reply audio (espeak-ng's voice, 22,050 a second) played before the stop button
is pressed: the test waits for them, so how soon it presses does not decide the result."""


def test_a_typed_question_is_answered_aloud_and_on_the_page(
    browser: Browser,
    screen: Screen,
    devices: FileDevices,
    meaning: Matcher,
    synthesizer: Synthesizer,
    knowledge: Knowledge,
) -> None:
    entry = knowledge.get("massage-how-often")
    page = open_page(browser, screen.url)
    kiosk = typed_kiosk(
        screen, Dialogue(meaning), synthesizer, DeviceSpeaker(SpeakerSettings(device=SPEAKER))
    )
    try:
        page.locator("#question").focus()
        page.keyboard.type("how often should I massage a knot")
        page.keyboard.press("Enter")
        caption(page).to_contain_text(entry.answer.strip()[:60], timeout=WAIT_MS)
        expect(page.locator("#heard-label")).to_have_text("You asked")
        expect(page.locator("#heard")).to_have_text("how often should I massage a knot")
        expect(page.locator("#question")).to_have_value("")
        started = screen.wait_for(ReplyStarted)
        assert started.text == spoken_answer(entry)

        # The stop button cuts the reply once some of it is heard; the kiosk is idle at once.
        heard_some = time.monotonic() + 10.0
        while len(devices.output()) < HALF_A_SECOND and time.monotonic() < heard_some:
            time.sleep(0.05)
        expect(page.locator("#stop")).to_be_enabled()
        page.locator("#stop").click()
        expect(page.locator("#state-word")).to_have_text("Idle", timeout=5000)
        finished = screen.wait_for(ReplyFinished)
        assert finished.interrupted
        # Aloud: the answer's audio went to the speaker (until the stop), and not silence.
        played = devices.output().astype(np.float32) / 32768.0
        assert len(played) == finished.frames >= HALF_A_SECOND
        assert np.sqrt(np.mean(played**2)) > 0.01
        assert seen_states(page) == ["idle", "thinking", "speaking", "idle"]
    finally:
        kiosk.close()


def test_a_reply_the_kiosk_cannot_say_is_shown_not_spoken(
    browser: Browser, screen: Screen, words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """With no sound device (``knotvoice screen`` on a machine with none) the page said
    "Speaking", with a Stop button and a progress bar, for as long as the unheard reply
    would have lasted: it says the answer is shown, not spoken, with neither."""
    entry = knowledge.get("massage-how-often")
    page = open_page(browser, screen.url, PORTRAIT)
    kiosk = typed_kiosk(screen, Dialogue(words), synthesizer)  # Mute: no sound device
    try:
        page.locator("#question").fill("how often should you massage a knot")
        page.locator("#question").press("Enter")
        caption(page).to_contain_text(entry.answer.strip()[:60], timeout=WAIT_MS)
        started = screen.wait_for(ReplyStarted)
        assert not started.aloud
        expect(page.locator("#state-word")).to_have_text("Shown, not spoken")
        expect(page.locator("#stop")).to_be_hidden()  # it was drawn, disabled, for nothing
        bar = "getComputedStyle(document.getElementById('caption-box'), '::after').width"
        page.wait_for_timeout(1000)  # into the reply's length, were it said
        assert page.evaluate(bar) == "0px", "no progress bar"
        assert "speaking" not in seen_states(page)
    finally:
        kiosk.close()


def test_a_kiosk_with_no_sound_device_never_shows_stop(
    browser: Browser, words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """The Stop button of a kiosk that says nothing was still drawn, disabled, while each
    question was thought about."""
    with served(knowledge, silent=True) as screen:
        page = open_page(browser, screen.url, PORTRAIT)
        kiosk = typed_kiosk(screen, Dialogue(words), synthesizer)  # Mute: no sound device
        try:
            expect(page.locator("#stop")).to_be_hidden()
            page.evaluate(
                """() => {
                  const stop = document.getElementById("stop");
                  window.stopShown = false;
                  new MutationObserver(() => { window.stopShown ||= !stop.hidden; })
                    .observe(stop, { attributes: true });
                }"""
            )
            page.locator("#question").fill("how often should you massage a knot")
            page.locator("#question").press("Enter")
            screen.wait_for(ReplyStarted)
            page.wait_for_function("document.body.dataset.turn !== '0'", timeout=WAIT_MS)
            assert "thinking" in seen_states(page)
            expect(page.locator("#stop")).to_be_hidden()
            assert page.evaluate("window.stopShown") is False
        finally:
            kiosk.close()


def test_an_answer_pasted_with_character_references_shows_their_characters(
    browser: Browser, synthesizer: Synthesizer, tmp_path: Path
) -> None:
    """An answer pasted from a web page ("Fish &amp; chips, &pound;9.50") was shown as
    written, "&amp;" and all, and said "and amp": the page shows "&" and "£", and the voice
    says "and" and "pounds"."""
    path = tmp_path / "faq.yaml"
    path.write_text(
        "version: 1\nentries:\n"
        "  - id: food\n    question: Do you serve fish &amp; chips?\n"
        "    alternatives: [can I get fish and chips, is there a chippy, any fried fish]\n"
        "    answer: 'Yes: **fish &amp; chips**, &pound;9.50 &ndash; it&#39;s our chef&#8217;s.'\n"
        "  - id: park\n    question: Is there parking?\n"
        "    alternatives: [where do I park, car park, can I bring my car]\n"
        "    answer: Yes, behind the hall.\n",
        encoding="utf-8",
    )
    knowledge = load(path)
    with served(knowledge) as screen:
        page = open_page(browser, screen.url)
        kiosk = typed_kiosk(screen, Dialogue(Matcher(knowledge, cache_dir=tmp_path)), synthesizer)
        try:
            page.locator("#question").fill("Do you serve fish and chips?")
            page.locator("#question").press("Enter")
            caption(page).to_have_text(
                "Yes: fish & chips, \u00a39.50 \u2013 it's our chef\u2019s.", timeout=WAIT_MS
            )
            expect(page.locator("#caption strong")).to_have_text("fish & chips")
            expect(page.locator("#title")).to_have_text("Do you serve fish & chips?")
            started = screen.wait_for(ReplyStarted)
            assert started.text == "Yes: fish and chips, 9 pounds 50, it's our chef's."
        finally:
            kiosk.close()


def test_an_off_topic_question_shows_the_reject_and_questions_to_try(
    browser: Browser, screen: Screen, words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    # Turned away, naming the topics of the entries the question came closest to.
    reject = reply_text(words.match("What is the wifi password?"), knowledge)
    page = open_page(browser, screen.url, size=SIZES[1])
    tries = page.locator("#suggestions button")
    expect(tries).to_have_count(4)  # questions to try, before anything is asked
    kiosk = typed_kiosk(screen, Dialogue(words), synthesizer)
    try:
        page.locator("#question").fill("What is the wifi password?")
        page.get_by_role("button", name="Ask", exact=True).click()
        caption(page).to_have_text(reject, timeout=WAIT_MS)
        expect(page.locator("#try")).to_be_visible()
        first = tries.first.inner_text()
        assert first in {entry.question for entry in knowledge.entries}
        # A question to try is asked by tapping it, or from the keyboard; the view changing
        # meanwhile (a voice heard) leaves the keyboard where the visitor put it.
        screen.wait_for(ReplyFinished)
        tries.first.focus()
        screen.emit(SpeechStarted(99.0))
        expect(page.locator("body")).to_have_attribute("data-state", "listening")
        expect(tries.first).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#title")).to_have_text(first, timeout=WAIT_MS)
        expect(page.locator("#try")).to_be_hidden()
        expect(page.locator("#question")).to_be_focused()  # the keyboard goes on from there
        assert screen.wait_for(Decided, lambda e: e.decision == "answer").question == first
    finally:
        kiosk.close()


def test_questions_to_try_under_a_reject_show_whole_at_the_pi_s_sizes(
    browser: Browser, screen: Screen, knowledge: Knowledge, tmp_path: Path
) -> None:
    """At 800x480, under "I can't answer that" naming three topics, the second row of
    questions to try was cut in half at the footer: both rows show whole at 800x480 and
    480x800, and on a screen too short for both, only the rows that fit show."""
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    best, other = knowledge.get("release-effect"), knowledge.get("self-release")
    nearest = Match(Decision.REJECT, Candidate(best, 20.0), Candidate(other, 18.0), "")
    reject = reply_text(nearest, knowledge)
    sizes = (SIZES[0], PORTRAIT, (800, 420))
    pages = {size: open_page(browser, screen.url, size) for size in sizes}
    screen.emit(Heard(1.0, "what is the wifi password", 0.0, typed=True))
    screen.emit(Decided(1.1, "reject", None, "", reject, closest=best.id, runner_up=other.id))
    for (width, height), page in pages.items():
        caption(page).to_have_text(reject)
        seen = page.evaluate(
            """() => {
              const section = document.getElementById("try").getBoundingClientRect();
              const shown = [...document.querySelectorAll("#suggestions button")]
                .filter((node) => node.offsetParent !== null)
                .map((node) => node.getBoundingClientRect());
              return {
                shown: shown.length,
                whole: shown.every((r) => r.bottom <= section.bottom + 1
                  && r.bottom <= window.innerHeight && r.top >= section.top - 1),
              };
            }"""
        )
        page.screenshot(path=str(shots / f"reject-questions-to-try-{width}x{height}.png"))
        where = f"at {width}x{height}"
        assert seen["whole"], f"{where}: a question to try is cut off"
        if (width, height) != (800, 420):
            assert seen["shown"] == 4, f"{where}: {seen['shown']} of 4 questions show"
        else:
            assert seen["shown"] in (2, 4), f"{where}: whole rows, {seen['shown']}"


class Refusing(Unsure):
    """A matcher that turns every question away, nearest to the two entries ``Unsure``
    offers, but answers an entry's question asked as written (as the real one does)."""

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        written = [e for e in self.knowledge.entries if e.question == text]
        if written:
            return Match(Decision.ANSWER, Candidate(written[0], 100.0), None, text, Reason.WRITTEN)
        unsure = super().match(text, alternatives, likelihoods)
        return replace(unsure, decision=Decision.REJECT, reason=Reason.UNLIKELY)


def test_the_questions_a_reject_read_out_are_buttons_that_answer_them(
    browser: Browser, screen: Screen, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """A file without topics: the reject reads out two questions to ask, and the page shows
    each as a button; tapping one answers it."""
    bare = replace(knowledge, entries=tuple(replace(e, topic="") for e in knowledge.entries))
    first, second = bare.get("release-effect"), bare.get("self-release")
    refusing = Refusing(bare)
    reject = reply_text(refusing.match("q"), bare)
    page = open_page(browser, screen.url)
    kiosk = typed_kiosk(screen, Dialogue(refusing), synthesizer)
    try:
        page.locator("#question").fill("What is the wifi password?")
        page.get_by_role("button", name="Ask", exact=True).click()
        caption(page).to_have_text(reject, timeout=WAIT_MS)
        expect(page.locator("#choices button")).to_have_text([first.question, second.question])
        expect(page.locator("#try")).to_be_hidden()  # these are the questions to try
        page.get_by_role("button", name=second.question, exact=True).click()
        caption(page).to_contain_text(second.answer.strip()[:60], timeout=WAIT_MS)
        expect(page.locator("#title")).to_have_text(second.question)
        expect(page.locator("#choices")).to_be_hidden()
        answered = screen.wait_for(Decided, lambda e: e.decision == "answer")
        assert answered.entry == second.id
    finally:
        kiosk.close()


def test_a_question_that_fails_says_so_instead_of_leaving_the_last_answer(
    browser: Browser, screen: Screen, words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """The dialogue breaks on one question (a fault at the seam): the page says sorry under
    it and offers questions to try; the answer before it is gone, and the next is answered."""

    class Fragile(Dialogue):
        def respond(
            self, transcript: Any, understood: Any = None, follow_up: bool = True, **kw: Any
        ) -> Any:
            if "parking" in transcript.text:
                raise RuntimeError("broken on purpose")
            return super().respond(transcript, understood, follow_up, **kw)

    entry = knowledge.get("massage-how-often")
    page = open_page(browser, screen.url)
    kiosk = typed_kiosk(screen, Fragile(words), synthesizer)
    box = page.locator("#question")
    try:
        box.fill("how often should you massage a knot")
        box.press("Enter")
        caption(page).to_contain_text(entry.answer.strip()[:60], timeout=WAIT_MS)
        box.fill("is there parking nearby")
        box.press("Enter")
        caption(page).to_have_text(english().replies.failed, timeout=WAIT_MS)
        expect(page.locator("#heard")).to_have_text("is there parking nearby")
        expect(page.locator("#title")).to_be_hidden()
        expect(page.locator("#try")).to_be_visible()
        expect(page.locator("#state-word")).to_have_text("Idle")
        box.fill("how often should you massage a knot")
        box.press("Enter")
        caption(page).to_contain_text(entry.answer.strip()[:60], timeout=WAIT_MS)
        assert kiosk.running()
    finally:
        kiosk.close()


# --- how it looks ---------------------------------------------------------------------------


def states(knowledge: Knowledge) -> list[tuple[str, list[Event]]]:
    """Events that put the screen in each of its states, one after the other."""
    answer = knowledge.get("massage-how-often")
    best, other = knowledge.get("release-effect"), knowledge.get("self-release")
    confirm = f"Did you mean: {best.question.rstrip('?')}?"
    reject = reply_text(Match(Decision.REJECT, None, None, ""), knowledge)
    heard = "how often should I massage a knot"
    return [
        ("idle", [Listening(0.0)]),
        ("listening", [SpeechStarted(1.0), Partial(1.6, "how often should I mass")]),
        ("thinking", [Heard(2.4, heard, 1.0)]),
        (
            "speaking",
            [
                Decided(2.5, "answer", answer.id, heard, spoken_answer(answer)),
                ReplyStarted(2.6, spoken_answer(answer), 12.0),
            ],
        ),
        ("answer", [ReplyFinished(14.6)]),
        (
            "did-you-mean",
            [
                Heard(20.0, "how do I press out a knot myself", 18.0),
                Decided(20.1, "confirm", best.id, "", confirm, runner_up=other.id),
                ReplyStarted(20.2, confirm, 3.0),
            ],
        ),
        (
            "reject",
            [
                ReplyFinished(23.2),
                Heard(30.0, "<b>what is the wifi password</b>", 28.0, typed=True),
                Decided(30.1, "reject", None, "", reject),
                ReplyStarted(30.2, reject, 5.0),
                ReplyFinished(35.2),
            ],
        ),
    ]


def test_every_state_is_laid_out_for_the_pi_display_and_full_hd(
    browser: Browser, screen: Screen, knowledge: Knowledge, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    pages = {size: open_page(browser, screen.url, size) for size in SIZES}
    for name, events in states(knowledge):
        for event in events:
            screen.emit(event)
        for (width, height), page in pages.items():
            expect(page.locator("body")).to_have_attribute(
                "data-state", screen.hub.view.state, timeout=WAIT_MS
            )
            expect(page.locator("body")).to_have_attribute("data-turn", str(screen.hub.view.turn))
            layout = page.evaluate(
                """() => {
                  const box = (node) => node.getBoundingClientRect();
                  const shown = [...document.querySelectorAll("button, input")]
                    .filter((node) => node.offsetParent !== null);
                  return {
                    wide: document.documentElement.scrollWidth,
                    caption: parseFloat(getComputedStyle(document.getElementById("caption")).fontSize),
                    smallest: Math.min(...shown.map((node) => box(node).height)),
                    lowest: Math.max(...shown.filter((node) => !node.closest("#try"))
                      .map((node) => box(node).bottom)),
                  };
                }"""
            )
            where = f"{name} at {width}x{height}"
            assert layout["wide"] <= width, f"{where}: nothing runs off the side"
            assert layout["smallest"] >= 47.5, f"{where}: every control is a touch target"
            assert layout["lowest"] <= height, f"{where}: every button and the box are on screen"
            assert layout["caption"] >= (24 if height < 600 else 40), f"{where}: large text"
            page.screenshot(path=str(shots / f"{name}-{width}x{height}.png"))
        if name == "listening":
            expect(pages[SIZES[0]].locator("#heard-label")).to_have_text("Hearing")
        if name == "did-you-mean":
            expect(pages[SIZES[0]].locator("#choices button")).to_have_count(2)
        if name == "reject":
            expect(pages[SIZES[0]].locator("#heard")).to_have_text(
                "<b>what is the wifi password</b>"
            )
    named = {name for name, _ in states(knowledge)}
    taken = [shot for shot in shots.glob("*.png") if shot.stem.rsplit("-", 1)[0] in named]
    assert len(taken) == 2 * len(named)


PORTRAIT = (480, 800)
"""The Pi's display turned on its side."""
FOUR_SIZES = (*SIZES, PORTRAIT, (1080, 1920))
"""The Pi's display and a full HD screen, each either way round."""

TOGETHER = """() => {
  const box = (id) => document.getElementById(id).getBoundingClientRect();
  const more = document.getElementById("more");
  const text = document.getElementById("caption");
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
  return {
    gap: (box("question").top - box("caption-box").bottom) / rem,
    below: box("question").top > box("caption-box").bottom,
    onScreen: box("question").bottom <= window.innerHeight
      && (more.hidden || box("more").bottom <= window.innerHeight),
    more: !more.hidden,
    cut: text.scrollHeight - text.clientHeight - text.scrollTop >= 2,
    caption: parseFloat(getComputedStyle(document.getElementById("caption")).fontSize),
  };
}"""
"""Where the box to type in is under the answer's box (in the root's ems), whether it and
"More" are on screen, whether "More" shows and some of the answer is out of sight, and the
answer's text size."""


def test_a_short_answer_and_the_box_to_type_in_sit_together_at_every_size(
    browser: Browser, screen: Screen, knowledge: Knowledge, tmp_path: Path
) -> None:
    """At 480x800 a short answer sat at the top and the box to type in at the foot, with
    half the screen empty between them. At the Pi's display and full HD, either way round,
    the box follows the answer (a short one, a did-you-mean's) by less than two lines; a long
    answer takes the room there is, with "More" and the box on screen; the text stays large."""
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    short = knowledge.get("wont-go-away")
    longest = max(knowledge.entries, key=lambda entry: len(entry.answer))
    best, other = knowledge.get("release-effect"), knowledge.get("self-release")
    confirm = f"Did you mean: {best.question.rstrip('?')}?"
    pages = {size: open_page(browser, screen.url, size) for size in FOUR_SIZES}
    for name, decided in (
        ("short", Decided(1.1, "answer", short.id, "", spoken_answer(short))),
        ("did-you-mean", Decided(2.1, "confirm", best.id, "", confirm, runner_up=other.id)),
        ("long", Decided(3.1, "answer", longest.id, "", spoken_answer(longest))),
    ):
        screen.emit(Heard(decided.at - 0.1, "a question typed", decided.at - 1.0, typed=True))
        screen.emit(decided)
        for (width, height), page in pages.items():
            where = f"{name} at {width}x{height}"
            expect(page.locator("body")).to_have_attribute("data-turn", str(screen.hub.view.turn))
            page.screenshot(path=str(shots / f"together-{name}-{width}x{height}.png"))
            seen = page.evaluate(TOGETHER)
            assert seen["below"] and seen["onScreen"], f"{where}: {seen}"
            assert seen["caption"] >= (24 if min(width, height) < 600 else 40), f"{where}: large"
            assert seen["more"] == seen["cut"], f"{where}: More shows when some is out of sight"
            if name == "long":
                assert seen["cut"] or height > 1500, f"{where}: the longest answer fits? {seen}"
            else:
                assert not seen["more"] and seen["gap"] < 2.0, f"{where}: {seen}"


def test_a_long_question_heard_leaves_the_answer_and_its_buttons_on_screen(
    browser: Browser, screen: Screen, knowledge: Knowledge, tmp_path: Path
) -> None:
    """A question of 300 characters (typed, or a long ramble heard) is shown in two lines at
    most, so the did-you-mean under it keeps its buttons and a reject its words in view."""
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    best, other = knowledge.get("release-effect"), knowledge.get("self-release")
    confirm = f"Did you mean: {best.question.rstrip('?')}?"
    reject = reply_text(Match(Decision.REJECT, None, None, ""), knowledge)
    rambled = ("so I was wondering, about the knot in my shoulder, " * 6)[:300]
    pages = {size: open_page(browser, screen.url, size) for size in (*SIZES, PORTRAIT)}
    for name, events in (
        (
            "did-you-mean",
            [
                Heard(1.0, rambled, 0.0),
                Decided(1.1, "confirm", best.id, "", confirm, runner_up=other.id),
            ],
        ),
        (
            "reject",
            [Heard(5.0, "k" * 300, 4.0, typed=True), Decided(5.1, "reject", None, "", reject)],
        ),
    ):
        for event in events:
            screen.emit(event)
        for (width, height), page in pages.items():
            expect(page.locator("body")).to_have_attribute("data-kind", screen.hub.view.kind)
            where = f"{name} at {width}x{height}"
            seen = page.evaluate(
                """() => {
                  const box = document.getElementById("caption-box").getBoundingClientRect();
                  const inside = (node) => {
                    const r = node.getBoundingClientRect();
                    return r.top >= box.top && r.bottom <= box.bottom
                      && r.bottom <= window.innerHeight;
                  };
                  return {
                    caption: inside(document.getElementById("caption")),
                    buttons: [...document.querySelectorAll("#choices button")].map(inside),
                  };
                }"""
            )
            page.screenshot(path=str(shots / f"long-question-{name}-{width}x{height}.png"))
            assert seen["caption"], f"{where}: the reply is in view"
            assert all(seen["buttons"]), f"{where}: every button is in view, {seen['buttons']}"
            expect(page.locator("#heard")).to_have_text(screen.hub.view.heard)


def test_a_long_answer_says_there_is_more_and_more_shows_the_rest(
    browser: Browser, screen: Screen, knowledge: Knowledge, tmp_path: Path
) -> None:
    """The FAQ's longest answer does not fit the Pi's display: "More" says so, and tapping it
    brings the rest into view, to its last line, with the title still above it."""
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    longest = max(knowledge.entries, key=lambda entry: len(entry.answer))
    short = knowledge.get("massage-how-often")
    pages = {size: open_page(browser, screen.url, size, has_touch=True) for size in SIZES}
    screen.emit(Heard(1.0, longest.question, 0.0, typed=True))
    screen.emit(Decided(1.1, "answer", longest.id, "", spoken_answer(longest)))
    screen.emit(ReplyFinished(30.0))
    page = pages[SIZES[0]]
    caption(page).to_contain_text(longest.answer.strip()[:60])
    more = page.get_by_role("button", name="More")
    expect(more).to_be_visible()
    page.screenshot(path=str(shots / "longest-answer-800x480.png"))
    ends_in_view = """() => {
      const text = document.getElementById("caption");
      const range = document.createRange();
      range.selectNodeContents(text);
      const rects = range.getClientRects();
      const last = rects[rects.length - 1];
      const box = text.getBoundingClientRect();
      return last.bottom <= box.bottom + 1 && last.bottom <= window.innerHeight;
    }"""
    assert not page.evaluate(ends_in_view), "the answer runs past the box"
    for _ in range(10):
        if not more.is_visible():
            break
        more.tap()
        page.wait_for_timeout(600)
    expect(more).to_be_hidden()
    assert page.evaluate(ends_in_view), "the answer's last line is in view"
    expect(page.locator("#title")).to_be_in_viewport()
    page.screenshot(path=str(shots / "longest-answer-end-800x480.png"))

    screen.emit(Heard(40.0, short.question, 39.0, typed=True))
    screen.emit(Decided(40.1, "answer", short.id, "", spoken_answer(short)))
    caption(page).to_contain_text(short.answer.strip()[:60])
    expect(more).to_be_hidden()


def test_more_pressed_from_the_keyboard_keeps_the_focus_then_hands_it_to_the_question_box(
    browser: Browser, screen: Screen, knowledge: Knowledge
) -> None:
    """Enter on "More" scrolled once, then the focus fell to the page and Enter did nothing:
    the button was hidden to be measured at every scroll. Stop, disabled once pressed, let
    the focus fall too."""
    longest = max(knowledge.entries, key=lambda entry: len(entry.answer))
    page = open_page(browser, screen.url, SIZES[0])
    screen.emit(Heard(1.0, longest.question, 0.0, typed=True))
    screen.emit(Decided(1.1, "answer", longest.id, "", spoken_answer(longest)))
    screen.emit(ReplyFinished(30.0))
    more = page.locator("#more")
    expect(more).to_be_visible()
    more.focus()
    focused = "document.activeElement.id"
    presses = 0
    while more.is_visible() and presses < 12:
        page.keyboard.press("Enter")
        presses += 1
        page.wait_for_timeout(700)
        if more.is_visible():
            assert page.evaluate(focused) == "more", f"after {presses} presses"
    expect(more).to_be_hidden()
    assert presses > 1, "the answer took more than one press"
    assert page.evaluate(focused) == "question", "at the end, the keyboard goes on from the box"

    screen.emit(ReplyStarted(40.0, spoken_answer(longest), 30.0))
    stop = page.locator("#stop")
    expect(stop).to_be_enabled()
    stop.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'question'", timeout=WAIT_MS)
    assert screen.inbox.take() == Stop()


CUT_OFF = """() => [document.documentElement, ...document.querySelectorAll("body *")]
  .filter((node) => node.scrollWidth > node.clientWidth + 1
                    && getComputedStyle(node).overflowX !== "auto"
                    && node.getClientRects().length
                    && !node.closest(".visually-hidden"))
  .map((node) => node.id || node.className || node.tagName)"""
"""The elements whose text runs past their right edge, where it cannot be scrolled to."""


def test_a_phone_s_page_fits_its_width_and_a_long_word_breaks(
    browser: Browser, knowledge: Knowledge
) -> None:
    """Below about 353 px wide the box to type in held the page wider than the screen, which
    does not scroll: Ask and Stop were cut off. A long unbroken word ran past the title and
    the questions to try."""
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2
    long = Entry("long-word", f"What is {word}?", "It is a long word.")
    with served(marked(knowledge, long)) as screen:
        page = open_page(browser, screen.url, (320, 568))
        expect(page.locator("#suggestions button")).to_have_text([long.question])
        assert page.evaluate(CUT_OFF) == [], "the questions to try are cut off"
        screen.emit(Heard(1.0, f"what is {word}", 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", long.id, "", long.answer))
        screen.emit(ReplyStarted(1.2, long.answer, 5.0))
        caption(page).to_contain_text(long.answer)
        assert page.evaluate(CUT_OFF) == [], "the answer's page is cut off"
        for control in ("#stop", "#ask button", "#title"):
            box = page.locator(control).bounding_box()
            assert box is not None and box["x"] + box["width"] <= 320, control


def test_the_first_answer_is_in_a_region_a_screen_reader_reads_out(
    browser: Browser, screen: Screen, knowledge: Knowledge
) -> None:
    """The answer's region was hidden until its first answer, and shown with its words in
    one step: a region shown with its words is not read out."""
    entry = knowledge.get("massage-how-often")
    page = open_page(browser, screen.url)
    said = page.locator("#said")
    assert said.get_attribute("aria-live") == "polite"
    assert page.evaluate("document.getElementById('said').closest('[hidden]')") is None
    assert page.locator("#caption-box").is_hidden()
    screen.emit(Heard(1.0, entry.question, 0.0, typed=True))
    screen.emit(Decided(1.1, "answer", entry.id, entry.question, spoken_answer(entry)))
    expect(said).to_contain_text(entry.question)
    expect(said).to_contain_text(entry.answer.strip()[:60])
    # A list is read as sentences: its items ran together ("Redness.A swollen joint"), and a
    # question was given a second stop ("upper back?. How to treat").
    listed = next(entry for entry in knowledge.entries if "1. Redness." in entry.answer)
    screen.emit(Heard(2.0, "what are the signs", 1.5, typed=True))
    screen.emit(Decided(2.1, "answer", listed.id, listed.question, spoken_answer(listed)))
    expect(said).to_contain_text(f"{listed.question} Symptoms of inflammation include: Redness. A ")
    # A paragraph wrapped by hand is one sentence, and a stop inside quotes is a stop.
    read = page.evaluate(
        """() => asSentences("How?", [
          {spans: [{text: "Press for a minute or two, pressing"}], heading: 0, bullet: false,
           number: null},
          {spans: [{text: 'firmly, as "the leaflet says."'}], heading: 0, bullet: false,
           number: null},
        ])"""
    )
    assert read == 'How? Press for a minute or two, pressing firmly, as "the leaflet says."'


def test_more_shows_only_while_some_of_the_answer_is_out_of_sight(
    browser: Browser, screen: Screen
) -> None:
    """After a long answer, a shorter one that fits the box only without the "More" button
    kept the button showing, with nothing more to see: answers of one line to twelve, each
    after a long one, show "More" exactly when, the button gone, they would not fit."""
    page = open_page(browser, screen.url, SIZES[0])
    at = 1.0
    shown = []
    for lines in range(1, 13):
        for text in (
            "\n".join(f"Line {n} of forty." for n in range(60)),
            "\n".join(f"Line {n} of {lines}." for n in range(1, lines + 1)),
        ):
            screen.emit(Heard(at, "a question", at - 1.0, typed=True))
            screen.emit(Decided(at + 0.1, "answer", None, "", text))
            at += 1.0
        caption(page).to_contain_text(f"Line {lines} of {lines}.")
        seen = page.evaluate(
            """() => {
              const more = document.getElementById("more");
              const shown = !more.hidden;
              more.hidden = true;
              const text = document.getElementById("caption");
              const hidden = text.scrollHeight - text.clientHeight - text.scrollTop;
              more.hidden = !shown;
              return { shown, hidden };
            }"""
        )
        assert seen["shown"] == (seen["hidden"] >= 2), f"{lines} lines: {seen}"
        shown.append(seen["shown"])
    assert shown[0] is False and shown[-1] is True, shown


SAYING_IN_VIEW = """() => {
  // The words the reply has come to (its share said so far, as a share of the answer's
  // characters): in the answer's box?
  const text = document.getElementById("caption");
  const box = document.getElementById("caption-box");
  const said = parseFloat(getComputedStyle(box, "::after").width) / box.clientWidth;
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
  let left = Math.floor(text.textContent.length * Math.min(said, 0.999));
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (left < node.length) {
      const range = document.createRange();
      range.setStart(node, left);
      range.setEnd(node, left + 1);
      const at = range.getBoundingClientRect();
      const shown = text.getBoundingClientRect();
      // a glyph's box may stand out of its line's (Noto Sans: 2 px over the first line's top)
      const slack = 3;
      return { said, inView: at.top >= shown.top - slack && at.bottom <= shown.bottom + slack,
               top: text.scrollTop };
    }
    left -= node.length;
  }
  return { said, inView: false, top: text.scrollTop };
}"""
"""Whether the part of the answer being said is in view, and how far the box has scrolled."""

SCROLLS = """() => {
  window.scrolls = [];
  const scrollTo = Element.prototype.scrollTo;
  Element.prototype.scrollTo = function (options) {
    window.scrolls.push(options.behavior);
    return scrollTo.call(this, options);
  };
}"""
"""Script that keeps how the page scrolls each time it scrolls the answer (``window.scrolls``)."""


def test_a_long_answer_being_said_keeps_the_part_being_said_in_view(
    browser: Browser, screen: Screen, knowledge: Knowledge
) -> None:
    """The visitor read the first lines while the voice was on the last: the answer's box
    follows the reply (smoothly, or at once for one who asks for less motion), until the
    visitor scrolls it themselves; then it is left where they put it, for that reply."""
    longest = max(knowledge.entries, key=lambda entry: len(entry.answer))
    at = 1.0
    for size, motion in ((SIZES[0], "no-preference"), (PORTRAIT, "reduce")):
        page = open_page(browser, screen.url, size, reduced_motion=motion)
        page.evaluate(SCROLLS)
        screen.emit(Heard(at, longest.question, at - 1.0, typed=True))
        screen.emit(Decided(at + 0.1, "answer", longest.id, "", spoken_answer(longest)))
        screen.emit(ReplyStarted(at + 0.2, spoken_answer(longest), 8.0))
        expect(page.locator("body")).to_have_attribute("data-state", "speaking")
        where = f"at {size[0]}x{size[1]}"
        seen = []
        for _ in range(16):
            page.wait_for_timeout(500)
            seen.append(page.evaluate(SAYING_IN_VIEW))
        assert seen[0]["top"] == 0, f"{where}: it starts at the top, {seen[0]}"
        # (the last moments: the box may still be on its way to the reply's last lines)
        missed = [step for step in seen if not step["inView"] and step["said"] < 0.97]
        assert not missed, f"{where}: the part being said went out of view, {missed}"
        assert seen[-1]["top"] > 0, where
        scrolls = page.evaluate("window.scrolls")
        assert scrolls, where
        assert set(scrolls) == ({"auto"} if motion == "reduce" else {"smooth"}), scrolls
        screen.emit(ReplyFinished(at + 8.5))
        at += 10.0

    # Scrolled by the visitor: left there while the reply goes on.
    screen.emit(Heard(at, longest.question, at - 1.0, typed=True))
    screen.emit(Decided(at + 0.1, "answer", longest.id, "", spoken_answer(longest)))
    screen.emit(ReplyStarted(at + 0.2, spoken_answer(longest), 8.0))
    expect(page.locator("body")).to_have_attribute("data-state", "speaking")
    page.locator("#caption").hover()
    page.mouse.wheel(0, 60)
    page.wait_for_timeout(500)
    left = page.evaluate("document.getElementById('caption').scrollTop")
    assert left > 0
    page.wait_for_timeout(5000)
    assert page.evaluate("document.getElementById('caption').scrollTop") == left


def marked(knowledge: Knowledge, *entries: Entry) -> Knowledge:
    """A knowledge of ``entries`` alone, as an operator's FAQ imported from markdown or Word
    writes them."""
    return replace(knowledge, entries=entries)


BIKE = Entry(
    "fix-your-own",
    "When is *Fix Your Own Bike* on?",
    "Our volunteers run *Fix Your Own Bike* every Saturday.\n"
    "\n"
    "- **We can:** brakes, gears and __wheels__\n"
    "* Bring _your own_ lights\n"
    "\n"
    "1. Book online\n"
    "2) Come along ***on time***\n"
    "\n"
    "A repair costs £5 * 2 hours, and a lone * marks a member price.\n"
    "Write to fix_it@bike_hire.example or see /srv/bike_hire/notes_2024.txt or 2*3*4.",
)
TANDEM = Entry("tandem", "Can I hire a **tandem**?", "Yes, _two_ of them.")


def test_an_answer_written_in_markdown_shows_its_emphasis_and_lists_not_their_marks(
    browser: Browser, knowledge: Knowledge, tmp_path: Path
) -> None:
    """Bold, italic and list lines show as the operator meant them, never with their
    asterisks; a "*" or "_" that marks nothing (a price, an e-mail address, a path) stays
    as written. The question above the answer and the did-you-mean's buttons too."""
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    with served(marked(knowledge, BIKE, TANDEM)) as screen:
        page = open_page(browser, screen.url)
        expect(page.locator("#suggestions button")).to_have_text(
            ["When is Fix Your Own Bike on?", "Can I hire a tandem?"]
        )
        screen.emit(Heard(1.0, "when is fix your own bike", 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", BIKE.id, "", spoken_answer(BIKE)))
        text = page.locator("#caption")
        caption(page).to_contain_text("Our volunteers run Fix Your Own Bike every Saturday.")
        expect(page.locator("#title")).to_have_text("When is Fix Your Own Bike on?")
        expect(page.locator("#title em")).to_have_text("Fix Your Own Bike")
        expect(text.locator("strong")).to_have_text(["We can:", "wheels", "on time"])
        expect(text.locator("em")).to_have_text(["Fix Your Own Bike", "your own", "on time"])
        expect(text.locator("ul > li")).to_have_text(
            ["We can: brakes, gears and wheels", "Bring your own lights"]
        )
        expect(text.locator("ol > li")).to_have_text(["Book online", "Come along on time"])
        assert text.locator("ol > li").evaluate_all("(items) => items.map((i) => i.value)") == [
            1,
            2,
        ]
        shown = text.inner_text()
        assert "**" not in shown and "*Fix" not in shown and "__" not in shown
        assert "\n- " not in shown and "\n1." not in shown, "list marks are the list's own"
        assert "A repair costs £5 * 2 hours, and a lone * marks a member price." in shown
        assert "Write to fix_it@bike_hire.example or see /srv/bike_hire/notes_2024.txt" in shown
        assert "or 2*3*4." in shown
        page.screenshot(path=str(shots / "markdown-answer-800x480.png"))

        screen.emit(Heard(5.0, "a bike for two", 4.0, typed=True))
        confirm = f"Did you mean: {TANDEM.question.rstrip('?')}?"
        screen.emit(Decided(5.1, "confirm", TANDEM.id, "", confirm, runner_up=BIKE.id))
        caption(page).to_have_text("Did you mean: Can I hire a tandem?")
        expect(page.locator("#choices button")).to_have_text(["Yes", "No"])
        expect(page.get_by_role("button", name="Yes: Can I hire a tandem?")).to_be_visible()


HOURS = Entry(
    "hours",
    "When are you open?",
    "# Opening hours\n"
    "Open 9 to 5 every day*\n"
    "* except bank holidays\n"
    "\n"
    "## Prices ##\n"
    "- Adults £5\n"
    "- Children \\*free\\*\n"
    "Room #4 is our #1 choice; use the \\_back\\_ door or C:\\my_dir\\_old_.",
)


PAPERS = Entry(
    "papers",
    "What should I bring?",
    "Bring:\n"
    "- proof of who you are\n"
    "  - a passport\n"
    "  - or a driving licence\n"
    "- proof of address\n"
    "  1. a bill\n"
    "  2. a bank statement\n"
    "\n"
    "Then:\n"
    "- sign in",
)


def test_a_list_inside_a_list_s_item_shows_inside_it(
    browser: Browser, knowledge: Knowledge, tmp_path: Path
) -> None:
    """Items indented under another (a Word FAQ's second level, kept on import) showed as
    items of the same list, as if each were a thing to bring: they show in their item."""
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    with served(marked(knowledge, PAPERS)) as screen:
        page = open_page(browser, screen.url)
        screen.emit(Heard(1.0, "what do I bring", 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", PAPERS.id, "", spoken_answer(PAPERS)))
        text = page.locator("#caption")
        caption(page).to_contain_text("Bring:")
        expect(text.locator(":scope > ul > li > ul > li")).to_have_text(
            ["a passport", "or a driving licence"]
        )
        expect(text.locator(":scope > ul > li > ol > li")).to_have_text(
            ["a bill", "a bank statement"]
        )
        outer = text.locator(":scope > ul")
        expect(outer).to_have_count(2)
        expect(outer.nth(0).locator(":scope > li")).to_have_count(2)
        expect(outer.nth(1).locator(":scope > li")).to_have_text(["sign in"])
        inner = text.locator("ul ul li").first.bounding_box()
        first = text.locator(":scope > ul > li").first.bounding_box()
        assert inner is not None and first is not None and inner["x"] > first["x"], "indented"
        page.screenshot(path=str(shots / "nested-list-800x480.png"))


def test_a_page_whose_kiosk_has_gone_no_longer_says_it_is_speaking(
    browser: Browser, knowledge: Knowledge
) -> None:
    """The kiosk stopped in the middle of a reply: 40 s on, the page still said Speaking,
    with a Stop button and a progress bar going on, under a small "Reconnecting" line."""
    entry = knowledge.entries[0]
    with served(knowledge) as screen:
        page = open_page(browser, screen.url)
        screen.emit(Heard(1.0, "how do I get rid of it", 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", entry.id, "", spoken_answer(entry)))
        screen.emit(ReplyStarted(1.2, spoken_answer(entry), 30.0))
        expect(page.locator("#state-word")).to_have_text("Speaking")
        expect(page.locator("#stop")).to_be_enabled()
    expect(page.locator("#notice")).to_have_text("Reconnecting to the kiosk…", timeout=WAIT_MS)
    expect(page.locator("#state-word")).to_have_text("Reconnecting")
    expect(page.locator("#stop")).to_be_disabled()
    assert page.evaluate("document.body.dataset.state") == "offline"


def test_a_kiosk_started_again_shows_its_own_answer_not_the_one_before(
    browser: Browser, knowledge: Knowledge
) -> None:
    """A kiosk started again counts its turns from the start: a page that had watched the
    last one kept that one's answer under the new question of the same number."""
    first, second = knowledge.entries[0], knowledge.entries[1]
    with served(knowledge) as screen:
        page = open_page(browser, screen.url)
        port = int(screen.url.rsplit(":", 1)[1].strip("/"))
        screen.emit(Heard(1.0, first.question, 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", first.id, first.question, spoken_answer(first)))
        caption(page).to_contain_text(first.answer.strip()[:40])
        turn = page.evaluate("document.body.dataset.turn")
    expect(page.locator("#state-word")).to_have_text("Reconnecting", timeout=WAIT_MS)
    with served(knowledge, port=port) as again:
        again.emit(Heard(1.0, second.question, 0.0, typed=True))
        again.emit(Decided(1.1, "answer", second.id, second.question, spoken_answer(second)))
        expect(page.locator("#title")).to_have_text(second.question, timeout=WAIT_MS * 2)
        assert page.evaluate("document.body.dataset.turn") == turn, "the same turn's number"
        caption(page).to_contain_text(second.answer.strip()[:40])
        caption(page).not_to_contain_text(first.answer.strip()[:40])


def test_a_page_opened_part_way_through_a_reply_shows_how_far_it_has_got(
    browser: Browser, screen: Screen, knowledge: Knowledge
) -> None:
    """A page reloaded in the middle of a reply started its progress bar from nothing."""
    entry = knowledge.get("massage-how-often")
    screen.emit(Heard(1.0, entry.question, 0.0, typed=True))
    screen.emit(Decided(1.1, "answer", entry.id, "", spoken_answer(entry)))
    screen.emit(ReplyStarted(1.2, spoken_answer(entry), 20.0))
    time.sleep(5.0)
    page = open_page(browser, screen.url)
    said = page.evaluate(
        """() => {
          const box = document.getElementById("caption-box");
          return parseFloat(getComputedStyle(box, "::after").width) / box.clientWidth;
        }"""
    )
    assert 0.2 <= said <= 0.5, f"{said:.0%} of the bar"


NOT_RESPONDING = "The kiosk is not responding. Reconnecting…"


@contextmanager
def screen_alone() -> Iterator[tuple[subprocess.Popen[str], str, queue.Queue[str]]]:
    """The screen's real server in a process of its own (``screen_alone.py``), showing an
    answer being said, its page's address, and the lines it prints after (how many pages it
    holds places for, "watching 1")."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("screen_alone.py"))],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    stdout = process.stdout
    assert stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    try:
        yield process, lines.get(timeout=60).strip(), lines
    finally:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        process.wait(30)


def test_a_page_whose_kiosk_is_frozen_says_it_is_not_responding_within_10_s(
    browser: Browser,
) -> None:
    """A kiosk stopped (SIGSTOP) holds its connections open and sends nothing: the page went
    on saying Speaking for 33 s before it noticed. Held up for a few seconds, as on a busy
    Pi, the page shows nothing amiss; stopped, it says the kiosk is not responding within
    10 s; and once the kiosk goes on, it shows it again by itself."""
    with screen_alone() as (process, url, _):
        page = open_page(browser, url)
        state, notice = page.locator("#state-word"), page.locator("#notice")
        expect(state).to_have_text("Speaking")
        page.wait_for_timeout(7000)  # the server's alives come, and the page minds none
        process.send_signal(signal.SIGSTOP)
        time.sleep(2.5)  # a busy moment
        process.send_signal(signal.SIGCONT)
        page.wait_for_timeout(5000)
        assert seen_states(page) == ["speaking"], "no false alarm"
        expect(notice).to_be_empty()

        process.send_signal(signal.SIGSTOP)
        stopped = time.monotonic()
        expect(state).to_have_text("Reconnecting", timeout=10_000)
        expect(notice).to_have_text(NOT_RESPONDING)
        expect(page.locator("#stop")).to_be_disabled()
        assert time.monotonic() - stopped <= 10.5
        page.wait_for_timeout(10_000)  # it tries again, and goes on saying so
        expect(notice).to_have_text(NOT_RESPONDING)

        process.send_signal(signal.SIGCONT)
        expect(state).to_have_text("Speaking", timeout=10_000)
        expect(notice).to_be_empty()
        expect(page.locator("#stop")).to_be_enabled()


def test_a_long_freeze_leaves_the_kiosk_one_place_held_per_page(browser: Browser) -> None:
    """While the kiosk is frozen, its page gives up on a connection every 7.5 s and opens
    another. The ones it gave up on waited for the kiosk all the same, and once it went on
    each held one of the places for pages (100 of them) until the kiosk next wrote to it:
    a long freeze, or many pages, could take them all. A page that has gone holds none."""
    with screen_alone() as (process, url, lines):
        page = open_page(browser, url)
        expect(page.locator("#state-word")).to_have_text("Speaking")
        process.send_signal(signal.SIGSTOP)
        page.wait_for_timeout(24_000)  # the page tries again three times
        held = [int(lines.get_nowait().split()[1]) for _ in range(lines.qsize())]
        assert held[-1:] == [1], "the page's place, before the freeze"
        process.send_signal(signal.SIGCONT)
        expect(page.locator("#state-word")).to_have_text("Speaking", timeout=10_000)
        page.wait_for_timeout(4_000)  # longer than the kiosk takes to write to a page
        held = [held[-1], *(int(lines.get_nowait().split()[1]) for _ in range(lines.qsize()))]
        assert max(held) == held[-1] == 1, f"places held once the kiosk went on: {held}"


RULES = Entry(
    "rules",
    "What are the rules?",
    "Please:\n" + "\n".join(f"{n}. Rule number {n}." for n in range(1, 13)),
)


def test_a_long_numbered_list_shows_its_numbers_whole_and_a_tapped_button_its_colour(
    browser: Browser, knowledge: Knowledge
) -> None:
    """Items 10 and on showed as "0." and "1." (the list's margin held one digit), and on a
    touch screen the Ask button, once tapped, stayed as grey as a disabled button: the next
    visitor might think they could not ask."""
    with served(marked(knowledge, RULES)) as screen:
        page = open_page(browser, screen.url, has_touch=True)
        colour = "(node) => getComputedStyle(node).backgroundColor"
        ask = page.locator("#ask button")
        before = ask.evaluate(colour)
        page.locator("#question").fill("what are the rules")
        ask.tap()
        screen.emit(Heard(1.0, "what are the rules", 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", RULES.id, "", spoken_answer(RULES)))
        caption(page).to_contain_text("Rule number 1.")
        assert ask.evaluate(colour) == before, "as before the tap"
        items = page.locator("#caption ol > li")
        expect(items).to_have_count(12)
        room, widest = items.nth(11).evaluate(
            """(item) => {
                const context = document.createElement("canvas").getContext("2d");
                context.font = getComputedStyle(item).font;
                return [parseFloat(getComputedStyle(item.parentNode).paddingLeft),
                        context.measureText("12. ").width];
            }"""
        )
        assert room >= widest, (room, widest)


def test_an_answer_s_headings_footnotes_and_escaped_marks_show_as_written_text(
    browser: Browser, knowledge: Knowledge, tmp_path: Path
) -> None:
    """Headings showed their "#" marks, a footnote ("* except bank holidays" under "every
    day*") showed as a list of one, and an escaped mark ("\\*") its backslash: headings
    show as headings, the footnote and the marks as written; a "#" that starts no heading
    and a path's backslashes stay. Speech reads the same lines."""
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    with served(marked(knowledge, HOURS)) as screen:
        page = open_page(browser, screen.url)
        screen.emit(Heard(1.0, "when are you open", 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", HOURS.id, "", spoken_answer(HOURS)))
        text = page.locator("#caption")
        caption(page).to_contain_text("Open 9 to 5 every day*")
        expect(text.locator("h2")).to_have_text("Opening hours")
        expect(text.locator("h3")).to_have_text("Prices")
        expect(text.locator("li")).to_have_text(["Adults £5", "Children *free*"])
        expect(text.locator("em")).to_have_count(0)
        shown = text.inner_text()
        assert "Open 9 to 5 every day*\n* except bank holidays" in shown
        assert "Room #4 is our #1 choice; use the _back_ door or C:\\my_dir\\_old_." in shown
        assert "# " not in shown and "\\*" not in shown and "\\_back" not in shown
        heading = text.locator("h2").evaluate(
            "(node) => [getComputedStyle(node).fontSize, getComputedStyle(node.parentNode).fontSize]"
        )
        assert float(heading[0].removesuffix("px")) <= 1.2 * float(heading[1].removesuffix("px"))
        page.screenshot(path=str(shots / "headings-and-footnote-800x480.png"))
    said = spoken_answer(HOURS)
    assert said.startswith("Opening hours. Open 9 to 5 every day. Except bank holidays. Prices.")
    assert not set(said) & set("#*\\_")


def test_markup_inside_emphasis_is_shown_as_text_and_never_run(
    browser: Browser, knowledge: Knowledge
) -> None:
    """An answer's HTML is text on the page, inside emphasis and list items too."""
    hostile = Entry(
        "hostile",
        "Is *<b>this</b>* safe?",
        '**<img src=x onerror="window.pwned = 1">**\n'
        "- _<script>window.pwned = 2</script>_\n"
        "1. *<a href=javascript:alert(1)>tap</a>*",
    )
    with served(marked(knowledge, hostile)) as screen:
        page = open_page(browser, screen.url)
        screen.emit(Heard(1.0, "is this safe", 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", hostile.id, "", spoken_answer(hostile)))
        text = page.locator("#caption")
        expect(text.locator("strong")).to_have_text('<img src=x onerror="window.pwned = 1">')
        expect(text.locator("ul > li em")).to_have_text("<script>window.pwned = 2</script>")
        expect(text.locator("ol > li em")).to_have_text("<a href=javascript:alert(1)>tap</a>")
        expect(page.locator("#title em")).to_have_text("<b>this</b>")
        assert page.locator("#caption img, #caption script, #caption a, #title b").count() == 0
        assert page.evaluate("window.pwned") is None


def test_while_a_new_question_is_thought_about_the_last_answer_is_dimmed(
    browser: Browser, screen: Screen, knowledge: Knowledge
) -> None:
    """Between a new question and its reply, the answer on screen is the last question's:
    it is dimmed, so "You asked" above it is not read as its question; the new reply is not."""
    entry, other = knowledge.get("massage-how-often"), knowledge.get("dangerous")
    page = open_page(browser, screen.url)
    box = page.locator("#caption-box")
    screen.emit(Heard(1.0, "how often should I massage a knot", 0.0, typed=True))
    screen.emit(Decided(1.1, "answer", entry.id, "", spoken_answer(entry)))
    caption(page).to_contain_text(entry.answer.strip()[:60])
    expect(box).to_have_css("opacity", "1")
    screen.emit(ReplyFinished(10.0))
    screen.emit(Heard(20.0, "can a knot be dangerous", 19.0, typed=True))
    expect(page.locator("body")).to_have_attribute("data-state", "thinking")
    expect(box).not_to_have_css("opacity", "1")
    expect(box).to_have_attribute("aria-busy", "true")
    screen.emit(Decided(20.1, "answer", other.id, "", spoken_answer(other)))
    caption(page).to_contain_text(other.answer.strip()[:60])
    expect(page.locator("body")).to_have_attribute("data-state", "thinking")
    expect(box).to_have_css("opacity", "1")
    expect(box).to_have_attribute("aria-busy", "false")


def test_a_question_sent_from_a_touch_screen_lets_its_keyboard_go(
    browser: Browser, screen: Screen, words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    """On the touch display the on-screen keyboard stays up while the box has the focus,
    over half of the screen: once the question is sent the box lets go of it, so the answer
    has the screen. With a keyboard of its own, the box keeps it for the next question."""
    entry = knowledge.get("massage-how-often")
    kiosk = typed_kiosk(screen, Dialogue(words), synthesizer)
    try:
        for touch in (True, False):
            page = open_page(browser, screen.url, has_touch=touch)
            box = page.locator("#question")
            if touch:
                box.tap()
            else:
                box.click()
            page.keyboard.type("how often should you massage a knot")
            page.keyboard.press("Enter")
            expect(box).to_have_value("", timeout=WAIT_MS)
            caption(page).to_contain_text(entry.answer.strip()[:60], timeout=WAIT_MS)
            if touch:
                expect(box).not_to_be_focused()
            else:
                expect(box).to_be_focused()
            page.close()
    finally:
        kiosk.close()


def test_an_answer_still_shows_above_an_on_screen_keyboard(
    browser: Browser, screen: Screen, knowledge: Knowledge, tmp_path: Path
) -> None:
    """An on-screen keyboard that resizes the page leaves 800x280 of the Pi's display: the
    answer keeps at least two lines there, and the box stays on screen."""
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    entry = max(knowledge.entries, key=lambda entry: len(entry.answer))
    page = open_page(browser, screen.url, (800, 280), has_touch=True)
    screen.emit(Heard(1.0, entry.question, 0.0, typed=True))
    screen.emit(Decided(1.1, "answer", entry.id, "", spoken_answer(entry)))
    caption(page).to_contain_text(entry.answer.strip()[:60])
    page.locator("#question").focus()
    page.screenshot(path=str(shots / "keyboard-up-800x280.png"))
    seen = page.evaluate(
        """() => {
          const text = document.getElementById("caption");
          const line = parseFloat(getComputedStyle(text).lineHeight);
          const box = document.getElementById("question").getBoundingClientRect();
          return { lines: text.clientHeight / line, box: box.bottom <= window.innerHeight };
        }"""
    )
    assert seen["lines"] >= 2, f"{seen['lines']:.1f} lines of the answer show"
    assert seen["box"], "the box is on screen"


def test_a_question_the_kiosk_takes_but_never_shows_is_said_to_be_unanswered(
    browser: Browser, screen: Screen
) -> None:
    """The server takes the question but the kiosk's loop is stuck (here: none runs): the
    visitor is told, not left looking at a cleared box."""
    page = open_page(browser, screen.url, has_touch=True)
    page.locator("#question").fill("how often should you massage a knot")
    page.locator("#question").press("Enter")
    assert screen.inbox.arrived.wait(WAIT_MS / 1000), "the server took it"
    expect(page.locator("#notice")).to_be_empty()
    expect(page.locator("#notice")).to_have_text(
        "The kiosk is not answering. Please try again in a moment.", timeout=WAIT_MS
    )


def test_a_question_the_browser_cannot_send_is_said_to_be_unanswered(
    browser: Browser, screen: Screen
) -> None:
    """With six of the kiosk's pages open in one browser, each holding a connection to it,
    a question typed in one was never sent (the browser's six connections to a site were
    all held), and the page waited for it without a word."""
    context = browser.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    try:
        pages = [context.new_page() for _ in range(6)]
        for page in pages:
            page.goto(screen.url)
            page.wait_for_selector("body[data-turn]", timeout=WAIT_MS)
        asking = pages[0]
        asking.locator("#question").fill("how often should you massage a knot")
        asking.locator("#question").press("Enter")
        expect(asking.locator("#notice")).to_have_text(
            "The kiosk is not answering. Please try again in a moment.", timeout=15_000
        )
        expect(asking.locator("#question")).to_have_value("how often should you massage a knot")
        assert not screen.inbox.arrived.is_set()
    finally:
        context.close()


def test_a_reply_that_comes_before_the_server_says_it_took_the_question_is_not_unanswered(
    browser: Browser, screen: Screen, knowledge: Knowledge
) -> None:
    """The page hears from the kiosk and from the server on two connections: the answer
    can come first. It stays the answer, with no "not answering" under it 10 s later."""
    entry = knowledge.get("massage-how-often")
    page = browser.new_page(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    page.clock.install()
    page.goto(screen.url)
    page.wait_for_selector("body[data-turn]", timeout=WAIT_MS)

    def answered_first(route: Any) -> None:
        taken = route.fetch()
        screen.emit(Heard(1.0, entry.question, 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", entry.id, "", spoken_answer(entry)))
        time.sleep(1.0)  # the page has the answer before the server's word
        route.fulfill(response=taken)

    page.route("**/ask", answered_first)
    page.locator("#question").fill(entry.question)
    page.locator("#question").press("Enter")
    caption(page).to_contain_text(entry.answer.strip()[:60])
    expect(page.locator("#question")).to_have_value("", timeout=WAIT_MS)
    page.clock.run_for(15_000)
    expect(page.locator("#notice")).to_be_empty()
    caption(page).to_contain_text(entry.answer.strip()[:60])


def test_a_question_sent_to_a_slow_kiosk_is_sent_once_and_what_is_typed_meanwhile_kept(
    browser: Browser, screen: Screen
) -> None:
    """The box kept a question until the kiosk took it: typed on, "where are knots" became
    "where are knotshow often", then all of it was wiped; a second Enter sent it twice. Not
    taken, it is the visitor's still."""
    page = open_page(browser, screen.url)
    held: list[Any] = []
    page.route("**/ask", lambda route: held.append(route))
    box = page.locator("#question")
    box.fill("where are knots")
    box.press("Enter")
    expect(box).to_have_value("")
    box.press("Enter")  # nothing left to send
    box.press_sequentially("how often")
    page.wait_for_timeout(300)
    assert [json.loads(route.request.post_data)["text"] for route in held] == ["where are knots"]
    held[0].continue_()
    page.wait_for_timeout(300)
    expect(box).to_have_value("how often")
    assert len(held) == 1
    page.unroute("**/ask")
    page.route(
        "**/ask",
        lambda route: route.fulfill(status=503, json={"error": "The kiosk is busy."}),
    )
    box.fill("where are knots")
    box.press("Enter")
    expect(page.locator("#notice")).to_have_text("The kiosk is busy.")
    expect(box).to_have_value("where are knots")


def test_the_screen_is_cleared_for_the_next_visitor_once_nothing_happens(
    browser: Browser, knowledge: Knowledge
) -> None:
    """The last visitor's question and answer stay up to be read, then give way to the
    questions to try by themselves (a kiosk's page is never reloaded by hand); not while a
    reply is still being said."""
    entry = knowledge.get("massage-how-often")
    best, other = knowledge.get("release-effect"), knowledge.get("self-release")
    confirm = f"Did you mean: {best.question.rstrip('?')}?"
    with served(knowledge, rest_seconds=1.5) as screen:
        page = open_page(browser, screen.url)
        screen.emit(Heard(1.0, "how often should I massage a knot", 0.0, typed=True))
        screen.emit(Decided(1.1, "answer", entry.id, "", spoken_answer(entry)))
        screen.emit(ReplyStarted(1.2, spoken_answer(entry), 60.0))
        caption(page).to_contain_text(entry.answer.strip()[:60])
        # A question half typed and left: the next visitor found it in the box.
        page.locator("#question").fill("i found a lump in my neck and i am scared it is")
        page.evaluate("typedAt = performance.now() - 120000")  # typed two minutes ago
        time.sleep(3.0)  # longer than the rest, but the reply is still being said
        caption(page).to_contain_text(entry.answer.strip()[:60])
        screen.emit(ReplyFinished(61.2))
        expect(page.locator("#try")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#caption-box")).to_be_hidden()
        expect(page.locator("#heard-line")).to_be_hidden()
        expect(page.locator("#question")).to_have_value("")

        # A did-you-mean left unanswered goes too, and a page opened later starts afresh.
        screen.emit(Heard(70.0, "how do I press out a knot myself", 69.0))
        screen.emit(Decided(70.1, "confirm", best.id, "", confirm, runner_up=other.id))
        screen.emit(ReplyFinished(73.0))
        expect(page.locator("#choices button")).to_have_count(2)
        page.locator("#question").fill("where is the")  # a visitor typing now keeps theirs
        expect(page.locator("#choices")).to_be_hidden(timeout=WAIT_MS)
        expect(page.locator("#try")).to_be_visible()
        page.wait_for_timeout(1500)
        expect(page.locator("#question")).to_have_value("where is the")
        # ... until they leave it: it was kept for the visitor after them
        page.evaluate("typedAt = performance.now() - 120000")
        expect(page.locator("#question")).to_have_value("", timeout=WAIT_MS)
        later = open_page(browser, screen.url)
        expect(later.locator("#caption-box")).to_be_hidden()
        expect(later.locator("#try")).to_be_visible()


# --- bad input ------------------------------------------------------------------------------


@contextmanager
def elsewhere() -> Iterator[str]:
    """Another site: a page served from another loopback port."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><title>elsewhere</title><p>another site</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def watch_in_bulk(screen: Screen, count: int, wanted: str, ready: threading.Event) -> list[int]:
    """``count`` pages watching the events at once (from a thread of their own); for each,
    how many views it got until one showed ``wanted``. ``ready`` is set once all watch."""

    async def one(session: aiohttp.ClientSession) -> int:
        views = 0
        async with session.get(screen.url + "events") as response:
            assert response.status == 200
            kind = b""
            async for line in response.content:
                if line.startswith(b"event: "):
                    kind = line[7:].strip()
                if line.startswith(b"data: ") and kind == b"view":
                    views += 1
                    if wanted in json.loads(line[6:])["reply"]:
                        return views
        return -1

    async def all_of_them() -> list[int]:
        timeout = aiohttp.ClientTimeout(total=WAIT_MS / 1000 * 2)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            before = screen.hub.watching
            tasks = [asyncio.create_task(one(session)) for _ in range(count)]
            async with asyncio.timeout(WAIT_MS / 1000):
                while screen.hub.watching < before + count:
                    await asyncio.sleep(0.02)
            ready.set()
            return list(await asyncio.gather(*tasks))

    return asyncio.run(all_of_them())


def test_bad_input_never_stops_the_kiosk(
    browser: Browser, screen: Screen, words: Matcher, synthesizer: Synthesizer, knowledge: Knowledge
) -> None:
    entry = knowledge.get("massage-how-often")
    page = open_page(browser, screen.url)
    kiosk = typed_kiosk(screen, Dialogue(words), synthesizer)
    box = page.locator("#question")
    notice = page.locator("#notice")
    try:
        # 10,000 characters: the box takes 500; sent anyway, the kiosk says it is too long.
        box.fill("k" * 10_000)
        assert len(box.input_value()) == MAX_QUESTION_CHARS
        page.evaluate(
            "(text) => { document.getElementById('question').value = text; }", "k" * 10_000
        )
        box.press("Enter")
        expect(notice).to_contain_text("too long", timeout=WAIT_MS)
        expect(notice).to_contain_text(f"at most {MAX_QUESTION_CHARS} characters")

        # An empty question is not sent at all.
        box.fill("    ")
        box.press("Enter")
        expect(box).to_be_focused()

        # Markup is shown as text and never run.
        markup = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'
        box.fill(markup)
        box.press("Enter")
        expect(page.locator("#heard")).to_have_text(markup, timeout=WAIT_MS)
        assert page.evaluate("window.pwned") is None
        assert page.locator("#heard *, #caption *").count() == 0
        expect(notice).to_be_empty()

        # A page of another site (another port on this machine) cannot post a question.
        other = browser.new_page()
        with elsewhere() as url:
            other.goto(url)
        sent = other.evaluate(
            """async (url) => {
              const body = JSON.stringify({ text: "what happens when you release a knot" });
              const plain = await fetch(url, { method: "POST", mode: "no-cors", body,
                headers: { "Content-Type": "text/plain" } }).then(() => "sent", () => "failed");
              const asJson = await fetch(url, { method: "POST", body,
                headers: { "Content-Type": "application/json" } }).then(
                  (r) => String(r.status), () => "failed");
              return [plain, asJson];
            }""",
            screen.url + "ask",
        )
        assert sent == ["sent", "failed"], "the browser sends the first; the server refuses it"
        other.close()

        # Fifty pages watching at once, and a few tabs: the kiosk answers all the same.
        tabs = [open_page(browser, screen.url) for _ in range(3)]
        connected = threading.Event()
        counts: list[list[int]] = []
        watchers = threading.Thread(
            target=lambda: counts.append(
                watch_in_bulk(screen, 50, entry.answer.strip()[:40], connected)
            ),
            daemon=True,
        )
        watchers.start()
        assert connected.wait(WAIT_MS / 1000)
        box.fill("how often should you massage a knot")
        box.press("Enter")
        caption(page).to_contain_text(entry.answer.strip()[:60], timeout=WAIT_MS)
        for tab in tabs:
            caption(tab).to_contain_text(entry.answer.strip()[:60], timeout=WAIT_MS)
        watchers.join(WAIT_MS / 1000 * 2)
        assert counts and len(counts[0]) == 50 and min(counts[0]) > 0, counts
        assert screen.hub.dropped == 0
        heard = [e.text for e in screen.events if isinstance(e, Heard)]
        assert heard == [markup, "how often should you massage a knot"], "nothing else got in"
        assert kiosk.running()
    finally:
        kiosk.close()


def test_the_report_page_draws_its_chart_at_both_sizes(
    browser: Browser, knowledge: Knowledge, tmp_path: Path
) -> None:
    journal = Journal(tmp_path / "log")
    for decision, count in (("answer", 7), ("confirm", 2), ("reject", 3)):
        for _ in range(count):
            journal.write({"heard": f"a question to {decision}", "decision": decision})
    shots = Path(os.environ.get("KNOTVOICE_SCREENSHOTS") or tmp_path / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    refused: list[str] = []
    with served(knowledge, tmp_path / "log") as screen:
        for width, height in SIZES:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda message: refused.append(message.text))
            page.goto(screen.url + "report")
            drawn = page.evaluate(
                """() => ({
                  bars: [...document.querySelectorAll("svg.chart rect")]
                    .map((bar) => bar.getBoundingClientRect().height),
                  wide: document.documentElement.scrollWidth,
                  paper: getComputedStyle(document.body).backgroundColor,
                })"""
            )
            assert len(drawn["bars"]) == 3 and min(drawn["bars"]) > 0, "a part per decision"
            assert drawn["wide"] <= width, "nothing runs off the side"
            assert drawn["paper"] == "rgb(0, 0, 0)", "its style sheet is served and allowed"
            assert not refused, refused
            page.screenshot(path=str(shots / f"report-{width}x{height}.png"), full_page=True)
            page.close()


def test_the_report_page_fits_a_long_question_not_answered(
    browser: Browser, knowledge: Knowledge, tmp_path: Path
) -> None:
    """A visitor's question of 300 characters with no space in it (a child at the keyboard)
    wraps in its cell: the report stays as wide as the screen, its command column readable."""
    journal = Journal(tmp_path / "log")
    journal.write({"heard": "k" * 300, "decision": "reject", "closest": "massage-how-often"})
    journal.write({"heard": "is there parking nearby", "decision": "reject", "closest": "causes"})
    with served(knowledge, tmp_path / "log") as screen:
        page = browser.new_page(viewport={"width": 800, "height": 480})
        page.goto(screen.url + "report")
        drawn = page.evaluate(
            """() => ({
              wide: document.documentElement.scrollWidth,
              command: Math.min(...[...document.querySelectorAll("td code")]
                .map((code) => code.closest("td").getBoundingClientRect().width)),
            })"""
        )
        page.close()
    assert drawn["wide"] <= 800, "nothing runs off the side"
    assert drawn["command"] >= 120, "the command to add a question is readable"


def test_the_report_page_breaks_a_command_only_between_its_words(
    browser: Browser, knowledge: Knowledge, tmp_path: Path
) -> None:
    """At 800 px the command beside a question broke inside its file's path
    ("/srv/.../farm" and "shop.yaml" on two lines): pasted from the page, it named no file.
    A command wraps between its words, and a word too long for its cell scrolls in it."""
    journal = Journal(tmp_path / "log")
    path = "/srv/knotvoice/farm-shop-and-tea-room/knowledge/farmshop-2026.yaml"
    for question in ("can I bring my dog", "k" * 300):
        turn = {"heard": question, "decision": "reject", "closest": "massage-how-often"}
        journal.write({**turn, "knowledge_file": path})
    with served(knowledge, tmp_path / "log") as screen:
        page = browser.new_page(viewport={"width": 800, "height": 480})
        page.goto(screen.url + "report")
        drawn = page.evaluate(
            """() => ({
              wide: document.documentElement.scrollWidth,
              commands: [...document.querySelectorAll("td code")].map((code) => {
                // each character where it is: its text node and its place in it
                const places = [];
                const walk = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
                while (walk.nextNode()) {
                  for (let at = 0; at < walk.currentNode.data.length; at += 1) {
                    places.push([walk.currentNode, at]);
                  }
                }
                const words = [];
                let at = 0;
                for (const word of code.textContent.split(" ")) {
                  const lines = new Set();
                  for (const [node, offset] of places.slice(at, at + word.length)) {
                    const range = document.createRange();
                    range.setStart(node, offset);
                    range.setEnd(node, offset + 1);
                    for (const rect of range.getClientRects()) lines.add(Math.round(rect.top));
                  }
                  words.push([word, lines.size]);
                  at += word.length + 1;
                }
                return words;
              }),
            })"""
        )
        page.close()
    assert drawn["wide"] <= 800, "nothing runs off the side"
    commands = [" ".join(word for word, _ in command) for command in drawn["commands"]]
    assert f"knotvoice knowledge add massage-how-often 'can I bring my dog' {path}" in commands
    broken = [word for command in drawn["commands"] for word, lines in command if lines > 1]
    assert broken == []
