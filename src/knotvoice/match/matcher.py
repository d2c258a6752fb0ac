"""The matcher: the probability that each entry answers a question, and one decision.

For every hearing of a question (the recognizer's best and its other likely hearings),
``Evidence`` gives each entry a row of signals and the knowledge's ``Calibration`` turns it
into the probability that the entry is the right answer. The hearings are weighed by how
likely the recognizer found each one. Then one decision, with the same two thresholds for
every FAQ: answer above ``ANSWER_AT``, ask "Did you mean ...?" above ``CONFIRM_AT``, else say
it does not know. A question that is one of an entry's phrasings word for word is that
entry's: the knowledge says so, whatever the calibration makes of it. One that is only a topic
or keyword several entries share ("membership", "what about memberships?") could be asked of
any of them: the best two of those are offered ("Did you mean ...?").
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knotvoice.knowledge import Knowledge
from knotvoice.lang import without_emoji
from knotvoice.match import Candidate, Decision, Embedder, Match, Reason
from knotvoice.match.calibration import (
    ANSWER_AT,
    CONFIRM_AT,
    Calibration,
    Example,
    Fit,
    load_or_fit,
)
from knotvoice.match.evidence import Evidence

__all__ = ["ANSWER_AT", "CONFIRM_AT", "Matcher", "hearing_weights"]

logger = logging.getLogger(__name__)


def hearing_weights(count: int, likelihoods: Sequence[float]) -> npt.NDArray[np.float64]:
    """How much each of ``count`` hearings counts: by the recognizer's likelihood of each
    (log, in nats) when it gave them, else the first hearing alone."""
    if count == 0:
        return np.zeros(0)
    if len(likelihoods) != count:
        weights = np.zeros(count)
        weights[0] = 1.0
        return weights
    scores = np.asarray(likelihoods, dtype=np.float64)
    weights = np.exp(scores - scores.max())
    result: npt.NDArray[np.float64] = weights / weights.sum()
    return result


class Matcher:
    """Picks the FAQ entry that answers a question, or says it does not know.

    Building one works out everything about the knowledge once and calibrates it (or reuses
    the calibration kept in ``cache_dir`` for the same knowledge); ``match`` only looks at the
    question.
    """

    def __init__(
        self,
        knowledge: Knowledge,
        semantic: Embedder | None = None,
        *,
        cache_dir: Path | None = None,
        recorded: Sequence[Example] = (),
        calibration: Calibration | None = None,
    ) -> None:
        self.evidence = Evidence(knowledge, semantic)
        self._semantic = semantic
        if calibration is not None:
            self.fit = Fit(calibration, "", {}, 0.0)
        else:
            self.fit = load_or_fit(self.evidence, cache_dir, recorded)

    @property
    def knowledge(self) -> Knowledge:
        return self.evidence.knowledge

    def probabilities(
        self, texts: Sequence[str], likelihoods: Sequence[float] = ()
    ) -> npt.NDArray[np.float64]:
        """Each entry's probability of answering the question heard as ``texts`` (the most
        likely hearing first), the hearings weighed by their ``likelihoods``."""
        return self._judge(texts, likelihoods)[1]

    def _judge(
        self, texts: Sequence[str], likelihoods: Sequence[float], also: Collection[int] = ()
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """How the entries rank for the question, and for the best two (and the entries
        ``also``) the probability that it is the right answer (the hearings weighed by the
        recognizer's likelihoods)."""
        size = self.evidence.size
        weights = hearing_weights(len(texts), likelihoods)
        used = [n for n, weight in enumerate(weights) if weight > 1e-3]
        vectors = None
        if self._semantic is not None and used:
            vectors = self._semantic.embed([texts[n] for n in used])
        calibration = self.fit.calibration
        heard = []
        ranking = np.zeros(size)
        for row, number in enumerate(used):
            signals = self.evidence.signals(
                self.evidence.query(texts[number]),
                vectors[row] if vectors is not None else None,
            )
            ranked = calibration.likelihoods(signals)
            heard.append((weights[number], signals, ranked))
            ranking += weights[number] * ranked
        chances = np.zeros(size)
        judged = {int(entry) for entry in np.argsort(-ranking)[:2]}
        for entry in sorted(judged | set(also)):
            chances[entry] = sum(
                weight * calibration.confidence(signals, ranked, int(entry))
                for weight, signals, ranked in heard
            )
        return ranking, chances

    def likeness_in_words(self, text: str) -> float:
        """How like its closest phrasing ``text`` is in words alone (0 to 1; cheap)."""
        if not self.evidence.size:
            return 0.0
        return self.evidence.likeness_in_words(self.evidence.query(text))

    def match(
        self, text: str, alternatives: Sequence[str] = (), likelihoods: Sequence[float] = ()
    ) -> Match:
        """Decide which entry answers ``text``: answer, confirm (close call) or reject.

        ``alternatives`` are other hearings of the same question, most likely first, and
        ``likelihoods`` the recognizer's log-likelihood of ``text`` and of each of them.
        A typed question's emoji are left out: they say nothing of what is asked.
        """
        text, alternatives = without_emoji(text), [without_emoji(a) for a in alternatives]
        query = self.evidence.query(text)
        entries = self.knowledge.entries
        if not query.text or not entries:
            return Match(Decision.REJECT, None, None, query.text, Reason.NO_QUESTION)
        written = self.evidence.written_for(query)
        shared = self.evidence.sharing(query) if written is None else ()
        first = [written] if written is not None else list(shared)
        ranking, chances = self._judge([text, *alternatives], likelihoods, first)
        order = np.argsort(-ranking)
        if first:
            ahead = np.isin(order, first)
            order = np.r_[order[ahead], order[~ahead]]
        best = Candidate(entries[int(order[0])], round(100.0 * float(chances[order[0]]), 2))
        runner_up = (
            Candidate(entries[int(order[1])], round(100.0 * float(chances[order[1]]), 2))
            if len(order) > 1
            else None
        )
        chance = float(chances[order[0]])
        listed = self.evidence.listing(query) if written is None and not shared else ()
        if listed and chance < ANSWER_AT:
            # one of the subjects a topic lists, said alone: its entries, the likeliest first
            order = np.r_[order[np.isin(order, listed)], order[~np.isin(order, listed)]]
            best = Candidate(entries[int(order[0])], round(100.0 * float(chances[order[0]]), 2))
            runner_up = Candidate(
                entries[int(order[1])], round(100.0 * float(chances[order[1]]), 2)
            )
            chance, shared = float(chances[order[0]]), tuple(listed)
        if written is not None:
            decision, reason = Decision.ANSWER, Reason.WRITTEN
        elif shared:
            decision, reason = Decision.CONFIRM, Reason.SHARED
        elif chance >= ANSWER_AT:
            decision, reason = Decision.ANSWER, Reason.LIKELY
        elif chance >= CONFIRM_AT:
            decision, reason = Decision.CONFIRM, Reason.CLOSE_CALL
            if runner_up is not None and runner_up.score < 100.0 * CONFIRM_AT:
                # "the other one" of a did-you-mean: only an entry itself worth asking about
                runner_up = None
        else:
            decision, reason = Decision.REJECT, Reason.UNLIKELY
        logger.debug("%r -> %s %s (%.2f)", query.text, decision, best.entry.id, chance)
        return Match(decision, best, runner_up, query.text, reason, chance, query.unknown_words)
