"""What the kiosk's screen shows, kept up to date from the kiosk's events and sent to every
page that watches.

``Hub`` is the kiosk loop's event callback (called on the loop's thread). It folds each
event into a ``View``: the state (Home Assistant's words: idle, listening, thinking,
speaking), what was heard, the reply on screen, the did-you-mean's choices and a few
questions to try. So a page opened at any time is shown the current state and the last
turn, until the kiosk has been idle for ``REST_SECONDS``: then the screen is cleared for the
next visitor (the questions to try, and nothing of the last visitor's question or answer). Each new view goes to every watching page through a small queue of its own; a page
that falls behind is dropped (it reconnects and gets the current view), never waited for:
the kiosk never waits on a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

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
    TimedOut,
)
from knotvoice.kiosk.inbox import Choice
from knotvoice.knowledge import Knowledge
from knotvoice.lang import english
from knotvoice.markup import lines, plain, spans
from knotvoice.speech.reply import named_topics, small_talk
from knotvoice.turn import leaves

__all__ = ["Hub", "Option", "State", "View", "Watcher", "suggestions", "updated"]

_log = logging.getLogger(__name__)

SUGGESTIONS = 4
"""Questions to try shown when nothing is answered."""
QUEUE = 32
"""Views waiting to be sent to one page; a page further behind is dropped."""
MAX_WATCHERS = 100
"""Pages watching at once; more are refused until some leave."""
REST_SECONDS = 120.0
"""Seconds the last turn stays on screen once nothing happens; then the screen is cleared
for the next visitor, as the dialogue forgets the last one (``turn.NEXT_VISITOR_SECONDS``,
not imported: the report's page would load the matcher with it)."""
_UNANSWERED = frozenset({"recognizer", "dialogue", "screen"})
"""Stages whose failure leaves the question heard with no answer (a failing voice or speaker
leaves the answer on screen, only not heard)."""
_UNSAID = frozenset({"synthesizer", "speaker"})
"""Stages whose failure leaves the reply on screen unsaid."""


class State(enum.StrEnum):
    """What the kiosk is doing, in Home Assistant's words."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


@dataclass(frozen=True)
class Option:
    """One button of a did-you-mean."""

    choice: Choice
    question: str
    """The question the button stands for ("" for no)."""


@dataclass(frozen=True)
class View:
    """Everything the screen shows."""

    state: State = State.IDLE
    heard: str = ""
    """What was heard (or typed) last; while someone speaks, what is heard so far."""
    typed: bool = False
    """``heard`` was typed or tapped on the screen."""
    chosen: bool = False
    """``heard`` is a did-you-mean's button tapped: the question it chose ("no" for no)."""
    replied: bool = False
    """``heard`` answered the did-you-mean (or the questions a reject read out): a "yes" or
    a "no" typed or said, not a question."""
    hearing: bool = False
    """``heard`` is still being recognised (it may change)."""
    kind: str = ""
    """What the reply on screen is: answer, confirm, reject, error ("" for none yet)."""
    replied_to: tuple[str, bool, bool, bool] = ("", False, False, False)
    """``heard``, ``typed``, ``chosen`` and ``replied`` of what the reply on screen is for: shown
    again when what came next was no question and got no reply ("yes" with nothing
    proposed)."""
    title: str = ""
    """The question an answer answers, as written (its markdown emphasis marks too)."""
    reply: str = ""
    """The reply as it is written (its markdown marks too): an answer, a did-you-mean, a
    reject, an error's sorry."""
    options: tuple[Option, ...] = ()
    """The did-you-mean's choices (empty when none is open)."""
    suggestions: tuple[str, ...] = ()
    """A few questions to try, from the knowledge."""
    seconds: float = 0.0
    """Length of the reply being spoken, in seconds (0 when not speaking)."""
    since: float = 0.0
    """When the reply being spoken started, on the hub's clock (``time.monotonic``, seconds;
    0 when not speaking). A page is sent how much of it has been said (``elapsed``)."""
    aloud: bool = True
    """The reply on screen is said out loud; False when the kiosk could not say it (no sound
    device, replies written to files, a voice or speaker failing): it is only shown."""
    turn: int = 0
    """Counts replies put on screen, so a page can tell a new one from the same."""

    def to_dict(self) -> dict[str, Any]:
        """The view as the page takes it: the title and the reply as written, and as they
        are shown (``title_spans``, ``reply_lines``: their markdown emphasis and list marks
        taken for what they mark); the buttons' questions without those marks; ``elapsed``,
        the seconds of the reply said by now (a page opened mid-reply shows its progress)."""
        data = asdict(self)
        since = data.pop("since")
        data["elapsed"] = round(max(0.0, time.monotonic() - since), 3) if since else 0.0
        data["title_spans"] = [asdict(span) for span in spans(self.title)]
        data["reply_lines"] = [asdict(line) for line in lines(self.reply)]
        data["options"] = [
            {"choice": str(option.choice), "question": plain(option.question)}
            for option in self.options
        ]
        data["suggestions"] = [plain(question) for question in self.suggestions]
        return data


def suggestions(
    knowledge: Knowledge,
    count: int = SUGGESTIONS,
    nearest: Sequence[str | None] = (),
    declined: Collection[str] = (),
) -> tuple[str, ...]:
    """A few of the knowledge's questions, spread over its topics (entries with a topic
    first), to show a visitor what can be asked. After a question turned away (the ids of
    the entries it came ``nearest``), a question of each topic the reply named comes first;
    after a no, the questions ``declined`` are left out (the first to try was the one just
    refused)."""
    entries = [
        entry
        for entry in knowledge.entries
        if entry.question not in declined and plain(entry.question) not in declined
    ]
    entries = [entry for entry in entries if entry.topic] or entries
    if len(entries) > count:
        step = len(entries) / count
        entries = [entries[int(index * step)] for index in range(count)]
    by_id = {entry.id: entry for entry in knowledge.entries}
    close = [by_id[entry_id] for entry_id in nearest if entry_id in by_id]
    named = named_topics(knowledge, nearest=close) if close else ()
    questions = dict.fromkeys(entry.question for entry in (*named, *entries))
    return tuple(questions)[:count]


def _question(knowledge: Knowledge, entry_id: str | None) -> str:
    if entry_id is None:
        return ""
    try:
        return knowledge.get(entry_id).question
    except KeyError:
        return ""


def updated(view: View, event: Event, knowledge: Knowledge) -> View:
    """The view after ``event``."""
    if isinstance(event, Listening | TimedOut | ReplyFinished):
        return replace(view, state=State.IDLE, seconds=0.0, since=0.0)
    if isinstance(event, SpeechStarted):
        return replace(view, state=State.LISTENING)
    if isinstance(event, Partial):
        return replace(
            view,
            state=State.LISTENING,
            heard=event.text,
            typed=False,
            chosen=False,
            replied=False,
            hearing=True,
        )
    if isinstance(event, Heard):
        if view.state is State.SPEAKING and not event.accepted:
            return view  # its own voice, or a "stop" while it speaks
        if not event.accepted or not event.text:
            return replace(view, state=State.IDLE, hearing=False)
        # A tap shows the question it chose, not the "yes" it stands for, as if asked.
        chose = [plain(o.question) for o in view.options if o.choice == event.tapped and o.question]
        return replace(
            view,
            state=State.THINKING,
            heard=chose[0] if chose else event.text,
            typed=event.typed,
            chosen=bool(chose),
            replied=bool(event.tapped) and not chose,  # a "No" tapped: "You replied: no"
            hearing=False,
        )
    if isinstance(event, Decided):
        return _decided(view, event, knowledge)
    if isinstance(event, ReplyStarted):
        if not event.aloud:  # nothing says it: it is shown, and not "speaking"
            return replace(view, state=State.IDLE, seconds=0.0, since=0.0, aloud=False)
        return replace(
            view, state=State.SPEAKING, seconds=event.seconds, since=time.monotonic(), aloud=True
        )
    if isinstance(event, Failed) and event.stage in _UNANSWERED:
        # The question on screen gets no answer: say so, rather than leave the last one up.
        return replace(
            view,
            state=State.IDLE,
            hearing=False,
            kind="error",
            title="",
            reply=english().replies.failed,
            options=(),
            aloud=True,  # shown, and never to be said
            turn=view.turn + 1,
        )
    if isinstance(event, Failed) and event.stage != "microphone":
        # A reply that could not be said at all (not one cut off part-way) is only shown.
        unsaid = event.stage in _UNSAID and view.state is not State.SPEAKING
        return replace(view, state=State.IDLE, hearing=False, aloud=view.aloud and not unsaid)
    return view


def _decided(view: View, event: Decided, knowledge: Knowledge) -> View:
    turn = view.turn + 1
    if event.answers_proposal:
        # a "yes" typed to a did-you-mean is a reply, not a question asked
        view = replace(view, replied=True)
    if event.decision in _NEW_REPLY:
        view = replace(
            view, replied_to=(view.heard, view.typed, view.chosen, view.replied), aloud=True
        )
    if event.decision == "answer":
        entry = None
        with contextlib.suppress(KeyError):
            entry = knowledge.get(event.entry) if event.entry else None
        return replace(
            view,
            kind="answer",
            title=entry.question if entry is not None else "",
            reply=entry.answer.strip() if entry is not None else event.answer,
            options=(),
            turn=turn,
        )
    if event.decision == "confirm":
        # Yes and no, as the voice asks: a did-you-mean between two entries proposes the
        # other after a "no" ("Then did you mean ...?"), on the screen as aloud. A button for
        # the other one at once offered what the voice never named.
        options = (Option(Choice.YES, _question(knowledge, event.entry)), Option(Choice.NO, ""))
        return replace(
            view, kind="confirm", title="", reply=event.answer, options=options, turn=turn
        )
    if event.decision == "reject":
        # The questions a reject read out, each a button that picks it as saying so would:
        # the first is "yes", the second "the other one".
        picks = _picks(knowledge, event.offered)
        return replace(view, kind="reject", title="", reply=event.answer, options=picks, turn=turn)
    # No new reply: "You asked "yes"" (or "stop", "say that again") over the reply before
    # it read as that reply's question.
    if view.kind:
        heard, typed, chosen, replied = view.replied_to
        view = replace(view, heard=heard, typed=typed, chosen=chosen, replied=replied)
    if event.decision == "stop" and leaves(event.question):
        # a "bye": the visit is over, and the screen is the next visitor's (a "bye" typed
        # gave no sign it was taken)
        return View(suggestions=suggestions(knowledge), turn=turn)
    if event.decision == "stop":
        # the reply stops; a did-you-mean stays open, its choices shown
        return replace(view, state=State.IDLE)
    if event.decision == "none":
        # a pick come too late forgets the questions read out: their buttons go too
        picks = () if view.kind == "reject" else view.options
        return replace(view, state=State.IDLE, options=picks)
    if event.offered and view.kind == "reject":  # said again after a pick came too late
        return replace(view, options=_picks(knowledge, event.offered))
    if not event.answer:
        # "say that again" with nothing said to this visitor: no reply comes (the screen
        # stayed "thinking" until someone spoke)
        return replace(view, state=State.IDLE)
    return view  # repeat, slower: the same reply again


def _picks(knowledge: Knowledge, offered: Sequence[str]) -> tuple[Option, ...]:
    """The questions a reject read out, each a button that picks it as saying so would: the
    first is "the first one", the second "the other one" (none when the knowledge changed
    since)."""
    named = [_question(knowledge, entry) for entry in offered]
    if not named or not all(named):
        return ()
    choices = (Choice.FIRST, Choice.OTHER)
    return tuple(Option(c, q) for c, q in zip(choices, named, strict=False))


_NEW_REPLY = ("answer", "confirm", "reject")
"""Decisions that put a new reply on the screen, and new questions to try under it (a
"thanks", "stop" or "say that again" leaves both as they are)."""


def _shown(view: View) -> tuple[object, ...]:
    """What a visitor reads on the screen, less the state (which noise alone changes)."""
    return (view.heard, view.reply, view.options, view.turn)


@dataclass(eq=False)
class Watcher:
    """One page watching: the views not yet sent to it (JSON text; None: it was dropped)."""

    queue: asyncio.Queue[str | None] = field(default_factory=lambda: asyncio.Queue(maxsize=QUEUE))


class Hub:
    """Keeps the view from the kiosk's events and sends each new one to every page.

    Call it with each event, from any thread. ``watch()`` runs on the web server's event
    loop.
    """

    def __init__(
        self, knowledge: Callable[[], Knowledge], rest_seconds: float = REST_SECONDS
    ) -> None:
        """``rest_seconds``: how long the last turn stays on screen once nothing happens."""
        self._knowledge = knowledge
        self.rest_seconds = rest_seconds
        self._changes = 0
        """Counts changes of what the screen shows, and replies ending (not other changes of
        the state alone, which noise makes)."""
        self._declined: set[str] = set()
        """The questions refused with a no since the question asked last."""
        self._rest: asyncio.TimerHandle | None = None
        self._rest_changes = -1
        """The count of changes ``_rest`` was set for."""
        self._lock = threading.Lock()
        self._view = View(suggestions=suggestions(knowledge()))
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watchers: set[Watcher] = set()
        self.dropped = 0
        """Pages dropped for falling behind."""

    @property
    def view(self) -> View:
        with self._lock:
            return self._view

    def message(self) -> str:
        """The current view as JSON."""
        return json.dumps(self.view.to_dict(), ensure_ascii=False)

    def __call__(self, event: Event) -> None:
        """Fold ``event`` into the view and send the view to every page (never blocks)."""
        try:
            knowledge = self._knowledge()
            with self._lock:
                view = updated(self._view, event, knowledge)
                if view == self._view:
                    return
                if isinstance(event, Decided) and event.decision in _NEW_REPLY:
                    # after a reject that named the nearest topics (a "no" to a did-you-mean
                    # names none, and has no runner-up; a greeting the file's first), those
                    # topics' questions first
                    named = event.decision == "reject" and event.runner_up is not None
                    named = named and not small_talk(event.question)
                    nearest = (event.closest, event.runner_up) if named else ()
                    if not event.answers_proposal:
                        self._declined = set()  # a new question
                    elif event.decision != "answer":  # a no: the questions it refused
                        self._declined |= {o.question for o in self._view.options if o.question}
                    declined = self._declined if event.decision == "reject" else set()
                    view = replace(
                        view,
                        suggestions=suggestions(knowledge, nearest=nearest, declined=declined),
                    )
                if _shown(view) != _shown(self._view) or self._view.state is State.SPEAKING:
                    self._changes += 1  # the rest time starts again (after a reply: once said)
                self._view = view
                changes = self._changes
                if self._loop is not None:  # sent in the order the views were made
                    text = json.dumps(view.to_dict(), ensure_ascii=False)
                    self._loop.call_soon_threadsafe(self._send, text)
                    self._loop.call_soon_threadsafe(self._rest_after, changes)
        except RuntimeError:  # the web server's loop has closed
            _log.debug("no page to send to")
        except Exception:  # the screen never stops the kiosk
            _log.exception("the screen could not show a %s event", event.kind)

    def renewed(self, knowledge: Knowledge) -> None:
        """The knowledge file was read again: questions to try that it no longer asks (an
        entry taken out, or another FAQ's) give way to its own at once; they were offered
        until the next turn. Those that it still asks stay (a reject's own choice)."""
        asked = {entry.question for entry in knowledge.entries}
        try:
            with self._lock:
                if asked.issuperset(self._view.suggestions):
                    return
                self._view = view = replace(self._view, suggestions=suggestions(knowledge))
                if self._loop is not None:  # sent in the order the views were made
                    text = json.dumps(view.to_dict(), ensure_ascii=False)
                    self._loop.call_soon_threadsafe(self._send, text)
        except RuntimeError:  # the web server's loop has closed
            _log.debug("no page to send to")

    def attach(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Send views to pages watching on ``loop`` (None: no more)."""
        with self._lock:
            self._loop = loop
            changes = self._changes
        if self._rest is not None:
            self._rest.cancel()
            self._rest = None
        if loop is not None:
            loop.call_soon_threadsafe(self._rest_after, changes)

    def _rest_after(self, changes: int) -> None:
        """Clear the screen ``rest_seconds`` from now, unless it changes before (on the web
        server's loop). A new state alone (noise opening the microphone) leaves the time set
        as it was: in a busy hall it would put the clearing off for ever."""
        if self._rest is not None:
            if changes == self._rest_changes:
                return
            self._rest.cancel()
        self._rest_changes = changes
        self._rest = asyncio.get_running_loop().call_later(self.rest_seconds, self._clear, changes)

    def _clear(self, changes: int) -> None:
        """The screen for the next visitor: the questions to try, and nothing of the last
        turn; not while the kiosk is busy (it is tried again a while later)."""
        self._rest = None
        with self._lock:
            view = self._view
            if changes != self._changes or not any(_shown(view)[:-1]):
                return  # something new came, or there is nothing to clear
            if view.state is not State.IDLE:
                cleared = None
            else:
                cleared = View(suggestions=suggestions(self._knowledge()), turn=view.turn + 1)
                self._view = cleared
                self._changes += 1
                changes = self._changes
        if cleared is None:
            self._rest_after(changes)
            return
        _log.debug("nothing happened for %.0f s; the screen is cleared", self.rest_seconds)
        self._send(json.dumps(cleared.to_dict(), ensure_ascii=False))

    @property
    def watching(self) -> int:
        return len(self._watchers)

    @contextlib.contextmanager
    def watch(self, most: int = MAX_WATCHERS) -> Iterator[Watcher | None]:
        """A page watching, its first view queued (None when ``most`` or more watch
        already)."""
        if len(self._watchers) >= most:
            yield None
            return
        watcher = Watcher()
        watcher.queue.put_nowait(self.message())
        self._watchers.add(watcher)
        try:
            yield watcher
        finally:
            self._watchers.discard(watcher)

    def close(self) -> None:
        """Tell every watching page the end (on the web server's loop)."""
        for watcher in list(self._watchers):
            self._drop(watcher)

    def _send(self, text: str) -> None:
        for watcher in list(self._watchers):
            try:
                watcher.queue.put_nowait(text)
            except asyncio.QueueFull:
                self.dropped += 1
                _log.info("a page fell behind; dropped it")
                self._drop(watcher)

    def _drop(self, watcher: Watcher) -> None:
        self._watchers.discard(watcher)
        while not watcher.queue.empty():
            watcher.queue.get_nowait()
        watcher.queue.put_nowait(None)
