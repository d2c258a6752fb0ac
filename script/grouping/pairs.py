"""How well ``knotvoice report`` groups the questions it could not answer, on pairs written
for it (``dev.tsv``, ``heldout.tsv``).

Each pair is a turn log of its own: the two questions, each rejected once, asked of one
knowledge file (``--knowledge``, default none), grouped as the report groups them (by their
words, then by meaning with the matcher's sentence model). A "same" pair should be one line of
the report, an "apart" pair two. Prints how many of each were one line, and with ``--show``
the pairs grouped wrongly.

    PYTHONPATH=src .venv/bin/python script/grouping/pairs.py script/grouping/dev.tsv --show
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

from knotvoice.report import Embed, meanings, summarize


def pairs(path: Path) -> Iterator[tuple[bool, str, str]]:
    """``(same, first, second)`` for each line of a pair file."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, first, second = line.split("\t")
        if kind not in ("same", "apart"):
            raise SystemExit(f"{path}: {kind!r} is neither 'same' nor 'apart'")
        yield kind == "same", first, second


def grouped(first: str, second: str, embed: Embed, knowledge: str | None) -> bool:
    """Whether the report lists ``first`` and ``second``, each rejected once, as one line."""
    turns = [
        {
            "question": text,
            "heard": text,
            "decision": "reject",
            "entry": None,
            "closest": None,
            "probability": 0.04,
            "knowledge_file": knowledge,
            "time": 0.0,
        }
        for text in (first, second)
    ]
    return len(summarize(turns, embed=embed).top_unanswered) == 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pairs", type=Path, nargs="+")
    parser.add_argument("--knowledge", help="the knowledge file the questions were asked of")
    parser.add_argument("--show", action="store_true", help="list the pairs grouped wrongly")
    args = parser.parse_args()
    embed = meanings()
    for path in args.pairs:
        counts = {True: [0, 0], False: [0, 0]}
        wrong = []
        for same, first, second in pairs(path):
            one = grouped(first, second, embed, args.knowledge)
            counts[same][0] += one
            counts[same][1] += 1
            if one != same:
                wrong.append(f"  {'missed' if same else 'MERGED'}: {first!r} / {second!r}")
        print(
            f"{path.name}: same subject grouped {counts[True][0]} of {counts[True][1]}, "
            f"different subjects grouped {counts[False][0]} of {counts[False][1]}"
        )
        if args.show:
            print("\n".join(wrong))
    return 0


if __name__ == "__main__":
    sys.exit(main())
