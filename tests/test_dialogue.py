"""Follow-ups after a did-you-mean, repeats and stops."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from knotvoice.asr import Transcript
from knotvoice.knowledge import Entry, Knowledge, load
from knotvoice.lang import english
from knotvoice.match import Candidate, Decision, Match, Reason
from knotvoice.match.matcher import Matcher
from knotvoice.match.semantic import SemanticModel
from knotvoice.speech.reply import did_you_mean, reply_text, spoken_answer
from knotvoice.turn import Dialogue, command_of, tapped, typed

ROOT = Path(__file__).resolve().parents[1]
WORSE = Entry("massage-worse", "Can massaging a knot make it worse?", "It can.")
OFTEN = Entry("massage-how-often", "How often should you massage a knot?", "Every day.")
KNOWLEDGE = Knowledge((WORSE, OFTEN))


def spoken(text: str) -> Transcript:
    """An utterance as the recognizer heard it (a typed one can mean more)."""
    return Transcript(text, engine="whisper")


class ScriptedMatcher:
    """Answers "how often" questions, asks back on "massage", rejects the rest."""

    knowledge = KNOWLEDGE

    def __init__(self) -> None:
        self.asked: list[str] = []

    def probabilities(
        self, texts: Sequence[str], likelihoods: Sequence[float] = ()
    ) -> npt.NDArray[np.float64]:
        return np.zeros(len(KNOWLEDGE.entries))

    def likeness_in_words(self, text: str) -> float:
        return 0.0

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        self.asked.append(text)
        if "often" in text:
            return Match(Decision.ANSWER, Candidate(OFTEN, 90.0), Candidate(WORSE, 40.0), text)
        if "massage" in text:
            return Match(Decision.CONFIRM, Candidate(WORSE, 70.0), Candidate(OFTEN, 68.0), text)
        return Match(Decision.REJECT, Candidate(WORSE, 10.0), Candidate(OFTEN, 9.0), text)


@pytest.fixture
def dialogue() -> Dialogue:
    return Dialogue(ScriptedMatcher())


def test_a_question_is_answered(dialogue: Dialogue) -> None:
    step = dialogue.respond(typed("how often can I massage it?"))
    assert step.action == "answer"
    assert step.entry == OFTEN
    assert step.reply == spoken_answer(OFTEN)


@pytest.mark.parametrize("yes", ["yes", "Yeah.", "right", "Yes, please", "that's right"])
def test_yes_after_a_did_you_mean_answers_the_proposed_entry(dialogue: Dialogue, yes: str) -> None:
    asked = dialogue.respond(typed("massage"))
    assert asked.action == "confirm"
    assert asked.reply == did_you_mean(WORSE)
    step = dialogue.respond(typed(yes))
    assert step.action == "answer"
    assert step.entry == WORSE
    assert step.reply == spoken_answer(WORSE)
    assert step.match is not None and step.match.decision is Decision.ANSWER
    assert dialogue.pending is None


def test_no_after_a_did_you_mean_proposes_the_other_then_asks_again_politely(
    dialogue: Dialogue,
) -> None:
    """ "massage" is a topic of two entries: a no to the first was told to ask again in other
    words, though the other one was as likely; it is now proposed in turn."""
    dialogue.respond(typed("massage"))
    then = dialogue.respond(typed("No."))
    assert (then.action, then.entry) == ("confirm", OFTEN)
    assert then.reply == f"Then did you mean: {OFTEN.question.rstrip('?')}?"
    step = dialogue.respond(typed("no"))
    assert step.action == "reject"
    assert step.reply == english().replies.ask_again
    assert step.entry is None
    assert dialogue.pending is None
    # and a yes to the other one answers it
    dialogue.respond(typed("massage"))
    dialogue.respond(typed("no"))
    answered = dialogue.respond(typed("yes"))
    assert (answered.action, answered.entry) == ("answer", OFTEN)


def test_the_other_one_answers_the_runner_up(dialogue: Dialogue) -> None:
    dialogue.respond(typed("massage"))
    step = dialogue.respond(typed("the other one"))
    assert step.action == "answer"
    assert step.entry == OFTEN
    assert step.reply == spoken_answer(OFTEN)


def test_a_yes_no_or_the_other_one_to_a_did_you_mean_is_known_for_a_reply(
    dialogue: Dialogue,
) -> None:
    """The screen shows a "yes" typed to a did-you-mean as a reply, not as a question asked:
    the turn says it answered what was proposed."""
    assert not dialogue.respond(typed("massage")).answers_proposal
    replies = [dialogue.respond(typed(said)) for said in ("no", "no")]
    assert [(turn.action, turn.answers_proposal) for turn in replies] == [
        ("confirm", True),
        ("reject", True),
    ]
    for said in ("yes", "the other one"):
        dialogue.respond(typed("massage"))
        assert dialogue.respond(typed(said)).answers_proposal
    # with nothing proposed, or after an answer, a yes answers nothing
    assert not dialogue.respond(typed("yes")).answers_proposal
    assert not dialogue.respond(typed("how often can I massage it?")).answers_proposal


def test_repeat_and_slower_say_the_last_reply_again(dialogue: Dialogue) -> None:
    answer = dialogue.respond(typed("how often can I massage it?"))
    repeated = dialogue.respond(typed("Say that again"))
    assert (repeated.action, repeated.reply) == ("repeat", answer.reply)
    slower = dialogue.respond(typed("slower please"))
    assert (slower.action, slower.reply) == ("slower", answer.reply)
    assert dialogue.respond(typed("repeat")).reply == answer.reply


def test_repeat_keeps_an_open_did_you_mean(dialogue: Dialogue) -> None:
    asked = dialogue.respond(typed("massage"))
    assert dialogue.respond(typed("pardon?")).reply == asked.reply
    assert dialogue.respond(typed("yes")).entry == WORSE


def test_stop_stops_the_reply_and_leaves_the_did_you_mean_open(dialogue: Dialogue) -> None:
    """The screen still showed the question and its choices after a "stop", but a yes then
    answered nothing; the screen's Stop button left it open."""
    dialogue.respond(typed("massage"))
    step = dialogue.respond(typed("Stop!"))
    assert (step.action, step.reply) == ("stop", "")
    assert dialogue.pending is not None
    assert dialogue.respond(tapped("yes")).entry == WORSE


def test_a_stopped_did_you_mean_is_not_asked_again_of_a_new_question(dialogue: Dialogue) -> None:
    dialogue.respond(spoken("massage"))
    dialogue.respond(spoken("stop"))
    step = dialogue.respond(spoken("where's the loo"))  # short, and turned away
    assert step.action == "reject" and not step.reply.startswith("Sorry, I didn't catch")


@pytest.mark.parametrize("bye", ["bye", "OK, bye.", "never mind", "see you later"])
def test_a_goodbye_over_a_did_you_mean_forgets_it(dialogue: Dialogue, bye: str) -> None:
    """Left open, the next visitor's "okay" answered the last one's did-you-mean."""
    dialogue.respond(typed("massage"))
    assert dialogue.respond(typed(bye)).action == "stop"
    assert dialogue.pending is None
    assert dialogue.respond(typed("okay")).entry is None


def test_nothing_typed_but_a_hesitation_asks_the_did_you_mean_again() -> None:
    """A typed "hmm" was turned away and the did-you-mean forgotten (said, it was asked
    again)."""

    class Hesitant(ScriptedMatcher):
        def match(
            self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
        ) -> Match:
            if text in ("hmm", "hello"):  # as the matcher has it: no word left to match
                return Match(Decision.REJECT, None, None, "", Reason.NO_QUESTION)
            return super().match(text, alternatives, likelihoods)

    dialogue = Dialogue(Hesitant())
    dialogue.respond(typed("massage"))
    step = dialogue.respond(typed("hmm"))
    assert (step.action, step.reply) == ("confirm", did_you_mean(WORSE, again=True))
    assert dialogue.respond(typed("yes")).entry == WORSE
    # nor once stopped: still open to a yes, it is asked again
    dialogue.respond(typed("massage"))
    dialogue.respond(typed("stop"))
    assert dialogue.respond(typed("hmm")).reply == did_you_mean(WORSE, again=True)
    assert dialogue.respond(typed("yes")).entry == WORSE
    # a greeting is no hesitation: it is greeted, the did-you-mean not asked again
    dialogue.respond(typed("massage"))
    greeted = dialogue.respond(typed("hello"))
    assert greeted.reply.startswith(english().replies.greeting)


@pytest.mark.parametrize("said", ["okay", "lovely", "got it", "cool"])
def test_an_acknowledgement_typed_after_an_answer_leaves_it_be(
    dialogue: Dialogue, said: str
) -> None:
    """Typed while the answer was said, each was told "Sorry, I can't answer that", which cut
    the answer short."""
    dialogue.respond(typed("how often"))
    step = dialogue.respond(typed(said))
    assert (step.action, step.reply) == ("none", "")
    assert dialogue.respond(typed("repeat")).reply == spoken_answer(OFTEN)


@pytest.mark.parametrize("reply", ["Yes, where are they?", "Um, yeah, I think so, thanks."])
def test_a_yes_with_more_that_cannot_be_answered_is_the_yes(dialogue: Dialogue, reply: str) -> None:
    # "Yes, where are they?" to "Did you mean: where are the toilets?" was turned away.
    dialogue.respond(spoken("massage"))
    step = dialogue.respond(spoken(reply))
    assert (step.action, step.entry, step.answers_proposal) == ("answer", WORSE, True)


@pytest.mark.parametrize(
    "reply",
    [
        "Okay, what about the weather?",
        "Right, and the weather?",
        "Yes, I mean the weather",
        "Yeah, no.",
        "Yes, no, sorry",
        "Yeah, not that one",
        "yes, wrong one",
        "Yeah, the second one",
    ],
)
def test_a_new_question_or_a_no_after_a_did_you_mean_is_no_yes(
    dialogue: Dialogue, reply: str
) -> None:
    # "Yeah, no." was taken for a yes, and answered with the entry refused.
    dialogue.respond(spoken("massage"))
    assert dialogue.respond(spoken(reply)).action != "answer"  # at most asked again


def test_a_yes_with_more_is_a_question_when_it_can_be_answered_or_comes_late(
    dialogue: Dialogue,
) -> None:
    dialogue.respond(spoken("massage"))
    step = dialogue.respond(spoken("Yes, and how often can I do it?"))
    assert (step.action, step.entry) == ("answer", OFTEN)
    dialogue.respond(spoken("massage"))
    assert dialogue.respond(spoken("Yes, where are they?"), follow_up=False).action == "reject"


def test_anything_else_is_a_new_question(dialogue: Dialogue) -> None:
    dialogue.respond(typed("massage"))
    step = dialogue.respond(typed("what about the weather"))
    assert step.action == "reject"
    assert step.reply.startswith("Sorry")
    # the did-you-mean is forgotten: what is open now is the questions the reject read out
    assert dialogue.pending is not None and dialogue.pending.decision is Decision.REJECT


@pytest.mark.parametrize(
    "thanks", ["Thank you.", "Thanks!", "OK, thanks.", "Cheers", "Great, thanks"]
)
def test_thanks_after_an_answer_is_not_told_it_cannot_be_answered(
    dialogue: Dialogue, thanks: str
) -> None:
    # A visitor who thanks the kiosk was told "Sorry, I can't answer that."
    answer = dialogue.respond(typed("how often can I massage it?"))
    step = dialogue.respond(typed(thanks))
    assert (step.action, step.reply) == ("none", "")
    assert dialogue.respond(typed("say that again")).reply == answer.reply


def test_thanks_leaves_an_open_did_you_mean_open(dialogue: Dialogue) -> None:
    dialogue.respond(typed("massage"))
    assert dialogue.respond(typed("thank you")).action == "none"
    assert dialogue.respond(typed("yes")).entry == WORSE


@pytest.mark.parametrize("answer", ["yes", "okay", "no", "the other one"])
def test_a_yes_long_after_a_did_you_mean_answers_nothing(dialogue: Dialogue, answer: str) -> None:
    # The visitor asked and walked away; the next one says "Okay." to start, and was given
    # the answer to the last visitor's did-you-mean.
    dialogue.respond(typed("massage"))
    step = dialogue.respond(typed(answer), follow_up=False)
    assert (step.action, step.entry, step.reply) == ("none", None, "")
    assert dialogue.pending is None
    assert dialogue.respond(spoken("yes")).action == "none"


@pytest.mark.parametrize("again", ["pardon?", "slower please"])
def test_a_late_yes_then_pardon_asks_again_and_a_yes_then_answers(
    dialogue: Dialogue, again: str
) -> None:
    """The did-you-mean or the questions read out, said again after a yes that came too
    late, were heard again, but a yes then met silence: nothing was proposed any more."""
    dialogue.respond(typed("massage"))
    assert dialogue.respond(typed("yes"), follow_up=False).action == "none"
    assert dialogue.respond(typed(again)).reply.startswith("Did you mean")
    assert dialogue.respond(typed("yes")).entry == WORSE
    read_out = dialogue.respond(typed("what about the weather"))
    assert dialogue.respond(typed("the second one"), follow_up=False).action == "none"
    repeated = dialogue.respond(typed(again))
    assert repeated.reply == read_out.reply
    assert repeated.offered == read_out.offered  # for the screen's buttons
    assert dialogue.respond(typed("the second one")).entry == OFTEN
    answered = dialogue.respond(typed("pardon?"))
    assert answered.reply == OFTEN.answer
    assert dialogue.respond(spoken("yes")).action == "none"  # an answer proposes nothing


@pytest.mark.parametrize(
    ("said", "entry"),
    [
        ("Uh huh.", WORSE),
        ("Mm-hmm.", WORSE),
        ("Yes, that's it.", WORSE),
        ("That's the one.", WORSE),
        ("Yep, that's what I meant.", WORSE),
        ("Not really.", None),
        ("No, not that one.", None),
        ("That's not what I meant.", None),
    ],
)
def test_everyday_answers_to_a_did_you_mean_are_taken_as_yes_or_no(
    dialogue: Dialogue, said: str, entry: Entry | None
) -> None:
    # They were asked as new questions: "Sorry, I can't answer that."
    dialogue.respond(typed("massage"))
    step = dialogue.respond(typed(said))
    if entry:
        assert (step.entry, step.reply) == (entry, spoken_answer(WORSE))
    else:  # a no: the other entry "massage" names is proposed in turn
        assert (step.action, step.entry, step.reply) == (
            "confirm",
            OFTEN,
            did_you_mean(OFTEN, then=True),
        )


@pytest.mark.parametrize(
    ("said", "action"),
    [
        ("Can you say that again?", "repeat"),
        ("Sorry, what was that?", "repeat"),
        ("Huh?", "repeat"),
        ("I didn't hear that.", "repeat"),
        ("Pardon me?", "repeat"),
        ("What?", "repeat"),
        ("Sorry?", "repeat"),
        ("Eh?", "repeat"),
        ("Can you speak slower?", "slower"),
        ("Could you say that more slowly, please?", "slower"),
        ("Not so fast!", "slower"),
    ],
)
def test_everyday_ways_to_ask_again_say_the_reply_again(
    dialogue: Dialogue, said: str, action: str
) -> None:
    # They were asked as new questions: "Sorry, I can't answer that."
    answer = dialogue.respond(typed("how often can I massage it?"))
    step = dialogue.respond(typed(said))
    assert (step.action, step.reply) == (action, answer.reply)


def test_yes_without_a_question_does_nothing(dialogue: Dialogue) -> None:
    assert dialogue.respond(spoken("yes")).action == "none"
    assert dialogue.respond(typed("   ")).action == "none"
    assert dialogue.respond(typed("repeat")).reply == ""


@pytest.mark.parametrize("text", ["yes", "No.", "the other one"])
def test_a_yes_typed_to_nothing_is_told_what_to_ask(text: str) -> None:
    # Said, it may be talk in the room; typed on the screen it is the visitor's, who saw
    # nothing happen.
    topical = Knowledge(tuple(replace(entry, topic="massage") for entry in KNOWLEDGE.entries))

    class Topical(ScriptedMatcher):
        knowledge = topical

    dialogue = Dialogue(Topical())
    step = dialogue.respond(typed(text))
    assert (step.action, step.entry) == ("reject", None)
    assert step.reply.startswith("Sorry") and step.reply.endswith("You can ask me about massage.")
    assert dialogue.respond(typed("repeat")).reply == step.reply
    assert dialogue.respond(typed("thanks")).action == "none"


def test_a_yes_after_a_goodbye_takes_up_no_answer(dialogue: Dialogue) -> None:
    """An answer, then "bye": a "yes" typed after it was taken as an "okay" to that answer,
    and the screen showed the visitor nothing. After a goodbye it is a yes to nothing: typed,
    it is told what can be asked; said, it is let pass. A did-you-mean left with a goodbye
    came back with the next visitor's "say that again"."""
    answered = dialogue.respond(typed("how often can I massage it?"))
    assert answered.action == "answer"
    assert dialogue.respond(typed("ok")).acknowledged, "an okay to the answer, as before"
    dialogue.respond(typed("bye"))
    step = dialogue.respond(typed("yes"))
    assert (step.action, step.entry) == ("reject", None) and step.reply.startswith("Sorry")
    dialogue.respond(typed("how often can I massage it?"))
    dialogue.respond(spoken("never mind"))
    said = dialogue.respond(spoken("yes"))
    assert (said.action, said.acknowledged, said.reply) == ("none", False, "")
    # nor does the next visitor's "say that again" bring back a did-you-mean left so
    proposed = dialogue.respond(typed("massage?"))
    assert proposed.action == "confirm"
    dialogue.respond(spoken("bye"))
    assert dialogue.respond(spoken("say that again")).reply == ""
    assert dialogue.respond(spoken("yes")).action == "none"


def test_the_questions_a_yes_typed_to_nothing_reads_out_can_be_picked(dialogue: Dialogue) -> None:
    """In a file without topics the reply reads out two questions; "the second one" got the
    same reply again, for ever."""
    step = dialogue.respond(typed("yes"))
    assert step.reply.endswith(
        "Can massaging a knot make it worse? Or: How often should you massage a knot?"
    )
    assert step.offered == (WORSE, OFTEN)
    assert dialogue.respond(typed("the second one")).entry == OFTEN


def test_a_choice_tapped_when_nothing_is_proposed_answers_nothing(dialogue: Dialogue) -> None:
    # a button left on the screen from a did-you-mean since forgotten
    assert dialogue.respond(tapped("yes")).action == "none"
    dialogue.respond(typed("massage"))
    assert dialogue.respond(tapped("yes")).entry == WORSE


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("Um, yes please.", "yes"),
        ("nope", "no"),
        ("No, the other one.", "other"),
        ("Could you repeat that?", "repeat"),
        ("Slow down", "slower"),
        ("Okay kiosk, stop.", "stop"),
        ("Yes, how often should I massage a knot?", None),
        ("no knot", None),
        ("Thank you very much!", "thanks"),
        ("Hey kiosk.", None),
        ("Go ahead.", "yes"),
        ("Aye, go on then.", "yes"),
        ("Neither of those.", "no"),
        ("No, not what I meant.", "no"),
        ("The latter.", "other"),
        ("Run that by me again?", "repeat"),
        ("That was too fast!", "slower"),
        # Several commands' phrases strung together.
        ("Nah, not that one.", "no"),
        ("No, the other question.", "other"),
        ("Mm hmm, exactly.", "yes"),
        ("Okay, right, thanks.", "yes"),
        ("No, never mind.", "stop"),
        ("Sorry, again, slower please.", "slower"),
        ("Yes. No.", None),
        ("Is it right?", None),
        ("No, not that knot.", None),
    ],
)
def test_commands_are_whole_short_utterances(text: str, command: str | None) -> None:
    assert command_of(text) == command


def test_another_hearing_of_the_question_counts(knowledge: Knowledge, tmp_path: Path) -> None:
    # The recognizer's best hearing lost "MRI"; one of its other hearings, nearly as likely,
    # kept it: the kiosk at least asks whether that was the question.
    matcher = Matcher(knowledge, cache_dir=tmp_path)
    misheard = "We'll then re-show it to me again."
    heard = Transcript(
        misheard,
        alternatives=("Would an MRI show if my back is inflamed?",),
        likelihoods=(-9.0, -9.2),
    )
    step = Dialogue(matcher).respond(heard)
    assert step.action in ("answer", "confirm")
    assert step.entry is not None and step.entry.id == "mri-inflammation"
    assert Dialogue(matcher).respond(typed(misheard)).action != "answer"


def test_a_dialogue_that_follows_its_knowledge_answers_from_the_new_one_between_turns() -> None:
    first, second = ScriptedMatcher(), ScriptedMatcher()
    current = [first]
    dialogue = Dialogue(first, follow=lambda: current[0])
    dialogue.respond(typed("how often?"))
    current[0] = second
    dialogue.respond(typed("how often now?"))
    assert first.asked == ["how often?"] and second.asked == ["how often now?"]


def test_a_turn_is_matched_and_answered_from_one_knowledge_when_a_reload_lands_during_it() -> None:
    # The file reloaded while the turn was under way: its question is matched by the matcher
    # the turn began with, whose knowledge its reply then reads, never half of each.
    first, second = ScriptedMatcher(), ScriptedMatcher()
    calls = iter([first, second])
    dialogue = Dialogue(first, follow=lambda: next(calls, second))
    dialogue.respond(typed("how often?"))
    assert first.asked == ["how often?"] and second.asked == []


NEW_OFTEN = Entry("massage-how-often", "How often should you massage a knot?", "Twice a week.")


class EditedMatcher(ScriptedMatcher):
    """The same questions after the operator changed an answer in the knowledge file."""

    knowledge = Knowledge((WORSE, NEW_OFTEN))

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        found = super().match(text, alternatives, likelihoods)
        if found.best is not None and found.best.entry is OFTEN:
            return Match(found.decision, Candidate(NEW_OFTEN, 90.0), found.runner_up, text)
        return found


def test_a_question_worked_out_before_the_knowledge_changed_is_answered_from_the_new_one() -> None:
    # The kiosk works a question out during the pause that ends it; when the knowledge file
    # changes before the end of speech, the answer comes from the new file alone.
    current: list[ScriptedMatcher] = [ScriptedMatcher()]
    dialogue = Dialogue(current[0], follow=lambda: current[0])
    ahead = dialogue.understand(typed("how often?"))
    current[0] = EditedMatcher()
    step = dialogue.respond(typed("how often?"), ahead)
    assert step.action == "answer"
    assert step.reply == spoken_answer(NEW_OFTEN)


def test_a_yes_to_a_did_you_mean_asked_before_the_knowledge_changed_reads_it_as_it_is_now() -> None:
    """A "yes" after the operator edited the proposed entry's answer got the old answer, and
    after the entry was removed, the removed entry's answer."""
    current: list[ScriptedMatcher] = [ScriptedMatcher()]
    dialogue = Dialogue(current[0], follow=lambda: current[0])
    assert dialogue.respond(typed("massage")).reply == did_you_mean(WORSE)
    edited = Entry(WORSE.id, WORSE.question, "Yes, if you press too hard.")
    current[0] = ScriptedMatcher()
    current[0].knowledge = Knowledge((edited, OFTEN))
    step = dialogue.respond(typed("yes"))
    assert step.action == "answer" and step.entry == edited
    assert step.reply == spoken_answer(edited)
    # the proposed entry removed: the visitor is asked again, not answered from it
    assert dialogue.respond(typed("massage")).reply == did_you_mean(edited)
    current[0] = ScriptedMatcher()
    current[0].knowledge = Knowledge((OFTEN,))
    step = dialogue.respond(typed("yes"))
    assert step.action == "reject" and step.entry is None
    # a yes was told "Okay. Please ask again in other words.", as a no is
    assert (
        step.reply
        == english().replies.withdrawn
        == "Sorry, I can no longer answer that. Please ask again."
    )
    assert dialogue.respond(typed("massage")).reply == did_you_mean(WORSE)
    current[0] = ScriptedMatcher()
    current[0].knowledge = Knowledge((OFTEN,))
    refused = dialogue.respond(typed("no"))
    assert refused.reply == english().replies.ask_again
    assert refused.answers_proposal, "a no answers it, as before the entry left"
    # said again after the entry was removed: asked to ask again, not the old did-you-mean
    current[0] = ScriptedMatcher()
    assert dialogue.respond(typed("massage")).reply == did_you_mean(WORSE)
    current[0] = ScriptedMatcher()
    current[0].knowledge = Knowledge((OFTEN,))
    assert dialogue.respond(typed("say that again")).reply == english().replies.ask_again


def test_a_did_you_mean_speaks_the_question_not_its_markup() -> None:
    entry = Entry("refund", "**Can I get a refund?** \U0001f4b7", "Yes, within 28 days.")
    assert did_you_mean(entry) == "Did you mean: Can I get a refund?"
    assert did_you_mean(WORSE) == "Did you mean: Can massaging a knot make it worse?"


def test_a_question_turned_away_is_told_the_topics_it_came_closest_to() -> None:
    """A reject named the file's first three topics whatever was asked; a visitor whose
    question the FAQ answers, but not surely enough, hears the topics of the entries it came
    closest to, the nearest first (the right one is among the two closest for most)."""
    entries = tuple(
        Entry(f"e{n}", f"Question {n}?", "Answer.", topic=topic)
        for n, topic in enumerate(("opening hours", "parking", "prices", "parties", "lockers"))
    )
    knowledge = Knowledge(entries)
    near = Match(Decision.REJECT, Candidate(entries[3], 20.0), Candidate(entries[4], 5.0), "q")
    assert reply_text(near, knowledge) == (
        f"{english().replies.reject} You can ask me about parties, lockers or opening hours."
    )
    # Nothing heard, or no entry came near: the file's first topics.
    nothing = Match(Decision.REJECT, None, None, "")
    assert reply_text(nothing, knowledge).endswith("opening hours, parking or prices.")
    # An entry without a topic is passed over.
    bare = Entry("bare", "Bare?", "Answer.")
    mixed = Knowledge((*entries, bare))
    unsure = Match(Decision.REJECT, Candidate(bare, 30.0), Candidate(entries[2], 9.0), "q")
    assert reply_text(unsure, mixed).endswith("prices, opening hours or parking.")


def test_a_question_turned_away_by_a_file_without_topics_is_told_two_questions() -> None:
    """An imported file has no topics, and a visitor turned away heard only "Sorry, I can't
    answer that.": nothing to ask instead. The questions of the two entries it came closest
    to are read out, or the file's first two when nothing came near."""
    entries = tuple(
        Entry(f"e{n}", question, "Answer.")
        for n, question in enumerate(
            ("When are you open?", "**Is there parking?**", "Can I bring my dog?")
        )
    )
    knowledge = Knowledge(entries)
    near = Match(Decision.REJECT, Candidate(entries[2], 20.0), Candidate(entries[1], 5.0), "q")
    assert reply_text(near, knowledge) == (
        f"{english().replies.reject} You can ask me, for example: Can I bring my dog? "
        "Or: Is there parking?"
    )
    nothing = Match(Decision.REJECT, None, None, "")
    assert reply_text(nothing, knowledge).endswith(
        "for example: When are you open? Or: Is there parking?"
    )
    alone = Knowledge(entries[:1])
    assert reply_text(nothing, alone).endswith("for example: When are you open?")
    # The same entry nearest twice, a question with nothing to say aloud, a note in brackets
    # and a full-width mark: each question once, as it is said.
    odd = Knowledge(
        (
            Entry("emoji", "\U0001f436?", "Dogs."),
            Entry("cards", "Do you take cards? (credit or debit)", "Yes."),
            Entry("hours", "When are you open\uff1f", "Nine."),
        )
    )
    twice = Match(
        Decision.REJECT, Candidate(odd.entries[0], 9.0), Candidate(odd.entries[0], 9.0), "q"
    )
    assert reply_text(twice, odd).endswith(
        "for example: Do you take cards, credit or debit? Or: When are you open?"
    )
    assert did_you_mean(odd.entries[1]) == "Did you mean: Do you take cards, credit or debit?"
    for written, said in (
        ("How much is a ticket? (adults) [2024].", "How much is a ticket, adults, 2024"),
        ("(Parking)", "Parking"),
    ):
        assert did_you_mean(Entry("n", written, "A.")) == f"Did you mean: {said}?"


@pytest.mark.parametrize(
    ("said", "answered"),
    [
        ("The first one.", WORSE),
        ("Yes, the first one.", WORSE),
        ("No, the first one.", WORSE),
        ("The second one.", OFTEN),
        ("No, the other one.", OFTEN),
        ("The first question.", WORSE),
        ("Number one.", WORSE),
        ("The second.", OFTEN),
        ("The last one.", OFTEN),
    ],
)
def test_a_question_read_out_by_a_reject_is_answered_when_the_visitor_picks_it(
    dialogue: Dialogue, said: str, answered: Entry
) -> None:
    """A file without topics has a reject read out the two nearest questions ("You can ask
    me, for example: ...? Or: ...?"); a visitor who then said "the first one" was met with
    silence, as nothing had been proposed."""
    rejected = dialogue.respond(typed("what about the weather"))
    assert rejected.action == "reject" and rejected.offered == (WORSE, OFTEN)
    assert rejected.reply.endswith(
        "for example: Can massaging a knot make it worse? Or: How often should you massage a knot?"
    )
    step = dialogue.respond(typed(said))
    assert (step.action, step.entry) == ("answer", answered)
    assert step.reply == answered.answer
    assert step.match is not None and step.match.reason is Reason.CONFIRMED
    assert dialogue.pending is None


@pytest.mark.parametrize("said", ["Yes.", "Yes, that one please.", "Okay."])
def test_a_bare_yes_to_two_questions_read_out_asks_which_one(dialogue: Dialogue, said: str) -> None:
    """A "yes" to "You can ask me, for example: ...? Or: ...?" was taken for the first
    question, whichever the visitor meant. It has both read out again as a choice, and the
    pick that follows answers."""
    rejected = dialogue.respond(typed("what about the weather"))
    step = dialogue.respond(typed(said))
    assert (step.action, step.entry, step.offered) == ("reject", None, (WORSE, OFTEN))
    assert step.reply == (
        "Which one: Can massaging a knot make it worse? Or: How often should you massage a knot?"
    )
    assert step.answers_proposal and step.reply != rejected.reply
    assert dialogue.respond(typed("the other one")).entry == OFTEN


def test_a_yes_to_one_question_read_out_answers_it() -> None:
    lone = Knowledge((WORSE,))

    class Lone(ScriptedMatcher):
        knowledge = lone

        def match(
            self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
        ) -> Match:
            return Match(Decision.REJECT, Candidate(WORSE, 10.0), None, text)

    dialogue = Dialogue(Lone())
    rejected = dialogue.respond(typed("what about the weather"))
    assert rejected.offered == (WORSE,)
    assert dialogue.respond(typed("yes")).entry == WORSE


def test_no_to_questions_read_out_asks_again_and_a_late_yes_answers_nothing(
    dialogue: Dialogue,
) -> None:
    dialogue.respond(typed("what about the weather"))
    step = dialogue.respond(typed("No."))
    assert (step.action, step.reply) == ("reject", english().replies.ask_again)
    dialogue.respond(typed("what about the weather"))
    assert dialogue.respond(typed("Yes."), follow_up=False).action == "none"
    assert dialogue.respond(spoken("Yes.")).action == "none"


def test_after_questions_read_out_a_new_question_is_no_pick(dialogue: Dialogue) -> None:
    """Questions read out are no did-you-mean: a short question heard next is not "not
    caught", and a long one is not taken for the "no" among its other hearings."""
    dialogue.respond(typed("what about the weather"))
    short = dialogue.respond(Transcript("Any cafe?", engine="whisper"))
    assert short.action == "reject" and short.reply.startswith("Sorry, I can't")
    dialogue.respond(typed("what about the weather"))
    heard = Transcript("Can I get my flu jab here?", alternatives=("No.",), engine="whisper")
    step = dialogue.respond(heard)
    assert step.action == "reject" and step.reply != english().replies.ask_again
    # after a did-you-mean the same hearing is the "no" it likely is
    dialogue.respond(typed("massage"))
    assert dialogue.respond(heard).reply == did_you_mean(OFTEN, then=True)


def test_a_reject_that_names_topics_offers_nothing_to_say_yes_to() -> None:
    topical = Knowledge(tuple(replace(entry, topic="massage") for entry in KNOWLEDGE.entries))

    class Topical(ScriptedMatcher):
        knowledge = topical

    dialogue = Dialogue(Topical())
    rejected = dialogue.respond(typed("what about the weather"))
    assert rejected.action == "reject" and rejected.offered == ()
    assert rejected.reply.endswith("You can ask me about massage.")
    assert dialogue.pending is None
    assert dialogue.respond(spoken("yes")).action == "none"


def test_the_topics_of_a_reject_are_spoken_without_their_emoji() -> None:
    """A topic written "café ☕" was read out "café hot beverage" by espeak-ng."""
    entries = tuple(
        Entry(f"e{n}", f"Question {n}?", "Answer.", topic=topic)
        for n, topic in enumerate(("café ☕", "toilets 🚻", "Bikes & scooters"))
    )
    reply = reply_text(Match(Decision.REJECT, None, None, ""), Knowledge(entries))
    assert reply.endswith("You can ask me about café, toilets or Bikes and scooters.")


@pytest.mark.parametrize(
    ("heard", "others", "entry"),
    [
        # What whisper heard of short answers in synthetic voices, and its other hearings.
        ("Yet.", ("Yep.", "Yes."), WORSE),
        ("Yes, leads.", ("Yes, please.", "Yes, leaves."), WORSE),
        ("You're right.", ("Right.",), WORSE),
        ("Know.", ("No.",), None),
    ],
)
def test_a_yes_or_no_misheard_is_taken_from_another_hearing(
    dialogue: Dialogue, heard: str, others: tuple[str, ...], entry: Entry | None
) -> None:
    dialogue.respond(typed("massage"))
    step = dialogue.respond(Transcript(heard, engine="whisper", alternatives=others))
    if entry:
        assert (step.entry, step.reply) == (entry, spoken_answer(WORSE))
    else:  # a no: the other entry "massage" names is proposed in turn
        assert (step.entry, step.reply) == (OFTEN, did_you_mean(OFTEN, then=True))
    assert step.transcript.text in others  # the hearing that said it


def test_pardon_misheard_is_taken_from_another_hearing(dialogue: Dialogue) -> None:
    answer = dialogue.respond(typed("how often can I massage it?"))
    step = dialogue.respond(Transcript("Parton.", alternatives=("Pardon?", "Part in.")))
    assert (step.action, step.reply) == ("repeat", answer.reply)


def test_a_misheard_pardon_long_after_the_reply_is_a_question(dialogue: Dialogue) -> None:
    dialogue.respond(typed("how often can I massage it?"))
    misheard = Transcript("Parton.", alternatives=("Pardon?",))
    assert dialogue.respond(misheard, after_reply=False).action == "reject"


def test_another_hearing_is_no_command_when_none_is_awaited(dialogue: Dialogue) -> None:
    matcher = dialogue.matcher
    assert isinstance(matcher, ScriptedMatcher)
    misheard = Transcript("Yet.", alternatives=("Yep.",))
    assert dialogue.respond(misheard).action == "reject"  # asked as a question
    dialogue.respond(typed("massage"))
    assert dialogue.respond(misheard, follow_up=False).action == "reject"
    assert matcher.asked == ["Yet.", "massage", "Yet."]


def test_a_did_you_mean_whose_answer_was_not_caught_is_asked_again_once(
    dialogue: Dialogue,
) -> None:
    # "Yes" heard as "U.S." was turned away ("Sorry, I can't answer that"), the did-you-mean
    # forgotten, and the visitor's second "yes" then answered nothing.
    dialogue.respond(typed("massage"))
    again = dialogue.respond(Transcript("U.S.", engine="whisper"))
    assert again.action == "confirm" and again.entry == WORSE
    assert again.reply == did_you_mean(WORSE, again=True)
    assert again.reply.startswith("Sorry, I didn't catch that.")
    assert dialogue.respond(typed("yes")).entry == WORSE

    dialogue.respond(typed("massage"))
    dialogue.respond(Transcript("U.S.", engine="whisper"))
    turned_away = dialogue.respond(Transcript("Use it please.", engine="whisper"))
    assert turned_away.action == "reject"
    assert dialogue.pending is not None and dialogue.pending.decision is Decision.REJECT
    # questions read out are no did-you-mean: a short new question is not "not caught"
    short = dialogue.respond(Transcript("Any cafe?", engine="whisper"))
    assert short.action == "reject" and short.reply.startswith("Sorry, I can't")


@pytest.mark.parametrize(
    ("said", "follow_up"),
    [("Where is the nearest bus stop to here?", True), ("U.S.", False)],
)
def test_a_new_question_or_a_late_one_is_not_taken_for_the_answer(
    dialogue: Dialogue, said: str, follow_up: bool
) -> None:
    dialogue.respond(typed("massage"))
    step = dialogue.respond(Transcript(said, engine="whisper"), follow_up=follow_up)
    assert step.action == "reject" and not step.reply.startswith("Sorry, I didn't catch")


def test_a_short_question_typed_is_not_told_it_was_not_caught(dialogue: Dialogue) -> None:
    dialogue.respond(typed("massage"))
    step = dialogue.respond(typed("Any cafe?"))
    assert step.action == "reject" and not step.reply.startswith("Sorry, I didn't catch")


@pytest.mark.parametrize("said", ["Lovely, cheers.", "Perfect, thanks a lot!", "Ta very much."])
def test_thanks_strung_together_is_thanks(dialogue: Dialogue, said: str) -> None:
    # Each phrase alone was thanks, together a question: turned away, or with a did-you-mean
    # open, the did-you-mean asked again.
    assert command_of(said) == "thanks"
    dialogue.respond(typed("massage"))
    step = dialogue.respond(typed(said))
    assert (step.action, step.reply) == ("none", "")


def test_a_long_run_of_command_words_is_worked_out_without_a_crash(dialogue: Dialogue) -> None:
    # `knotvoice ask` takes any length of typed text; a thousand words of commands' phrases
    # ran out of Python's recursion and ended it with a traceback.
    said = "no, " * 1200 + "the other one"
    assert command_of(said) == "other"
    assert dialogue.respond(typed("no " * 1200 + "how often")).action == "answer"


TOPICAL = tuple(
    Entry(f"e{n}", f"Question {n}?", "Answer.", topic=topic)
    for n, topic in enumerate(("opening hours", "parking", "prices", "parties", "lockers", "cafe"))
)


@pytest.mark.parametrize(
    "said", ["Hello.", "hi there", "Good morning, kiosk.", "Um, hello, how are you?", "Hiya!"]
)
def test_a_greeting_the_faq_does_not_answer_is_greeted_back(said: str) -> None:
    """A visitor who said hello was told "Sorry, I can't answer that." The kiosk greets
    back and names the file's first topics (not those a greeting came closest to, by
    chance)."""
    near = Match(Decision.REJECT, Candidate(TOPICAL[4], 3.0), Candidate(TOPICAL[5], 2.0), "q")
    reply = reply_text(near, Knowledge(TOPICAL), said)
    assert reply == (
        f"{english().replies.greeting} You can ask me about opening hours, parking or prices."
    )


@pytest.mark.parametrize(
    "said",
    [
        "What can you do?",
        "um, what can I ask?",
        "Hello, what can you tell me about?",
        "Help!",
        "Who are you?",
    ],
)
def test_asking_what_can_be_asked_is_told_more_topics_and_no_sorry(said: str) -> None:
    near = Match(Decision.REJECT, Candidate(TOPICAL[4], 3.0), Candidate(TOPICAL[5], 2.0), "q")
    assert reply_text(near, Knowledge(TOPICAL), said) == (
        "You can ask me about opening hours, parking, prices, parties or lockers."
    )


@pytest.mark.parametrize(
    "said", ["hello, where is the cafe", "what can you do about parking", "um", "good", "helpful"]
)
def test_a_question_with_a_greeting_or_help_in_it_is_turned_away_as_any(said: str) -> None:
    near = Match(Decision.REJECT, Candidate(TOPICAL[4], 3.0), Candidate(TOPICAL[5], 2.0), "q")
    assert reply_text(near, Knowledge(TOPICAL), said) == (
        f"{english().replies.reject} You can ask me about lockers, cafe or opening hours."
    )


def test_a_greeting_the_faq_answers_is_answered() -> None:
    hello = Entry("hello", "Hello?", "Welcome to the pool!")
    answered = Match(Decision.ANSWER, Candidate(hello, 90.0), None, "hello")
    assert reply_text(answered, Knowledge((hello,)), "hello") == "Welcome to the pool!"


def test_a_greeting_to_a_file_without_topics_reads_out_and_offers_its_first_questions() -> None:
    """The questions read out are the ones a "yes" or "the first one" then picks."""

    class Greeted(ScriptedMatcher):
        def match(
            self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
        ) -> Match:
            return Match(Decision.REJECT, Candidate(OFTEN, 5.0), None, "", Reason.NO_QUESTION)

    dialogue = Dialogue(Greeted())
    greeted = dialogue.respond(spoken("Hello!"))
    assert greeted.reply == (
        f"{english().replies.greeting} You can ask me, for example: "
        "Can massaging a knot make it worse? Or: How often should you massage a knot?"
    )
    assert greeted.offered == (WORSE, OFTEN)
    assert dialogue.respond(spoken("the first one")).entry == WORSE


def test_a_topic_written_as_a_yes_or_no_question_is_not_named() -> None:
    """ "You can ask me about are knots dangerous" read badly; a topic such as "how long
    knots last" or "can recycling" (two words) reads well and is named."""
    entries = tuple(
        Entry(f"e{n}", f"Question {n}?", "Answer.", topic=topic)
        for n, topic in enumerate(
            (
                "are knots dangerous",
                "Can I park here",
                "how long knots last",
                "can recycling collection",
                "Do-it-yourself repairs",
            )
        )
    )
    reply = reply_text(Match(Decision.REJECT, None, None, ""), Knowledge(entries))
    assert reply.endswith(
        "You can ask me about how long knots last, can recycling collection or Do-it-yourself "
        "repairs."
    )


def test_a_short_question_leaning_on_the_answer_before_is_asked_of_it(
    dialogue: Dialogue,
) -> None:
    """ "Is there parking?" answered, "how much is it?" was matched alone: a did-you-mean of
    ticket prices. Not answered alone, it is asked again with the question answered before."""
    assert dialogue.respond(spoken("how often can I massage it?")).entry == OFTEN
    leaning = dialogue.respond(spoken("And every day?"))
    assert leaning.action == "answer" and leaning.entry == OFTEN and leaning.leaned
    assert leaning.transcript.text == "And every day?"
    assert dialogue.matcher.asked[-1] == f"{OFTEN.question} And every day?"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "before",
    [
        [],  # nothing answered before it
        ["what about a knot?"],  # turned away
        ["how often can I massage it?", "hello"],  # answered, then something else said
        ["how often can I massage it?", "bye"],  # answered, then the visitor left
    ],
)
def test_a_leaning_question_with_no_answer_before_it_is_asked_alone(
    dialogue: Dialogue, before: list[str]
) -> None:
    for said in before:
        dialogue.respond(spoken(said))
    assert dialogue.respond(spoken("And every day?")).action == "reject"


@pytest.mark.parametrize(
    "said",
    [
        "And for children?",  # asks of what the entry does not say
        "and is it really every day for a knot?",  # more than a short question
        "How long?",  # leans on nothing: no opener, no "it"
        "And what can you do?",  # asks of nothing the answer says
        "How much is it?",  # a price, of an answer that names none
        "Where is it?",  # of nothing but "it": any answer would pass
    ],
)
def test_a_question_that_does_not_lean_on_the_answer_before_is_asked_alone(
    dialogue: Dialogue, said: str
) -> None:
    dialogue.respond(spoken("how often can I massage it?"))
    assert dialogue.respond(spoken(said)).action == "reject"
    assert dialogue.respond(spoken(said)).action == "reject"


def test_a_follow_up_asked_at_a_real_faq_leans_on_the_answer_before(
    semantic: SemanticModel,
) -> None:
    """At the lido: "how much is it?" after parking was proposed the ticket prices."""
    lido = Matcher(load(ROOT / "knowledge" / "lido.yaml"), semantic, cache_dir=semantic.cache_dir)
    dialogue = Dialogue(lido)
    assert dialogue.respond(spoken("Is there parking?")).entry.id == "parking"  # type: ignore[union-attr]
    cost = dialogue.respond(spoken("How much is it?"))
    assert cost.action == "answer" and cost.entry is not None and cost.entry.id == "parking"
    assert dialogue.respond(spoken("do you do swimming lessons")).action == "answer"
    lessons = dialogue.respond(spoken("And how much are they?"))
    assert lessons.entry is not None and lessons.entry.id == "swimming-lessons"
    # a price of an answer that names none is asked alone (before: the opening hours again)
    dialogue.respond(spoken("What are the opening hours?"))
    cost = dialogue.respond(spoken("How much is it?"))
    assert cost.entry is not None and cost.entry.id != "opening-hours"
    # a question of its own is answered as asked, and "for kids" is not about parking
    assert dialogue.respond(spoken("Is there parking?")).action == "answer"
    assert dialogue.respond(spoken("What about food?")).entry.id == "food-picnics"  # type: ignore[union-attr]
    dialogue.respond(spoken("Is there parking?"))
    kids = dialogue.respond(spoken("And for kids?"))
    assert kids.entry is None or kids.entry.id != "parking"


def test_a_leaning_question_does_not_lean_on_an_entry_the_file_no_longer_has() -> None:
    class Edited(ScriptedMatcher):
        knowledge = Knowledge((WORSE,))

    current: list[ScriptedMatcher] = [ScriptedMatcher()]
    dialogue = Dialogue(current[0], follow=lambda: current[-1])
    assert dialogue.respond(spoken("how often can I massage it?")).entry == OFTEN
    current.append(Edited())  # the entry answered is taken out of the file
    assert dialogue.respond(spoken("And every day?")).action == "reject"


def answered_with(answer: str) -> Dialogue:
    """A dialogue that has just answered a "how often" question with ``answer``."""
    asked = Entry("asked", OFTEN.question, answer)

    class Answering(ScriptedMatcher):
        knowledge = Knowledge((asked, WORSE))

        def match(
            self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
        ) -> Match:
            found = super().match(text, alternatives, likelihoods)
            if found.best is not None and found.best.entry == OFTEN:
                return replace(found, best=Candidate(asked, found.best.score))
            return found

    dialogue = Dialogue(Answering())
    assert dialogue.respond(spoken("how often can I massage it?")).entry == asked
    return dialogue


@pytest.mark.parametrize(
    ("answer", "priced"),
    [
        ("The car park costs 3 pounds for four hours.", True),
        ("Adults \u00a312.50, children half.", True),
        ("Lockers take a 50p coin.", True),
        ("About 12 EUR a day.", True),
        ("There is step-free access; feel free to ask.", False),
        ("Nine in ten visitors, 90 per cent, come by bus.", False),
        ("You can charge your phone at the desk.", False),
        ("Entry is free for everyone.", True),
        ("Lockers take a pound coin.", True),
        ("We are open from 10 a.m. to 5 p.m.", False),
    ],
)
def test_a_price_asked_of_nothing_else_leans_on_an_answer_that_names_one(
    answer: str, priced: bool
) -> None:
    """ "How much is it?" leaned on any answer with "free" in it ("step-free access"), and
    "Is there a fee for it?" on none."""
    for said in ("How much is it?", "Is there a fee for it?", "And what does it cost?"):
        # "5 p.m." was a price of 5 p; "free" and "fee" asked nothing
        assert answered_with(answer).respond(spoken(said)).leaned is priced, said


def test_a_price_word_the_answer_says_leans_as_any_word_it_says() -> None:
    """ "How do I pay for it?" after "pay and display" leaned, then was asked alone once
    "pay" counted only as asking a price."""
    dialogue = answered_with("Pay and display, by the gate.")
    assert dialogue.respond(spoken("How do I pay for it?")).leaned
