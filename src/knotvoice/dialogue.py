"""Follow-ups: the small conversation state around matching.

After "Did you mean ...?" a visitor answers "yes", "no" or "the other one"; at any time they
may ask to hear the reply again, more slowly, or tell the kiosk to stop. Everything else is a
new question for the matcher.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from knotvoice.knowledge import Entry
from knotvoice.matcher import Candidate, Decision, Match, MatchStage
from knotvoice.reply import reply_text

__all__ = ["ASK_AGAIN", "Action", "Dialogue", "DialogueStep", "command_of"]

logger = logging.getLogger(__name__)

Action = Literal["answer", "confirm", "reject", "repeat", "slower", "stop", "none"]

ASK_AGAIN = "Okay. Please ask again in other words."
"""What the kiosk says when a did-you-mean is declined."""


@dataclass(frozen=True)
class DialogueStep:
    """What the kiosk does after one utterance."""

    action: Action
    """answer, confirm (did-you-mean), reject, repeat, slower (repeat slowly), stop or none."""
    match: Match | None
    """The match behind the step (None for repeat, slower, stop and none)."""
    entry: Entry | None
    """The entry answered or proposed, if any."""
    reply: str
    """What to say ("" when nothing is to be said)."""


_COMMANDS: dict[str, tuple[str, ...]] = {
    "yes": (
        "yes",
        "yeah",
        "yep",
        "yup",
        "yes it is",
        "yes i did",
        "yes that one",
        "right",
        "that is right",
        "correct",
        "that is correct",
        "exactly",
        "sure",
        "of course",
        "yes please",
        "uh huh",
        "ok",
        "okay",
        "that one",
        "it is",
        "i did",
        "affirmative",
    ),
    "no": (
        "no",
        "nope",
        "nah",
        "no it is not",
        "no i did not",
        "not that",
        "not that one",
        "no that is not it",
        "that is not it",
        "that is wrong",
        "wrong",
        "no thanks",
        "no thank you",
        "negative",
    ),
    "other": (
        "the other one",
        "other one",
        "the other",
        "the second one",
        "the other question",
        "no the other one",
        "i meant the other one",
        "the other thing",
    ),
    "repeat": (
        "repeat",
        "repeat that",
        "repeat it",
        "say that again",
        "say it again",
        "again",
        "come again",
        "pardon",
        "what did you say",
        "could you repeat that",
        "can you repeat that",
        "once more",
        "one more time",
        "i did not catch that",
        "sorry what",
    ),
    "slower": (
        "slower",
        "slow down",
        "say it slower",
        "say that slower",
        "more slowly",
        "slower please",
        "speak slower",
        "speak more slowly",
        "too fast",
        "repeat that slower",
        "repeat it slower",
        "say that again slower",
        "say it again slower",
        "again slower",
    ),
    "stop": (
        "stop",
        "stop it",
        "stop talking",
        "quiet",
        "be quiet",
        "cancel",
        "enough",
        "shut up",
        "never mind",
        "nevermind",
        "goodbye",
        "bye",
        "that is all",
        "that is enough",
    ),
}
_EDGE_WORDS = frozenset(
    {
        "um",
        "uh",
        "er",
        "erm",
        "hmm",
        "oh",
        "ah",
        "please",
        "kiosk",
        "hey",
        "well",
        "so",
        "thanks",
        "thank",
        "you",
        "sorry",
    }
)
_LEADING = frozenset({"ok", "okay", "hi", "hello"})
"""Words dropped before a command ("okay, stop") but a command on their own ("okay")."""
_CONTRACTED = (
    ("that's", "that is"),
    ("it's", "it is"),
    ("didn't", "did not"),
    ("isn't", "is not"),
    ("don't", "do not"),
    ("i'm", "i am"),
)


def command_of(text: str) -> str | None:
    """The follow-up command an utterance is ("yes", "no", "other", "repeat", "slower",
    "stop"), or None when it is something else (a question)."""
    cleaned = text.lower().replace("\u2019", "'")
    for short, long in _CONTRACTED:
        cleaned = cleaned.replace(short, long)
    words = re.findall(r"[a-z]+", cleaned)
    while words and (words[0] in _EDGE_WORDS or (len(words) > 1 and words[0] in _LEADING)):
        words.pop(0)
    while words and words[-1] in _EDGE_WORDS:
        words.pop()
    phrase = " ".join(words)
    if not phrase:
        # "thank you" or "please" alone: nothing to do, but not a question either.
        return None
    for command in ("other", "slower", "repeat", "stop", "no", "yes"):
        if phrase in _COMMANDS[command]:
            return command
    return None


class Dialogue:
    """Turns utterances into steps, remembering the last reply and any open did-you-mean."""

    def __init__(self, matcher: MatchStage) -> None:
        self.matcher = matcher
        self._pending: Match | None = None
        self._last_reply = ""

    @property
    def pending(self) -> Match | None:
        """The did-you-mean waiting for a yes or no, if any."""
        return self._pending

    def reset(self) -> None:
        """Forget the conversation (a new visitor)."""
        self._pending = None
        self._last_reply = ""

    def _answer(self, match: Match, chosen: Candidate, other: Candidate | None) -> DialogueStep:
        answered = replace(
            match, decision=Decision.ANSWER, best=chosen, runner_up=other, reason="confirmed"
        )
        reply = reply_text(answered, self.matcher.knowledge)
        return self._said(DialogueStep("answer", answered, chosen.entry, reply))

    def _said(self, step: DialogueStep) -> DialogueStep:
        if step.reply:
            self._last_reply = step.reply
        return step

    def respond(self, text: str, alternatives: Sequence[str] = ()) -> DialogueStep:
        """The step for one utterance (typed or recognised; ``alternatives`` are the
        recognizer's other hearings of it)."""
        if not text.strip():
            return DialogueStep("none", None, None, "")
        command = command_of(text)
        pending = self._pending
        if command in ("yes", "no", "other") and pending is not None and pending.best is not None:
            self._pending = None
            if command == "yes":
                return self._answer(pending, pending.best, pending.runner_up)
            if command == "other" and pending.runner_up is not None:
                return self._answer(pending, pending.runner_up, pending.best)
            return self._said(DialogueStep("reject", pending, None, ASK_AGAIN))
        if command in ("repeat", "slower"):
            action: Action = "repeat" if command == "repeat" else "slower"
            return DialogueStep(action, None, None, self._last_reply)
        if command == "stop":
            self._pending = None
            return DialogueStep("stop", None, None, "")
        if command in ("yes", "no", "other"):
            # Nothing was proposed: there is nothing to agree or disagree with.
            return DialogueStep("none", None, None, "")
        match = self.matcher.match(text, alternatives)
        reply = reply_text(match, self.matcher.knowledge)
        entry = match.best.entry if match.best is not None else None
        if match.decision is Decision.CONFIRM:
            self._pending = match
            return self._said(DialogueStep("confirm", match, entry, reply))
        self._pending = None
        if match.decision is Decision.ANSWER:
            return self._said(DialogueStep("answer", match, entry, reply))
        return self._said(DialogueStep("reject", match, None, reply))
