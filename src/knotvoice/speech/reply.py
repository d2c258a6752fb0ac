"""The words the kiosk says back for a decision."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from knotvoice.knowledge import CLOSING_MARKS, Entry, Knowledge
from knotvoice.lang import english
from knotvoice.match import Decision, Match
from knotvoice.speech.speakable import speakable

REJECT = english().replies.reject
HELP_TOPICS = 5
"""Topics named to a visitor who asks what the kiosk can do (three to one turned away)."""
_CLOSING = f"{CLOSING_MARKS} "
_NOTES_AFTER_RE = re.compile(r"(?:\s*(?:\([^()]*\)|\[[^\[\]]*\]))+\s*[.!]?\s*$")
_NOTE_RE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")


def spoken_answer(entry: Entry) -> str:
    """The answer of an entry as it should be spoken."""
    return speakable(entry.spoken or entry.answer)


def spoken_question(entry: Entry) -> str:
    """The entry's question as it should be spoken, without its question mark, notes in
    brackets after it said before where the mark was ("Can I pay by card? (credit or debit)"
    was said "Can I pay by card?, credit or debit"; now "Can I pay by card, credit or
    debit", which tells it from another entry's "(cash)")."""
    question = entry.question
    if found := _NOTES_AFTER_RE.search(question):
        notes = (inner.strip() for pair in _NOTE_RE.findall(found.group()) for inner in pair)
        parts = (question[: found.start()].rstrip(_CLOSING), *notes)
        question = ", ".join(part for part in parts if part) or question
    return speakable(question).rstrip(_CLOSING)


def spoken_topic(entry: Entry) -> str:
    """The entry's topic as it should be spoken within a sentence ("" when it has none): an
    emoji in it ("café ☕") was read out by name ("café hot beverage")."""
    return speakable(entry.topic).rstrip(".!?") if entry.topic else ""


def did_you_mean(entry: Entry, again: bool = False, then: bool = False) -> str:
    """ "Did you mean: ...?" proposing ``entry``; ``again`` when its answer was not caught,
    ``then`` after a no to the other entry it was between."""
    replies = english().replies
    asked = replies.did_you_mean_again if again else replies.did_you_mean
    asked = replies.did_you_mean_then if then else asked
    return asked.format(question=spoken_question(entry))


def which_one(entries: Sequence[Entry]) -> str:
    """ "Which one: ...? Or: ...?", asking which of the questions a reject read out
    (``entries``) a "yes" to them meant."""
    return english().replies.which_one.format(questions=_asked(entries))


def _asked(entries: Sequence[Entry]) -> str:
    """The questions of ``entries`` as a reply reads them out: "...? Or: ...?"."""
    return english().replies.questions_or.join(f"{spoken_question(e)}?" for e in entries)


def topics_hint(knowledge: Knowledge | None, count: int = 3, nearest: Sequence[Entry] = ()) -> str:
    """ "You can ask me about a, b or c." naming a few topics of the knowledge: those of the
    ``nearest`` entries first (the entries a question turned away came closest to), then the
    file's first. A file without topics (as imported) has two questions named instead."""
    if knowledge is None:
        return ""
    topics = [_named_topic(entry) for entry in named_topics(knowledge, count, nearest)]
    replies = english().replies
    if not topics:
        questions = _asked(read_out(knowledge, nearest))
        return replies.questions.format(questions=questions) if questions else ""
    listed = (
        topics[0]
        if len(topics) == 1
        else f"{', '.join(topics[:-1])}{replies.topics_or}{topics[-1]}"
    )
    return replies.topics.format(topics=listed)


def named_topics(
    knowledge: Knowledge, count: int = 3, nearest: Sequence[Entry] = ()
) -> tuple[Entry, ...]:
    """The entries whose topics ``topics_hint`` names, one a topic, in the order named: the
    first of the ``nearest`` entries and then of the file's with each topic."""
    return _first_of_each((*nearest, *knowledge.entries), _named_topic, count)


def _named_topic(entry: Entry) -> str:
    """The topic of ``entry`` as a reject names it; none for one that holds what the others
    do not ("Other", "General"), no subject a visitor asks about, nor for one written as a
    yes-or-no question ("are knots dangerous"), which reads badly after "ask me about"."""
    topic = spoken_topic(entry)
    language = english()
    return "" if language.asks_yes_or_no(topic) or language.catch_all(topic) else topic


def read_out(knowledge: Knowledge | None, nearest: Sequence[Entry] = ()) -> tuple[Entry, ...]:
    """The entries whose questions a reject reads out in a file without topics (none in a
    file with topics, which names topics instead): the first two of the ``nearest`` entries,
    then the file's, whose questions are said differently."""
    if knowledge is None or any(_named_topic(entry) for entry in knowledge.entries):
        return ()
    return _first_of_each((*nearest, *knowledge.entries), spoken_question, 2)


def _first_of_each(
    entries: Sequence[Entry], said: Callable[[Entry], str], count: int
) -> tuple[Entry, ...]:
    """The first ``count`` of ``entries`` each said (``said``) differently, none unsaid."""
    named: dict[str, Entry] = {}
    for entry in entries:
        words = said(entry)
        if words and words not in named:
            named[words] = entry
            if len(named) == count:
                break
    return tuple(named.values())


def reply_text(match: Match, knowledge: Knowledge | None = None, heard: str = "") -> str:
    """What to say for a match: the answer, a did-you-mean question, or a polite reject.

    A reject names the topics of the entries the question came closest to (or, in a file
    without topics, their questions): a visitor turned away whose question the FAQ does
    answer hears what to ask about (the right entry is one of the two closest for most such
    questions), not the first topics of the file. A greeting (``heard``, what was asked) is
    greeted back instead of turned away, and a request for help told what can be asked, each
    with the file's first topics."""
    if match.decision is Decision.ANSWER and match.best is not None:
        return spoken_answer(match.best.entry)
    if match.decision is Decision.CONFIRM and match.best is not None:
        return did_you_mean(match.best.entry)
    talk = small_talk(heard)
    nearby = [] if talk else _closest(match)
    hint = topics_hint(knowledge, HELP_TOPICS if talk == "help" else 3, nearby)
    if talk == "greeting":
        opening = english().replies.greeting
    else:
        opening = "" if talk == "help" and hint else REJECT
    return " ".join(part for part in (opening, hint) if part)


def nearest(match: Match, heard: str = "") -> list[Entry]:
    """The entries a reject of ``match`` names first (their topics, or in a file without
    topics their questions): the two it came closest to, but none for a greeting or a
    request for help (``heard``), which came close to nothing it asks."""
    return [] if small_talk(heard) else _closest(match)


def _closest(match: Match) -> list[Entry]:
    """The entries ``match`` came closest to, the nearest first."""
    return [found.entry for found in (match.best, match.runner_up) if found is not None]


_LONGEST_GREETING = max(len(greeting) for greeting in english().greetings)
"""The most words of a greeting."""


def small_talk(heard: str) -> str | None:
    """What ``heard`` says when it only greets the kiosk ("greeting": "hello", "good
    morning, kiosk", "hi, how are you") or only asks what it can do ("help": "um, what can
    you do?", "hello, what can I ask?"); None for anything else."""
    language = english()
    said = language.said(heard)
    edges = language.command_edges | language.command_leading
    greeted, start = False, 0
    while start < len(said):
        # the longest greeting first ("hi there", though "hi" is an edge word), else a word
        # said around one ("um", "kiosk")
        lengths = range(min(_LONGEST_GREETING, len(said) - start), 0, -1)
        greeting = next(
            (n for n in lengths if tuple(said[start : start + n]) in language.greetings), 0
        )
        if not greeting and said[start] not in edges:
            break
        greeted, start = greeted or bool(greeting), start + max(greeting, 1)
    end = len(said)
    while end > start and said[end - 1] in edges:
        end -= 1
    if start == end:
        return "greeting" if greeted else None
    # as said ("who are you", though "you" is an edge word), then without the edge words
    asked = (tuple(said[start:]), tuple(said[start:end]))
    return "help" if any(words in language.asking_for_help for words in asked) else None
