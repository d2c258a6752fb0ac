"""The words the kiosk says back for a decision."""

from __future__ import annotations

from knotvoice.knowledge import Entry, Knowledge
from knotvoice.lang import english
from knotvoice.match import Decision, Match
from knotvoice.speech.speakable import speakable

REJECT = english().replies.reject


def spoken_answer(entry: Entry) -> str:
    """The answer of an entry as it should be spoken."""
    return speakable(entry.spoken or entry.answer)


def spoken_question(entry: Entry) -> str:
    """The entry's question as it should be spoken, without its question mark."""
    return speakable(entry.question).rstrip(".!?")


def did_you_mean(entry: Entry) -> str:
    return english().replies.did_you_mean.format(question=spoken_question(entry))


def topics_hint(knowledge: Knowledge | None, count: int = 3) -> str:
    """ "You can ask me about a, b or c." naming a few topics of the knowledge."""
    if knowledge is None:
        return ""
    topics = [entry.topic for entry in knowledge.entries if entry.topic][:count]
    if not topics:
        return ""
    replies = english().replies
    listed = (
        topics[0]
        if len(topics) == 1
        else f"{', '.join(topics[:-1])}{replies.topics_or}{topics[-1]}"
    )
    return replies.topics.format(topics=listed)


def reply_text(match: Match, knowledge: Knowledge | None = None) -> str:
    """What to say for a match: the answer, a did-you-mean question, or a polite reject."""
    if match.decision is Decision.ANSWER and match.best is not None:
        return spoken_answer(match.best.entry)
    if match.decision is Decision.CONFIRM and match.best is not None:
        return did_you_mean(match.best.entry)
    return " ".join(part for part in (REJECT, topics_hint(knowledge)) if part)
