"""The kiosk's screen without a browser: the inbox, the view the pages get, the server's
limits, and the real kiosk loop answering what the screen sends."""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from knotvoice.cli import main
from knotvoice.errors import KnotvoiceError
from knotvoice.journal import STALE_SECONDS, Journal, Status, read_status
from knotvoice.kiosk.events import (
    Decided,
    Event,
    Failed,
    Heard,
    Listening,
    Partial,
    ReplyFinished,
    ReplyStarted,
    SpeechStarted,
)
from knotvoice.kiosk.inbox import Ask, Choice, Choose, Inbox, InboxFull, Stop
from knotvoice.kiosk.logbook import Logbook
from knotvoice.kiosk.quiet import Deaf, Mute, NoMicrophone
from knotvoice.knowledge import Entry, Knowledge
from knotvoice.lang import english
from knotvoice.match import Candidate, Decision, Match
from knotvoice.match.matcher import Matcher
from knotvoice.report import Tally
from knotvoice.screen import server as server_module
from knotvoice.screen.hub import (
    MAX_WATCHERS,
    QUEUE,
    REST_SECONDS,
    Hub,
    Option,
    State,
    View,
    suggestions,
    updated,
)
from knotvoice.screen.server import (
    MAX_CONNECTIONS,
    MAX_QUESTION_CHARS,
    REPORT_SECONDS,
    ScreenServer,
    beside,
)
from knotvoice.settings import ScreenSettings, SettingsError, build_settings
from knotvoice.speech.reply import reply_text
from knotvoice.speech.tts import Synthesizer
from knotvoice.turn import NEXT_VISITOR_SECONDS, Dialogue
from screen_pages import Kiosk

# --- the inbox ------------------------------------------------------------------------------


def test_the_inbox_hands_over_items_in_order_and_refuses_a_flood() -> None:
    inbox = Inbox(limit=3)
    inbox.put(Ask("where is the knot"))
    inbox.put(Choose(Choice.OTHER))
    inbox.put(Stop())
    with pytest.raises(InboxFull):
        inbox.put(Ask("one too many"))
    assert inbox.take() == Ask("where is the knot")
    assert inbox.take() == Choose(Choice.OTHER)
    assert inbox.take() == Stop()
    assert inbox.take() is None


@pytest.mark.parametrize("item", [None, "yes", Ask("   "), Ask(42), Choose("maybe")])  # type: ignore[arg-type]
def test_the_inbox_takes_only_well_formed_items(item: Any) -> None:
    inbox = Inbox()
    with pytest.raises(TypeError):
        inbox.put(item)
    assert len(inbox) == 0


def test_a_waiting_item_cuts_a_reply_and_a_stop_is_used_up() -> None:
    inbox = Inbox()
    assert not inbox.poll()
    inbox.put(Stop())
    assert inbox.poll() and not inbox.poll(), "a stop cuts one reply"
    inbox.put(Ask("how do I treat a knot"))
    assert inbox.poll() and inbox.poll(), "a question waits for the loop to take it"
    assert inbox.take() == Ask("how do I treat a knot")
    # a thanks typed while the answer is said waits for its end: it cut the answer short
    for thanks in ("thanks", "got it", "Cool!"):
        inbox.put(Ask(thanks))
        assert not inbox.poll()
        assert inbox.take() == Ask(thanks)
    inbox.put(Ask("thanks"))
    inbox.put(Ask("and how long does it last"))
    assert inbox.poll(), "a question behind it cuts the reply"


def test_a_choice_is_said_in_the_dialogues_own_words() -> None:
    from knotvoice.turn import command_of

    for choice in Choice:
        assert command_of(Choose(choice).text) == str(choice)


# --- what the page shows --------------------------------------------------------------------


def test_the_view_follows_a_turn_through_its_states(knowledge: Knowledge) -> None:
    view = View()
    states = []
    for event in (
        Listening(0.0),
        SpeechStarted(1.0),
        Partial(1.5, "how often"),
        Heard(2.0, "how often should you massage a knot", 1.0),
        Decided(2.1, "answer", "massage-how-often", "how often", "For the best results..."),
        ReplyStarted(2.2, "For the best results...", 9.5),
        ReplyFinished(11.7),
    ):
        view = updated(view, event, knowledge)
        states.append(view.state)
        if isinstance(event, Partial):
            assert view.heard == "how often" and view.hearing
    assert states == ["idle", "listening", "listening", "thinking", "thinking", "speaking", "idle"]
    entry = knowledge.get("massage-how-often")
    assert view.heard == "how often should you massage a knot" and not view.hearing
    assert (view.kind, view.title, view.reply) == ("answer", entry.question, entry.answer.strip())
    assert view.turn == 1


def test_a_did_you_mean_offers_yes_and_no_as_the_voice_asks(knowledge: Knowledge) -> None:
    """Between two entries, the voice asks of the first alone ("Did you mean ...?"), and of
    the other after a no: the screen showed a third button for it, which the voice never
    named. It asks the same as the voice, and the other entry comes after a no."""
    decided = Decided(
        1.0,
        "confirm",
        "release-effect",
        "press out a knot",
        "Did you mean: What happens when you release a muscle knot?",
        runner_up="self-release",
    )
    view = updated(View(), decided, knowledge)
    assert view.kind == "confirm"
    assert [(str(o.choice), o.question) for o in view.options] == [
        ("yes", knowledge.get("release-effect").question),
        ("no", ""),
    ]
    other = knowledge.get("self-release")
    then = Decided(4.0, "confirm", other.id, "no", f"Then did you mean: {other.question}")
    assert [(str(o.choice), o.question) for o in updated(view, then, knowledge).options] == [
        ("yes", other.question),
        ("no", ""),
    ]
    # Its spoken "stop" is not a question; a stop decision stops the voice and leaves the
    # choice open, as the dialogue does (its buttons went, and a yes then answered nothing).
    speaking = updated(view, ReplyStarted(1.1, decided.answer, 3.0), knowledge)
    assert updated(speaking, Heard(1.5, "stop", 1.2, accepted=False), knowledge) is speaking
    stopped = updated(view, Decided(5.0, "stop"), knowledge)
    assert stopped.options == view.options and stopped.state is State.IDLE
    # typed, it is not shown as the question the did-you-mean asks back
    typed_stop = updated(view, Heard(6.0, "stop", 5.9, typed=True), knowledge)
    assert typed_stop.heard == "stop"
    assert updated(typed_stop, Decided(6.1, "stop", question="stop"), knowledge).heard == view.heard
    # a goodbye forgets the did-you-mean, and the screen is the next visitor's
    left = updated(view, Decided(7.0, "stop", question="bye"), knowledge)
    assert (left.options, left.reply, left.heard) == ((), "", "")
    assert left.suggestions == suggestions(knowledge)


def test_a_reply_nothing_says_aloud_is_shown_not_spoken(knowledge: Knowledge) -> None:
    """With no sound device the page said "Speaking" (with Stop and a progress bar) for as
    long as the reply would have lasted: a reply nothing plays, or one the speaker could
    not play, is shown, and the kiosk idle; the next reply said aloud is again."""
    decided = Decided(1.0, "answer", "massage-how-often", "how often", "For the best results...")
    view = updated(View(), decided, knowledge)
    assert view.aloud
    shown = updated(view, ReplyStarted(1.1, decided.answer, 9.5, aloud=False), knowledge)
    assert (shown.state, shown.seconds, shown.aloud) == (State.IDLE, 0.0, False)
    assert updated(shown, ReplyFinished(1.2), knowledge).aloud is False
    failed = updated(view, Failed(1.1, "speaker", "no output device"), knowledge)
    assert (failed.state, failed.aloud, failed.reply) == (State.IDLE, False, view.reply)
    # a speaker that fails part-way said some of it
    speaking = updated(view, ReplyStarted(1.1, decided.answer, 9.5), knowledge)
    assert updated(speaking, Failed(3.0, "speaker", "unplugged"), knowledge).aloud
    again = updated(updated(shown, decided, knowledge), ReplyStarted(9.0, "For...", 9.5), knowledge)
    assert (again.state, again.aloud) == (State.SPEAKING, True)


def test_a_page_opened_part_way_through_a_reply_is_told_how_much_was_said(
    knowledge: Knowledge,
) -> None:
    decided = Decided(1.0, "answer", "massage-how-often", "how often", "For the best results...")
    view = updated(updated(View(), decided, knowledge), ReplyStarted(1.1, "For...", 9.5), knowledge)
    assert view.to_dict()["elapsed"] < 1.0
    later = replace(view, since=view.since - 4.0)  # 4 s on
    assert 4.0 <= later.to_dict()["elapsed"] < 5.0
    assert "since" not in later.to_dict()
    assert updated(later, ReplyFinished(10.6), knowledge).to_dict()["elapsed"] == 0.0


def test_the_page_gets_an_answers_emphasis_and_lists_without_their_marks(
    knowledge: Knowledge,
) -> None:
    """An answer imported from markdown or Word showed "- **We can:** ..." with its
    asterisks: the page now gets its lines with their emphasis and list marks taken for
    what they mark, and the buttons' questions without them; a price's "*" stays."""
    bike = Entry("bike", "When is *Fix Your Own Bike* on?", "- **We can:** brakes\n£5 * 2")
    tandem = Entry("tandem", "Can I hire a **tandem**?", "Yes.")
    marked = replace(knowledge, entries=(bike, tandem))
    answer = updated(View(), Decided(1.0, "answer", "bike", "", "We can brakes."), marked)
    shown = json.loads(json.dumps(answer.to_dict()))  # as the page gets it
    assert (shown["title"], shown["reply"]) == (bike.question, bike.answer)
    assert shown["title_spans"] == [
        {"text": "When is ", "strong": False, "emphasis": False},
        {"text": "Fix Your Own Bike", "strong": False, "emphasis": True},
        {"text": " on?", "strong": False, "emphasis": False},
    ]
    assert shown["reply_lines"] == [
        {
            "spans": [
                {"text": "We can:", "strong": True, "emphasis": False},
                {"text": " brakes", "strong": False, "emphasis": False},
            ],
            "bullet": True,
            "number": None,
            "heading": 0,
            "depth": 0,
        },
        {
            "spans": [{"text": "£5 * 2", "strong": False, "emphasis": False}],
            "bullet": False,
            "number": None,
            "heading": 0,
            "depth": 0,
        },
    ]
    confirm = Decided(
        2.0,
        "confirm",
        "bike",
        "",
        "Did you mean: When is Fix Your Own Bike on?",
        runner_up="tandem",
    )
    asked = updated(answer, confirm, marked).to_dict()
    assert [option["question"] for option in asked["options"]] == [
        "When is Fix Your Own Bike on?",
        "",
    ]
    assert Hub(lambda: marked).view.to_dict()["suggestions"] == [
        "When is Fix Your Own Bike on?",
        "Can I hire a tandem?",
    ]


def test_a_yes_or_no_typed_to_a_did_you_mean_is_a_reply_not_a_question(
    knowledge: Knowledge,
) -> None:
    """A "yes" typed in reply to "Did you mean ...?" read 'You asked "yes"' over the answer;
    the page is told it was a reply. A "yes" typed with nothing proposed is not one."""

    def after(view: View, *events: Event) -> View:
        for event in events:
            view = updated(view, event, knowledge)
        return view

    asked = after(
        View(),
        Heard(0.9, "press out a knot", 0.0, typed=True),
        Decided(1.0, "confirm", "release-effect", "press out a knot", "Did you mean: ...?"),
    )
    assert not asked.to_dict()["replied"]
    for said, decided in (
        ("yes", Decided(2.1, "answer", "release-effect", "yes", "...", answers_proposal=True)),
        ("no", Decided(2.1, "reject", None, "no", "Please ask again.", answers_proposal=True)),
    ):
        typed = after(asked, Heard(2.0, said, 2.0, typed=True))
        assert not typed.replied, "not known until it is decided"
        replied = after(typed, decided)
        assert (replied.heard, replied.typed, replied.replied) == (said, True, True)
        assert replied.to_dict()["replied"]
        # the next question is a question again
        assert not after(replied, Heard(3.0, "how often", 3.0, typed=True)).replied
    # nothing proposed: the question before stays on screen, as asked; on a blank screen the
    # "yes" shows, as asked
    yes, nothing = Heard(2.0, "yes", 2.0, typed=True), Decided(2.1, "none")
    shown = after(asked, yes, nothing)
    assert (shown.heard, shown.replied) == ("press out a knot", False)
    blank = after(View(), yes, nothing)
    assert (blank.heard, blank.typed, blank.replied) == ("yes", True, False)


def test_the_questions_a_reject_read_out_are_offered_as_choices(knowledge: Knowledge) -> None:
    """A file without topics has a reject read out two questions to ask; the screen showed
    no way to pick one."""
    first, second = knowledge.get("release-effect"), knowledge.get("self-release")
    decided = Decided(
        1.0,
        "reject",
        None,
        "press out a knot",
        f"Sorry, I can't answer that. You can ask me, for example: {first.question} Or: ...",
        offered=(first.id, second.id),
    )
    view = updated(View(), decided, knowledge)
    assert view.kind == "reject"
    assert [(str(o.choice), o.question) for o in view.options] == [
        ("first", first.question),
        ("other", second.question),
    ]
    alone = updated(View(), replace(decided, offered=(first.id,)), knowledge)
    assert [(str(o.choice), o.question) for o in alone.options] == [("first", first.question)]
    plain = replace(decided, offered=())
    assert updated(View(), plain, knowledge).options == ()
    # a pick come too late answers nothing, and the questions are forgotten: so are the buttons
    late = updated(view, Decided(6.0, "none"), knowledge)
    assert late.options == ()
    # what it said is not shown over the reply before it, as if that reply were its answer
    typed_late = updated(
        updated(view, Heard(5.9, "yes", 1.0, typed=True), knowledge),
        Decided(6.0, "none"),
        knowledge,
    )
    assert (typed_late.heard, typed_late.reply) == (view.heard, view.reply)
    # a tap on one shows the question picked, not the "the other one" it stands for
    picked = updated(view, Heard(5.9, "the other one", 1.0, typed=True, tapped="other"), knowledge)
    assert (picked.heard, picked.chosen) == (second.question, True)
    # as its button shows it: an operator's "**tandem**" without its marks
    marked = replace(view, options=(Option(Choice.OTHER, "Can I hire a **tandem**?"),))
    tapped = updated(
        marked, Heard(5.9, "the other one", 1.0, typed=True, tapped="other"), knowledge
    )
    assert tapped.heard == "Can I hire a tandem?"
    # "pardon?" then reads them out again, and they can be picked again
    again = Decided(7.0, "repeat", None, "pardon", decided.answer, offered=(first.id, second.id))
    assert updated(late, again, knowledge).options == view.options
    assert updated(late, replace(again, offered=()), knowledge).options == ()
    gone = replace(decided, offered=(first.id, "no-longer-there"))
    assert updated(View(), gone, knowledge).options == ()


def test_ignored_speech_and_failures_bring_the_page_back_to_idle(knowledge: Knowledge) -> None:
    listening = updated(View(), SpeechStarted(1.0), knowledge)
    assert updated(listening, Heard(2.0, "hello", 1.0, accepted=False), knowledge).state == "idle"
    thinking = updated(listening, Heard(2.0, "a question", 1.0), knowledge)
    failed = updated(thinking, Failed(2.5, "dialogue", "boom"), knowledge)
    assert failed.state == "idle"
    # The question gets a sorry, not the answer before it; a failing voice leaves the answer.
    assert (failed.kind, failed.reply, failed.turn) == ("error", english().replies.failed, 1)
    unheard = updated(failed, Failed(3.0, "synthesizer", "no voice"), knowledge)
    assert unheard.reply == failed.reply and unheard.turn == 1


def test_questions_to_try_come_from_the_knowledge(knowledge: Knowledge) -> None:
    tried = suggestions(knowledge)
    questions = {entry.question for entry in knowledge.entries if entry.topic}
    assert len(tried) == 4 and len(set(tried)) == 4 and set(tried) <= questions


def test_a_question_turned_away_shows_questions_of_the_topics_its_reply_names(
    knowledge: Knowledge,
) -> None:
    """The reply names the topics of the entries the question came closest to ("You can ask
    me about MRI and nerve damage, upper back numbness or ..."): the questions to try under
    it are of those topics, and the next visitor sees the usual ones again."""
    closest, second = knowledge.get("mri-nerve-damage"), knowledge.get("numbness")
    usual = suggestions(knowledge)
    assert closest.question not in usual and second.question not in usual
    hub = Hub(lambda: knowledge, rest_seconds=0.3)
    reply = reply_text(
        Match(Decision.REJECT, Candidate(closest, 1.0), Candidate(second, 0.5), "x"), knowledge
    )

    async def scenario() -> tuple[View, View]:
        hub.attach(asyncio.get_running_loop())
        hub(Heard(1.0, "is an x-ray better", 0.0, typed=True))
        hub(Decided(1.1, "reject", None, "", reply, closest=closest.id, runner_up=second.id))
        turned_away = hub.view
        hub(ReplyStarted(1.2, reply, 0.1))
        hub(ReplyFinished(1.3))
        await asyncio.sleep(0.6)
        return turned_away, hub.view

    turned_away, next_visitor = asyncio.run(scenario())
    assert closest.topic in reply and second.topic in reply
    assert turned_away.suggestions[:2] == (closest.question, second.question)
    assert len(turned_away.suggestions) == len(usual)
    assert next_visitor.suggestions == usual
    # a "thanks" after it leaves them with the reply that named those topics
    thanked = updated(turned_away, Heard(2.0, "thanks", 1.9, typed=True), knowledge)
    hub._view = thanked
    hub(Decided(2.1, "none", None, "thanks", ""))
    assert hub.view.reply == reply and hub.view.suggestions == turned_away.suggestions
    # a "no" to a did-you-mean is turned away with "ask again", naming no topic: not the
    # question just refused first, but the usual ones
    again = english().replies.ask_again
    hub(Decided(3.1, "reject", None, "no", again, closest=closest.id))
    assert hub.view.suggestions == usual
    # a greeting's reply names the file's first topics, whatever it came closest to
    greeted = reply_text(Match(Decision.REJECT, None, None, ""), knowledge, "hello")
    hub(Decided(4.1, "reject", None, "hello", greeted, closest=closest.id, runner_up=second.id))
    assert hub.view.reply == greeted and hub.view.suggestions == usual


def test_say_that_again_with_nothing_said_leaves_the_screen_idle(knowledge: Knowledge) -> None:
    """A "say that again" typed after a goodbye (or before anything was said) gets no
    reply: the screen stayed "thinking" until someone spoke."""
    hub = Hub(lambda: knowledge)
    hub(Heard(1.0, "say that again", 0.0, typed=True))
    thinking = hub.view.state
    hub(Decided(1.1, "repeat", None, "say that again", ""))
    assert (thinking, hub.view.state) == (State.THINKING, State.IDLE)


def test_a_reload_keeps_the_questions_to_try_it_still_asks(knowledge: Knowledge) -> None:
    """Read again unchanged (an edit of another entry), the knowledge left the questions a
    reject chose as they were; without one of them, the usual ones of the new file."""
    closest, second = knowledge.get("mri-nerve-damage"), knowledge.get("numbness")
    hub = Hub(lambda: knowledge)
    hub(Heard(1.0, "is an x-ray better", 0.0, typed=True))
    hub(Decided(1.1, "reject", None, "", "Sorry.", closest=closest.id, runner_up=second.id))
    chosen = hub.view.suggestions
    assert chosen[:2] == (closest.question, second.question)
    hub.renewed(knowledge)
    assert hub.view.suggestions == chosen
    without = Knowledge(tuple(e for e in knowledge.entries if e.id != closest.id))
    hub.renewed(without)
    assert hub.view.suggestions == suggestions(without)
    assert closest.question not in hub.view.suggestions


def test_after_a_no_the_questions_to_try_leave_out_the_one_refused(knowledge: Knowledge) -> None:
    """Tapped "No" to "Did you mean ...?", the visitor was told to ask again with that very
    question first under "Questions to try"."""
    usual = suggestions(knowledge)
    first, then = (next(e for e in knowledge.entries if e.question == q) for q in usual[:2])
    hub = Hub(lambda: knowledge)
    hub(Heard(1.0, "rub", 0.0, typed=True))
    hub(Decided(1.1, "confirm", first.id, "rub", f"Did you mean: {first.question}"))
    tapped = Heard(2.0, "no", 1.9, typed=True, tapped="no")
    hub(tapped)
    assert (hub.view.heard, hub.view.replied, hub.view.chosen) == ("no", True, False)
    hub(
        Decided(
            2.1,
            "confirm",
            then.id,
            "no",
            f"Then did you mean: {then.question}",
            answers_proposal=True,
        )
    )
    hub(Heard(3.0, "no", 2.9, typed=True, tapped="no"))
    again = english().replies.ask_again
    hub(Decided(3.1, "reject", None, "no", again, closest=then.id, answers_proposal=True))
    assert hub.view.reply == again
    assert first.question not in hub.view.suggestions, "the first refused"
    assert then.question not in hub.view.suggestions, "the second refused"
    assert len(hub.view.suggestions) == len(usual)
    # the next question starts afresh
    hub(Heard(4.0, "how often", 3.9, typed=True))
    hub(Decided(4.1, "reject", None, "how often", again, closest=first.id))
    assert hub.view.suggestions == usual


def test_a_page_that_falls_behind_is_dropped_and_the_others_are_not(
    knowledge: Knowledge,
) -> None:
    hub = Hub(lambda: knowledge)

    async def scenario() -> tuple[list[str | None], int, int]:
        hub.attach(asyncio.get_running_loop())
        with hub.watch() as slow, hub.watch() as keeping_up:
            assert slow is not None and keeping_up is not None
            got: list[str | None] = []
            for index in range(QUEUE + 5):
                hub(SpeechStarted(float(index)) if index % 2 else Listening(float(index)))
                await asyncio.sleep(0)  # the hub's sends run on this loop
                while not keeping_up.queue.empty():
                    got.append(keeping_up.queue.get_nowait())
            left = [slow.queue.get_nowait() for _ in range(slow.queue.qsize())]
            return got, len(left), hub.watching

    got, left, watching = asyncio.run(scenario())
    assert None not in got and len(got) == QUEUE + 5, "the current view, then every change"
    assert left == 1, "the slow page is told it is dropped, and nothing else"
    assert hub.dropped == 1 and watching == 1, "the page keeping up still watches"


def test_noise_alone_does_not_keep_the_last_answer_on_screen(knowledge: Knowledge) -> None:
    """In a busy hall the microphone opens on noise every few seconds and hears nothing:
    the last visitor's answer still gives way to the questions to try once nothing new is
    shown for the rest time."""
    entry = knowledge.get("massage-how-often")
    hub = Hub(lambda: knowledge, rest_seconds=0.5)

    async def scenario() -> View:
        hub.attach(asyncio.get_running_loop())
        hub(Heard(1.0, entry.question, 0.0, typed=True))
        hub(Decided(1.1, "answer", entry.id, "", entry.answer))
        hub(ReplyFinished(2.0))
        await asyncio.sleep(0)
        for index in range(20):  # noise every 0.1 s for 2 s, four times the rest time
            hub(SpeechStarted(3.0 + index))
            hub(Heard(3.5 + index, "", 3.0 + index, False))
            await asyncio.sleep(0.1)
        return hub.view

    view = asyncio.run(scenario())
    assert (view.heard, view.reply, view.kind) == ("", "", "")
    assert view.suggestions, "the questions to try"

    async def long_reply() -> tuple[View, View]:
        hub.attach(asyncio.get_running_loop())
        hub(Heard(30.0, entry.question, 29.0, typed=True))
        hub(Decided(30.1, "answer", entry.id, "", entry.answer))
        hub(ReplyStarted(30.2, entry.answer, 0.4))
        await asyncio.sleep(0.4)
        hub(ReplyFinished(30.6))
        await asyncio.sleep(0.3)
        read = hub.view  # the rest time counts from the end of the reply
        await asyncio.sleep(0.4)
        return read, hub.view

    read, rested = asyncio.run(long_reply())
    assert read.reply and not rested.reply


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "host", "port"),
    [
        ("8080", "127.0.0.1", 8080),
        (8081, "127.0.0.1", 8081),
        ("0.0.0.0:9000", "0.0.0.0", 9000),
        ("[::1]:9001", "::1", 9001),
        ("kiosk.local:80", "kiosk.local", 80),
    ],
)
def test_the_screen_is_served_where_the_setting_says(value: Any, host: str, port: int) -> None:
    screen = build_settings({"screen": value}, {}).listen.screen
    assert screen == ScreenSettings(host, port)


def test_the_screen_setting_comes_from_the_listen_table(tmp_path: Path) -> None:
    config = tmp_path / "knotvoice.toml"
    config.write_text('[listen]\nscreen = "127.0.0.1:8090"\n')
    assert build_settings({}, {}, config).listen.screen == ScreenSettings("127.0.0.1", 8090)
    assert build_settings({}, {}).listen.screen is None, "no screen unless asked"


@pytest.mark.parametrize("value", ["http://x:80", "::1:80", "host:", "host:99999", ":80"])
def test_a_bad_screen_address_says_what_to_give(value: str) -> None:
    with pytest.raises(SettingsError, match=r"\[HOST:\]PORT"):
        build_settings({"screen": value}, {})


@pytest.mark.parametrize("value", ["99999", "host:"])
def test_a_bad_address_given_to_knotvoice_screen_names_its_argument(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`knotvoice screen 99999` was told `--screen must be [HOST:]PORT`, a flag it has not."""
    assert main(["screen", value]) == 1
    printed = capsys.readouterr()
    assert printed.err == (
        f"knotvoice: error: the address must be [HOST:]PORT with a port of 0 to 65535, not "
        f"{value!r}; for example 8080 or 0.0.0.0:8080\n"
    )
    assert main(["listen", "--screen", value]) == 1
    assert "error: --screen must be [HOST:]PORT" in capsys.readouterr().err


# --- the server -----------------------------------------------------------------------------


@pytest.fixture
def hub(knowledge: Knowledge) -> Hub:
    return Hub(lambda: knowledge)


def serve(
    hub: Hub,
    inbox: Inbox,
    scenario: Any,
    health: Callable[[], Status] | None = None,
    log_dir: Path | None = None,
) -> Any:
    """Run ``scenario(session, url)`` against the server on a free loopback port."""

    async def run() -> Any:
        server = ScreenServer(hub, inbox, ScreenSettings("127.0.0.1", 0), health, log_dir)
        url = await server.start()
        try:
            timeout = aiohttp.ClientTimeout(total=30)
            connector = aiohttp.TCPConnector(limit=0)
            async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
                return await scenario(session, url)
        finally:
            await server.stop()

    return asyncio.run(run())


async def post(
    session: aiohttp.ClientSession, url: str, body: Any, **headers: str
) -> tuple[int, Any]:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {"Content-Type": "application/json", **headers}
    async with session.post(url, data=data, headers=headers) as response:
        return response.status, await response.json(content_type=None)


def test_the_page_and_its_files_are_served_from_the_package(hub: Hub) -> None:
    async def scenario(session: aiohttp.ClientSession, url: str) -> list[tuple[str, int, str]]:
        got = []
        for path in ("", "screen.css", "screen.js"):
            async with session.get(url + path) as response:
                text = await response.text()
                got.append((response.content_type, response.status, text))
                assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        return got

    (page, css, script) = serve(hub, Inbox(), scenario)
    assert page[:2] == ("text/html", 200) and 'aria-live="polite"' in page[2]
    assert "Ask a question out loud, or type it below." in page[2]
    assert css[:2] == ("text/css", 200) and script[:2] == ("text/javascript", 200)
    for _kind, _status, text in (page, css, script):
        assert "http://" not in text and "https://" not in text, "nothing from the internet"
    assert "innerHTML" not in script[2]


def test_what_the_page_sends_reaches_the_inbox(hub: Hub) -> None:
    inbox = Inbox()

    async def scenario(session: aiohttp.ClientSession, url: str) -> list[tuple[int, Any]]:
        origin = url.rstrip("/")
        return [
            await post(session, url + "ask", {"text": "  how do I  treat a knot "}, Origin=origin),
            await post(session, url + "choose", {"choice": "other"}, Referer=url),
            await post(session, url + "stop", {}),
        ]

    replies = serve(hub, inbox, scenario)
    assert [status for status, _ in replies] == [202, 202, 202]
    assert [inbox.take(), inbox.take(), inbox.take()] == [
        Ask("how do I treat a knot"),
        Choose(Choice.OTHER),
        Stop(),
    ]


def test_a_choice_tapped_on_a_question_since_replaced_is_refused(
    hub: Hub, knowledge: Knowledge
) -> None:
    """A yes tapped on one did-you-mean, arriving after another question was asked (on a
    second page, or said), answered that other question."""
    inbox = Inbox()
    knots = knowledge.get("causes")

    async def scenario(session: aiohttp.ClientSession, url: str) -> list[tuple[int, Any]]:
        hub.attach(asyncio.get_running_loop())
        hub(Heard(1.0, "knots", 0.5, typed=True))
        hub(Decided(1.1, "confirm", knots.id, "knots", f"Did you mean: {knots.question}"))
        hub(ReplyStarted(1.2, f"Did you mean: {knots.question}", 2.0))
        tapped_on = hub.view.turn
        taken = await post(session, url + "choose", {"choice": "yes", "turn": tapped_on})
        # tapped as soon as shown, before its voice starts (or on a kiosk with no speaker)
        hub(Heard(1.5, "massage", 1.3, typed=True))
        hub(Decided(1.6, "confirm", knots.id, "massage", f"Did you mean: {knots.question}"))
        at_once = await post(session, url + "choose", {"choice": "yes", "turn": hub.view.turn})
        hub(ReplyStarted(1.7, f"Did you mean: {knots.question}", 2.0))
        tapped_on = hub.view.turn
        hub(Heard(2.0, "nerve", 1.5, typed=True))  # another question, being worked out
        thinking = await post(session, url + "choose", {"choice": "yes", "turn": tapped_on})
        hub(Decided(2.1, "confirm", "numbness", "nerve", "Did you mean: numbness?"))
        replaced = await post(session, url + "choose", {"choice": "yes", "turn": tapped_on})
        # a question typed a moment before the tap, not yet worked out: the tap would
        # answer what it gets
        hub(ReplyStarted(2.2, "Did you mean: numbness?", 2.0))
        chosen = [inbox.take(), inbox.take(), inbox.take()]
        inbox.put(Ask("what about trigger points"))
        queued = await post(session, url + "choose", {"choice": "yes", "turn": hub.view.turn})
        assert [inbox.take(), inbox.take()] == [Ask("what about trigger points"), None]
        assert chosen == [Choose(Choice.YES), Choose(Choice.YES), None]
        return [taken, at_once, thinking, replaced, queued]

    taken, at_once, thinking, replaced, queued = serve(hub, inbox, scenario)
    assert taken[0] == at_once[0] == 202
    for status, body in (thinking, replaced, queued):
        assert status == 409 and "has changed" in body["error"]


def test_a_question_with_text_that_was_not_utf8_leaves_every_page_watching(hub: Hub) -> None:
    # JSON may carry a lone surrogate ("\\ud800"), which no page can be sent: shown as
    # heard, it cut off every page watching until the next question.
    inbox = Inbox()

    async def scenario(session: aiohttp.ClientSession, url: str) -> tuple[Any, ...]:
        page = await session.get(url + "events")
        await read_views(page, 1)
        body = '{"text": "where are knots \\ud800 found"}'
        status, _ = await post(session, url + "ask", body)
        asked = inbox.take()
        assert isinstance(asked, Ask)
        hub(Heard(1.0, asked.text, 1.0, True, typed=True))
        async with asyncio.timeout(10.0):
            shown = await read_views(page, 1)
        page.close()
        async with session.get(url + "view") as response:
            return status, asked.text, shown[0]["heard"], response.status

    status, text, shown, view = serve(hub, inbox, scenario)
    assert status == 202 and view == 200
    assert text == shown == "where are knots found"


def test_bad_requests_are_refused_with_a_clear_message(hub: Hub) -> None:
    inbox = Inbox(limit=1)

    async def scenario(session: aiohttp.ClientSession, url: str) -> dict[str, tuple[int, Any]]:
        ask = url + "ask"
        replies = {
            "long": await post(session, ask, {"text": "knot " * 2000}),
            "empty": await post(session, ask, {"text": "   "}),
            "not text": await post(session, ask, {"text": ["a"]}),
            "not json": await post(session, ask, "{text"),
            "nested too deep": await post(session, ask, "[" * 30_000 + "]" * 30_000),
            "a form": await post(session, ask, "text=hi", **{"Content-Type": "text/plain"}),
            "other origin": await post(session, ask, {"text": "hi"}, Origin="http://evil.test"),
            "other referer": await post(
                session, ask, {"text": "hi"}, Referer="http://evil.test/page"
            ),
            "bad choice": await post(session, url + "choose", {"choice": "maybe"}),
            "huge": await post(session, ask, {"text": "x" * 100_000}),
        }
        async with session.get(url + "view", headers={"Host": "evil.test:8080"}) as response:
            replies["another host"] = (response.status, await response.json())
        replies["first"] = await post(session, ask, {"text": "how do I treat a knot"})
        replies["full"] = await post(session, ask, {"text": "and another"})
        return replies

    replies = serve(hub, inbox, scenario)
    status = {name: reply[0] for name, reply in replies.items()}
    assert status == {
        "long": 413,
        "empty": 200,
        "not text": 400,
        "not json": 400,
        "nested too deep": 400,
        "a form": 415,
        "other origin": 403,
        "other referer": 403,
        "bad choice": 400,
        "huge": 413,
        "another host": 403,
        "first": 202,
        "full": 503,
    }
    assert f"at most {MAX_QUESTION_CHARS} characters" in replies["long"][1]["error"]
    assert replies["empty"][1] == {"ok": False, "ignored": "empty"}
    assert replies["nested too deep"][1] == {"error": "the body is not JSON"}
    assert "busy" in replies["full"][1]["error"]
    assert inbox.take() == Ask("how do I treat a knot") and inbox.take() is None


def test_a_request_that_is_no_http_is_one_line_told_with_v_only(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    """A header of 20 KB, or a line that is no header (a scanner, a broken client), was
    logged as an error with aiohttp's traceback, in the log of a kiosk run for months."""
    caplog.set_level(logging.DEBUG)

    async def scenario(session: aiohttp.ClientSession, url: str) -> list[bytes]:
        port = int(url.rsplit(":", 1)[1].rstrip("/"))
        said = []
        for request in (
            b"GET /view HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
            b"GET /view HTTP/1.1\r\nHost x\r\n\r\n",
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(request)
            said.append(await reader.readline())
            writer.close()
        async with session.get(url + "view") as response:  # and it serves on
            said.append(str(response.status).encode())
        return said

    assert serve(hub, Inbox(), scenario) == [b"HTTP/1.0 400 Bad Request\r\n"] * 2 + [b"200"]
    told = [r for r in caplog.records if r.name.startswith(("aiohttp", "knotvoice.screen"))]
    assert not [r for r in told if r.levelno >= logging.WARNING or r.exc_info], told
    turned = [r.getMessage() for r in told if "a request turned away" in r.getMessage()]
    assert len(turned) == 2 and all("\n" not in line for line in turned), turned


async def read_views(response: aiohttp.ClientResponse, count: int) -> list[dict[str, Any]]:
    """The next ``count`` views sent (not the ``alive`` events between them)."""
    views: list[dict[str, Any]] = []
    kind = b""
    async for line in response.content:
        if line.startswith(b"event: "):
            kind = line[7:].strip()
        if line.startswith(b"data: ") and kind == b"view":
            views.append(json.loads(line[6:]))
            if len(views) == count:
                break
    return views


def test_many_pages_watch_at_once_and_one_too_many_is_refused(
    hub: Hub, knowledge: Knowledge
) -> None:
    async def scenario(session: aiohttp.ClientSession, url: str) -> tuple[list[Any], int]:
        responses = [await session.get(url + "events") for _ in range(MAX_WATCHERS)]
        async with session.get(url + "events") as refused:
            status = refused.status
        firsts = await asyncio.gather(*(read_views(r, 1) for r in responses))
        hub(SpeechStarted(1.0))
        seconds = await asyncio.gather(*(read_views(r, 1) for r in responses))
        for response in responses:
            response.close()
        return [first + second for first, second in zip(firsts, seconds, strict=True)], status

    views, status = serve(hub, Inbox(), scenario)
    assert status == 503
    assert all([v["state"] for v in pair] == ["idle", "listening"] for pair in views)


def test_another_sites_page_can_neither_watch_nor_read_but_may_link_here(
    hub: Hub, tmp_path: Path
) -> None:
    # What Chromium sends for <img src="http://127.0.0.1:8080/events"> on another site, for
    # a fetch() from a web app on another port of this machine, and for a link followed.
    image = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}
    other_port = {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "cors"}
    link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    own = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}

    async def scenario(session: aiohttp.ClientSession, url: str) -> dict[str, int]:
        got = {}
        for name, path, headers in (
            ("image of events", "events", image),
            ("image of report", "report?since=10000d", image),
            ("fetch from another port", "view", other_port),
            ("link to report", "report", link),
            ("the page's own", "view", own),
        ):
            async with session.get(url + path, headers=headers) as response:
                got[name] = response.status
        got["watching"] = hub.watching
        return got

    assert serve(hub, Inbox(), scenario, log_dir=tmp_path) == {
        "image of events": 403,
        "image of report": 403,
        "fetch from another port": 403,
        "link to report": 200,
        "the page's own": 200,
        "watching": 0,
    }


def test_connections_that_send_nothing_are_let_go_and_too_many_are_refused(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "IDLE_SECONDS", 1.0)

    async def scenario(
        session: aiohttp.ClientSession, url: str
    ) -> tuple[int, dict[str, Any], int, bool, list[dict[str, Any]]]:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        # Half a request each, as many as the server takes, while a page watches.
        page = await session.get(url + "events")
        held = []
        for _ in range(MAX_CONNECTIONS - 1):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /view HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append((reader, writer))
        async with session.get(url + "view") as refused:
            busy = (refused.status, await refused.json())
        # Those sent nothing more are closed after the idle time; the page stays.
        async with asyncio.timeout(10.0):
            closed = [await reader.read() for reader, _ in held]
        for _, writer in held:
            writer.close()
        async with session.get(url + "view") as again:
            status = again.status
        hub(SpeechStarted(1.0))
        async with asyncio.timeout(10.0):
            views = await read_views(page, 2)
        page.close()
        return *busy, status, all(data == b"" for data in closed), views

    refused, busy, again, closed, views = serve(hub, Inbox(), scenario)
    assert refused == 503 and busy["error"] == "The kiosk is busy. Please try again in a moment."
    assert closed, "a half-sent request is dropped after the idle time"
    assert again == 200
    assert [view["state"] for view in views] == ["idle", "listening"], "the page was kept"


async def answered_from(
    port: int, source: str, path: str, held: list[asyncio.StreamWriter]
) -> bool:
    """Whether a GET of ``path`` from ``source`` (127.0.0.2 and on stand for other machines:
    only 127.0.0.1 and ::1 are this one's own browser) is answered 200; its connection is
    kept open in ``held`` (keep-alive, or a page watching) while others come."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = await asyncio.wait_for(reader.readline(), 10.0)
    held.append(writer)
    return head.startswith(b"HTTP/1.1 200")


def test_one_machine_cannot_take_every_connection_nor_all_machines_this_one_s(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "PER_ADDRESS", 3)
    monkeypatch.setattr(server_module, "MAX_CONNECTIONS", 8)
    monkeypatch.setattr(server_module, "KEPT_FOR_HERE", 2)

    async def scenario(session: aiohttp.ClientSession, url: str) -> dict[str, list[bool]]:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        held: list[asyncio.StreamWriter] = []

        async def served(source: str) -> bool:
            return await answered_from(port, source, "/view", held)

        got = {
            "one machine": [await served("127.0.0.2") for _ in range(4)],
            "another": [await served("127.0.0.3") for _ in range(3)],
            "a third": [await served("127.0.0.4") for _ in range(1)],
            "this machine": [await served("127.0.0.1") for _ in range(2)],
        }
        for writer in held:
            writer.close()
        return got

    assert serve(hub, Inbox(), scenario) == {
        "one machine": [True, True, True, False],
        "another": [True, True, True],
        "a third": [False],  # 6 open: the last 2 are kept for this machine
        "this machine": [True, True],
    }


def test_other_machines_leave_this_one_a_place_among_the_pages_watching(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_module, "MAX_WATCHERS", 5)
    monkeypatch.setattr(server_module, "WATCHING_KEPT_FOR_HERE", 2)

    async def scenario(session: aiohttp.ClientSession, url: str) -> list[bool]:
        port = int(url.rsplit(":", 1)[1].strip("/"))
        held: list[asyncio.StreamWriter] = []

        async def watches(source: str) -> bool:
            return await answered_from(port, source, "/events", held)

        others = [await watches(f"127.0.0.{n}") for n in (2, 3, 4, 5)]
        here = [await watches("127.0.0.1") for _ in range(3)]
        for writer in held:
            writer.close()
        return others + here

    assert serve(hub, Inbox(), scenario) == [True, True, True, False, True, True, False]


def test_a_screen_on_the_network_answers_to_its_address_and_name_not_to_any_name(hub: Hub) -> None:
    # A site whose name is made to point at the kiosk (DNS rebinding) sends its own name.
    from aiohttp.test_utils import make_mocked_request

    server = ScreenServer(hub, Inbox(), ScreenSettings("0.0.0.0", 8080))
    name = socket.gethostname().lower()

    async def status(host: str) -> int:
        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(text="the page")

        request = make_mocked_request("GET", "/view", headers={"Host": host})
        return (await server._guard(request, handler)).status

    hosts = {
        "192.168.1.40:8080": 200,
        "[fe80::1]:8080": 200,
        f"{name}.local:8080": 200,
        f"{name}:8080": 200,
        "kiosk.lan:8080": 200,  # a router's name for it
        "kiosk.fritz.home.arpa.:8080": 200,
        "kiosk:8080": 200,
        "evil.example:8080": 403,
        "evil.example.:8080": 403,
        "kiosk.local.evil.example:8080": 403,
    }

    async def run() -> dict[str, int]:
        return {host: await status(host) for host in hosts}

    assert asyncio.run(run()) == hosts


# --- /health --------------------------------------------------------------------------------


async def get_health(
    session: aiohttp.ClientSession, url: str, **headers: str
) -> tuple[int, dict[str, Any]]:
    async with session.get(url + "health", headers=headers) as response:
        assert response.headers["Cache-Control"] == "no-store"
        return response.status, await response.json()


def test_health_says_how_the_kiosk_is_doing(hub: Hub, tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    book = Logbook(journal, "whisper", lambda: "knots.yaml@abc123")
    book(Listening(0.0, device="1 'usb mic'"))
    book(Heard(2.0, "how often should you massage a knot", 1.0))
    book(Decided(2.0, "answer", "massage-how-often", "how often", "Daily.", 0.93))
    book(ReplyStarted(2.1, "Daily.", 1.0, 5.0, 250.0))
    book(Failed(5.0, "recognizer", "the model hiccuped"))

    async def scenario(session: aiohttp.ClientSession, url: str) -> list[Any]:
        return [
            await get_health(session, url),
            await get_health(session, url, Host="evil.test:8080"),
        ]

    (status, health), (refused, _) = serve(hub, Inbox(), scenario, journal.snapshot)
    assert status == 200 and health["stale"] is False
    assert health["turns"] == 1 and health["microphone"] == "listening"
    assert health["knowledge"] == "knots.yaml@abc123"
    assert health["last_error"] == "recognizer: the model hiccuped"
    assert abs(health["started"] - journal.status.started) < 0.01 and health["age_seconds"] < 5
    assert refused == 403, "only this machine may ask, as for the page"


def test_health_is_503_when_the_status_is_stale_as_knotvoice_status_says(
    hub: Hub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from knotvoice.cli import main

    Journal(tmp_path).update(microphone="listening")
    written = json.loads((tmp_path / "status.json").read_text())

    def aged(seconds: float) -> Callable[[], Status]:
        written["updated"] = time.time() - seconds
        (tmp_path / "status.json").write_text(json.dumps(written))
        return lambda: read_status(tmp_path) or Status()

    codes = {}
    for age in (STALE_SECONDS - 5, STALE_SECONDS + 5, 3600.0):
        health = aged(age)

        async def scenario(session: aiohttp.ClientSession, url: str) -> Any:
            return await get_health(session, url)

        status, body = serve(hub, Inbox(), scenario, health)
        exit_code = main(["status", "--log-dir", str(tmp_path)])
        codes[age] = (status, body["stale"], exit_code)
    capsys.readouterr()
    assert codes == {
        STALE_SECONDS - 5: (200, False, 0),
        STALE_SECONDS + 5: (503, True, 1),
        3600.0: (503, True, 1),
    }


def test_a_screen_with_no_kiosk_behind_it_has_no_health(hub: Hub) -> None:
    async def scenario(session: aiohttp.ClientSession, url: str) -> int:
        async with session.get(url + "health") as response:
            return response.status

    assert serve(hub, Inbox(), scenario) == 404


def test_the_kiosk_s_screen_serves_its_health_beside_the_loop(hub: Hub, tmp_path: Path) -> None:
    import urllib.request

    journal = Journal(tmp_path)
    journal.update(microphone="listening", knowledge="knots.yaml@abc123")
    stop = threading.Event()
    got: list[tuple[int, dict[str, Any]]] = []

    def ask_health(url: str) -> None:
        try:
            with urllib.request.urlopen(url + "health", timeout=30) as response:
                got.append((response.status, json.loads(response.read())))
        finally:
            stop.set()

    def ready(url: str) -> None:
        threading.Thread(target=ask_health, args=(url,), daemon=True).start()

    beside(
        lambda: stop.wait(30.0),
        hub,
        Inbox(),
        ScreenSettings("127.0.0.1", 0),
        stop,
        ready,
        journal.snapshot,
    )
    ((status, health),) = got
    assert status == 200 and health["knowledge"] == "knots.yaml@abc123"


# --- the real loop answering the screen -----------------------------------------------------


@pytest.fixture(scope="module")
def words(knowledge: Knowledge, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    return Matcher(knowledge, cache_dir=tmp_path_factory.mktemp("words"))


def start_quiet_kiosk(
    responder: Dialogue, synthesizer: Synthesizer
) -> tuple[Kiosk, Inbox, list[Event]]:
    """A kiosk with no microphone and no sound, answering what its inbox brings."""
    from knotvoice.settings import ListenSettings

    inbox = Inbox()
    events: list[Event] = []
    kiosk = Kiosk(
        ListenSettings(),
        Deaf(),
        responder,
        synthesizer,
        events.append,
        microphone=NoMicrophone(),
        speaker=Mute(),
        inbox=inbox,
    ).start()
    return kiosk, inbox, events


@pytest.fixture
def quiet_kiosk(
    words: Matcher, synthesizer: Synthesizer
) -> Iterator[tuple[Kiosk, Inbox, list[Event]]]:
    kiosk, inbox, events = start_quiet_kiosk(Dialogue(words), synthesizer)
    yield kiosk, inbox, events
    kiosk.close()


def wait_for(events: list[Event], test: Any, timeout: float = 30.0) -> Event:
    done = threading.Event()
    for _ in range(int(timeout * 20)):
        found = [event for event in events if test(event)]
        if found:
            return found[-1]
        done.wait(0.05)
    raise AssertionError(f"no such event in {[event.kind for event in events]}")


def test_a_typed_question_is_answered_like_a_spoken_one_and_stop_cuts_the_reply(
    quiet_kiosk: tuple[Kiosk, Inbox, list[Event]], knowledge: Knowledge
) -> None:
    kiosk, inbox, events = quiet_kiosk
    inbox.put(Ask("how often should you massage a knot"))
    decided = wait_for(events, lambda e: isinstance(e, Decided))
    assert isinstance(decided, Decided)
    assert (decided.decision, decided.entry) == ("answer", "massage-how-often")
    heard = next(e for e in events if isinstance(e, Heard))
    assert heard.typed and heard.accepted
    # A stop from the screen cuts the reply (a muted one lasts as long as it would be said);
    # the loop tells the screen nothing says it aloud.
    started = wait_for(events, lambda e: isinstance(e, ReplyStarted))
    assert isinstance(started, ReplyStarted) and not started.aloud
    inbox.put(Stop())
    finished = wait_for(events, lambda e: isinstance(e, ReplyFinished))
    assert isinstance(finished, ReplyFinished) and finished.interrupted
    assert kiosk.running()


def test_a_question_that_breaks_the_dialogue_costs_that_question_only(
    words: Matcher, synthesizer: Synthesizer
) -> None:
    class Fragile(Dialogue):
        def respond(
            self, transcript: Any, understood: Any = None, follow_up: bool = True, **kw: Any
        ) -> Any:
            if "break" in transcript.text:
                raise RuntimeError("broken on purpose")
            return super().respond(transcript, understood, follow_up, **kw)

    kiosk, inbox, events = start_quiet_kiosk(Fragile(words), synthesizer)
    try:
        inbox.put(Ask("<script>break</script>" + "\u202e\x00"))
        inbox.put(Ask("how often should you massage a knot"))
        wait_for(events, lambda e: isinstance(e, ReplyStarted))
        assert kiosk.running()
    finally:
        summary = kiosk.close()
    failed = [e for e in events if isinstance(e, Failed)]
    assert [(e.stage, e.message) for e in failed] == [("dialogue", "broken on purpose")]
    assert [(e.decision, e.entry) for e in events if isinstance(e, Decided)] == [
        ("answer", "massage-how-often")
    ]
    assert (summary.replies, summary.errors) == (1, 1)


# --- the command ----------------------------------------------------------------------------


@pytest.mark.model
def test_knotvoice_screen_answers_typed_questions_with_no_sound_device(tmp_path: Path) -> None:
    import os
    import queue
    import signal
    import subprocess
    import sys
    import urllib.request

    from alsa_devices import write_config

    devices = write_config(tmp_path, include_devices=False)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ALSA_CONFIG_PATH": str(devices.config)}
    process = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", "screen", "127.0.0.1:0", "--json",
         "--log-dir", str(tmp_path / "log")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    stdout = process.stdout
    assert stdout is not None

    def read() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()

    def next_event(kind: str) -> dict[str, object]:
        while True:
            record: dict[str, object] = json.loads(lines.get(timeout=240))
            if record["event"] == kind:
                return record

    try:
        url = str(next_event("screen")["url"])
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode()
        # With no microphone the page does not ask visitors to speak.
        assert "out loud" not in page and "Type a question below." in page
        # With no sound device, no reply is said, and no Stop button is ever shown.
        assert 'id="stop" type="button" class="stop" disabled hidden data-never' in page
        # With no sound device, no reply will be said: its health says so before any (it
        # said "unused" until the first reply had been shown)
        for _ in range(100):
            with urllib.request.urlopen(url + "health", timeout=30) as response:
                health = json.loads(response.read())
            if health["speaker"]:  # written as the screen starts to listen
                break
            time.sleep(0.1)
        assert (health["microphone"], health["speaker"]) == ("none", "none")

        def ask(text: str) -> tuple[dict[str, object], dict[str, object]]:
            """The decision on a typed question, and the screen's view after it."""
            request = urllib.request.Request(
                url + "ask",
                data=json.dumps({"text": text}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 202
            decision = next_event("decision")
            next_event("reply_started")
            with urllib.request.urlopen(url + "view", timeout=30) as response:
                return decision, json.loads(response.read())

        # A "yes" typed with nothing proposed showed nothing at all.
        decision, view = ask("yes")
        assert decision["decision"] == "reject"
        assert view["kind"] == "reject" and str(view["reply"]).startswith("Sorry")
        decision, view = ask("how often should you massage a knot")
        assert (decision["decision"], decision["entry"]) == ("answer", "massage-how-often")
        assert view["kind"] == "answer" and view["typed"] and "massage" in str(view["reply"])
        with urllib.request.urlopen(url + "health", timeout=30) as response:
            health = json.loads(response.read())
        # The screen alone has no microphone, and its health says so.
        assert response.status == 200 and health["microphone"] == "none"
        assert health["knowledge"].startswith("knots.yaml") and health["pid"] == process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "replies are shown on the screen only" in err
    status = json.loads((tmp_path / "log" / "status.json").read_text())
    assert status["turns"] == 2 and status["stopped"] is not None


@pytest.mark.model
def test_the_questions_to_try_are_the_knowledge_s_own_as_soon_as_it_is_edited(
    tmp_path: Path,
) -> None:
    """An entry taken out of the knowledge file, or the file replaced by another FAQ, was
    still offered under "Questions to try" until the next visitor's turn: tapped, it was
    turned away. The page shows the new file's questions as soon as it is read again."""
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    from alsa_devices import write_config

    entry = "  - id: {0}\n    question: {1}\n    answer: {2}\n    topic: {0}\n"
    vegan = entry.format("vegan", "Are your products vegan?", "Some are; ask at the counter.")
    hours = entry.format("hours", "When are you open?", "Eight till four, every day.")
    faq = tmp_path / "bakery.yaml"
    faq.write_text(f"version: 1\nentries:\n{vegan}{hours}", encoding="utf-8")
    devices = write_config(tmp_path, include_devices=False)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ALSA_CONFIG_PATH": str(devices.config)}
    process = subprocess.Popen(
        [sys.executable, "-m", "knotvoice", "screen", "127.0.0.1:0", "--json",
         "--knowledge", str(faq), "--log-dir", str(tmp_path / "log")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        cwd=Path(__file__).resolve().parents[1],
    )  # fmt: skip
    assert process.stdout is not None
    try:
        url = next(
            json.loads(line)["url"] for line in process.stdout if '"event": "screen"' in line
        )

        def offered() -> list[str]:
            with urllib.request.urlopen(url + "view", timeout=30) as response:
                return list(json.loads(response.read())["suggestions"])

        assert "Are your products vegan?" in offered()
        faq.write_text(f"version: 1\nentries:\n{hours}", encoding="utf-8")
        deadline = time.monotonic() + 60.0
        while "Are your products vegan?" in offered() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert offered() == ["When are you open?"]
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "changed; answering from the new knowledge (1 entry)" in err


@pytest.mark.model
def test_a_screen_whose_port_is_taken_says_so_and_its_status_what_it_was(tmp_path: Path) -> None:
    """A screen that could not start left a status of a microphone "starting" and no
    knowledge, as if a kiosk were about to listen."""
    import os
    import socket
    import subprocess
    import sys

    from alsa_devices import write_config

    devices = write_config(tmp_path, include_devices=False)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ALSA_CONFIG_PATH": str(devices.config)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "knotvoice", "screen", f"127.0.0.1:{port}",
             "--log-dir", str(tmp_path / "log")],
            capture_output=True, text=True, env=env, timeout=240,
            cwd=Path(__file__).resolve().parents[1],
        )  # fmt: skip
    assert result.returncode == 1
    (error,) = [line for line in result.stderr.splitlines() if "error:" in line]
    assert f"cannot serve the screen on 127.0.0.1:{port}" in error
    assert error.endswith(
        "pick another port (`knotvoice screen [HOST:]PORT`, or `listen --screen`)"
    )
    status = json.loads((tmp_path / "log" / "status.json").read_text())
    assert status["microphone"] == "none" and status["knowledge"].startswith("knots.yaml@")
    assert status["stopped"] is not None


def test_a_screen_stopped_at_its_start_has_no_microphone_in_its_status(tmp_path: Path) -> None:
    # Stopped before its knowledge loaded, it said "closed", as a kiosk that listened.
    code = main(
        ["screen", "127.0.0.1:0", "--knowledge", str(tmp_path / "gone.yaml"),
         "--log-dir", str(tmp_path / "log")]
    )  # fmt: skip
    status = json.loads((tmp_path / "log" / "status.json").read_text())
    assert code != 0 and status["command"] == "screen" and status["stopped"] is not None
    assert status["microphone"] == "none"
    assert status["knowledge"] == "gone.yaml (not loaded)"


# --- /report --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("no-such-host.invalid", "no such host name: give 127.0.0.1, 0.0.0.0 or an address"),
        ("192.0.2.1", "that address is not this machine's: give 127.0.0.1, 0.0.0.0 or one"),
    ],
)
def test_a_screen_host_that_is_not_this_machine_s_is_not_called_a_busy_port(
    hub: Hub, host: str, said: str
) -> None:
    """`listen --screen nonsense:80` asked whether something else was using the port and
    said to pick another: the host name was what could not be used."""

    async def start() -> str:
        server = ScreenServer(hub, Inbox(), ScreenSettings(host, 8123))
        return await server.start()

    with pytest.raises(KnotvoiceError) as refused:
        asyncio.run(start())
    assert f"cannot serve the screen on {host}:8123 (" in str(refused.value)
    assert said in str(refused.value) and "another port" not in str(refused.value)


def test_the_report_page_shows_the_figures_a_chart_and_the_questions_not_answered(
    hub: Hub, tmp_path: Path
) -> None:
    journal = Journal(tmp_path)
    for _ in range(3):
        journal.write({"heard": "how often", "decision": "answer", "entry": "massage-how-often"})
    hostile = "<script>alert(1)</script> is the pharmacy open"
    for _ in range(2):
        journal.write({"heard": hostile, "decision": "reject", "closest": "treat-knot"})
    journal.write({"heard": "does heat help", "decision": "confirm", "entry": "heat-or-ice"})
    journal.write({"heard": "stop", "decision": "stop"})

    async def scenario(session: aiohttp.ClientSession, url: str) -> list[Any]:
        got: list[Any] = []
        for path in ("report", "report?since=1d", "report?since=soon", "report.css"):
            async with session.get(url + path) as response:
                got.append((response.status, response.content_type, await response.text()))
        return got

    week, day, bad, css = serve(hub, Inbox(), scenario, log_dir=tmp_path)
    status, kind, text = week
    assert (status, kind) == (200, "text/html")
    assert (
        "<th scope='row'>questions</th><td>6 (of 7 turns logged; not counted: 1 follow-up" in text
    )
    assert "answered</th><td>3 (50%)" in text and "rejected</th><td>2 (33%)" in text
    assert "<svg" in text and "3 answered</title>" in text and "2 rejected</title>" in text
    assert "<script>" not in text, "a visitor's words are shown, never run"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is the pharmacy open" in text
    assert "<td>2</td>" in text and "treat-knot" in text
    commands = [
        html.unescape(re.sub("<[^>]*>", "", code)) for code in re.findall("<code>.*?</code>", text)
    ]
    assert (
        "knotvoice knowledge add treat-knot '<script>alert(1)</script> is the pharmacy open'"
        in commands
    ), "the command that adds the wording, ready to paste"
    assert day[0] == 200 and "The last 1d: since " in day[2]
    said = re.search(r"since (\d{4}-\d\d-\d\d \d\d:\d\d)</h1>", day[2])
    assert said is not None, "the period's start, as `status` says when the kiosk started"
    start = time.mktime(time.strptime(said.group(1), "%Y-%m-%d %H:%M"))
    assert abs(start - (time.time() - 86400)) < 120
    # a browser following a link gets a page, not JSON
    assert bad[:2] == (400, "text/html") and "is not a period; write it like 7d" in bad[2]
    assert css[:2] == (200, "text/css")


def test_the_report_is_made_outside_the_kiosk_s_process(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made in the kiosk's process, a year's report held a visitor's turn up to 13 s (the
    interpreter is the loop's too). The page is made by a process of its own: counting the
    turns in this one would fail here."""
    journal = Journal(tmp_path)
    journal.write({"heard": "where can I park", "decision": "reject", "closest": "parking"})

    def here(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the report was made in the kiosk's process")

    monkeypatch.setattr(Tally, "add", here)

    async def scenario(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
        async with session.get(url + "report?since=30d") as response:
            return response.status, await response.text()

    status, text = serve(hub, Inbox(), scenario, log_dir=tmp_path)
    assert status == 200, text
    assert "The last 30d" in text and "where can I park" in text


def test_a_report_that_takes_too_long_is_stopped_and_says_what_to_ask_instead(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Journal(tmp_path).write({"heard": "where can I park", "decision": "reject"})
    monkeypatch.setattr(server_module, "REPORT_SECONDS", 0.01)

    async def scenario(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
        async with session.get(url + "report?since=365d") as response:
            return response.status, await response.text()

    status, text = serve(hub, Inbox(), scenario, log_dir=tmp_path)
    assert status == 503 and "shorter period" in text
    assert not running(b"knotvoice.report", str(tmp_path).encode()), "its process was stopped"


def test_the_report_page_is_utf_8_whatever_the_locale(
    hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Journal(tmp_path).write({"heard": "où est le café", "decision": "reject"})
    monkeypatch.setenv("PYTHONIOENCODING", "latin-1")  # as a Latin-1 locale gives the child

    async def scenario(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
        async with session.get(url + "report") as response:
            return response.status, await response.text()

    status, text = serve(hub, Inbox(), scenario, log_dir=tmp_path)
    assert status == 200 and "où est le café" in text


def a_busy_log(directory: Path, turns: int = 40_000) -> None:
    """A turn log whose report takes a second or more: long enough to ask again meanwhile."""
    now = time.time()
    with (directory / "turns.jsonl").open("w", encoding="utf-8") as handle:
        for number in range(turns):
            line = {"heard": f"where is room {number}", "decision": "reject", "time": now - number}
            handle.write(json.dumps(line) + "\n")


async def report_started(directory: Path) -> None:
    """Once the report's process over ``directory`` runs."""
    async with asyncio.timeout(30):
        while not running(b"knotvoice.report", str(directory).encode()):
            await asyncio.sleep(0.01)


def test_a_reload_gets_the_report_being_made_and_another_period_is_asked_to_wait(
    hub: Hub, tmp_path: Path
) -> None:
    """One report is made at a time. A page reloaded while its report is being made gets
    that report, not a second one queued behind it; a page left does not stop it."""
    a_busy_log(tmp_path)

    async def scenario(session: aiohttp.ClientSession, url: str) -> list[tuple[int, str]]:
        async def get(path: str) -> tuple[int, str]:
            # As long as the screen gives a report: a busy machine makes it slowly.
            timeout = aiohttp.ClientTimeout(total=REPORT_SECONDS + 30)
            async with session.get(url + path, timeout=timeout) as response:
                return response.status, await response.text()

        first = asyncio.create_task(get("report?since=30d"))
        await report_started(tmp_path)
        other = await get("report?since=1d")
        again = await get("report?since=30d")
        return [other, again, await first]

    other, again, first = serve(hub, Inbox(), scenario, log_dir=tmp_path)
    assert other[0] == 503 and "last 30d is being made; try again" in other[1]
    assert first[0] == again[0] == 200 and first[1] == again[1]
    assert not running(b"knotvoice.report", str(tmp_path).encode())


def test_a_report_being_made_is_stopped_with_the_screen(hub: Hub, tmp_path: Path) -> None:
    a_busy_log(tmp_path)

    async def scenario(session: aiohttp.ClientSession, url: str) -> None:
        async def get() -> None:
            async with session.get(url + "report?since=30d") as response:
                await response.read()

        asking = asyncio.create_task(get())
        await report_started(tmp_path)
        asking.cancel()  # the screen stops with the page still waiting

    serve(hub, Inbox(), scenario, log_dir=tmp_path)
    assert not running(b"knotvoice.report", str(tmp_path).encode())


def running(*words: bytes) -> list[bytes]:
    """The command lines of this machine's processes that hold each of ``words``."""
    found = []
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            cmdline = path.read_bytes()
        except OSError:  # it ended meanwhile
            continue
        if all(word in cmdline for word in words):
            found.append(cmdline)
    return found


def test_no_report_without_a_turn_log(hub: Hub) -> None:
    async def scenario(session: aiohttp.ClientSession, url: str) -> int:
        async with session.get(url + "report") as response:
            return response.status

    assert serve(hub, Inbox(), scenario) == 404


def test_the_screen_is_cleared_for_the_next_visitor_when_the_dialogue_forgets_the_last() -> None:
    assert REST_SECONDS == NEXT_VISITOR_SECONDS
