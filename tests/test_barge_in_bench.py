"""The barge-in benchmark's scoring (its listening is the real barge-in listener, run in
``test_echo``)."""

from __future__ import annotations

from script_modules import load_script

bench = load_script("barge_in_bench")


def test_stops_that_did_not_cut_the_reply_are_counted_and_kept() -> None:
    tally = bench.Tally()
    tally.add("stop", bench.Outcome(True, ("stop",), 0.5))
    tally.add("okay, stop", bench.Outcome(False, ("most knots are",), 0.75))
    tally.add("thank you", bench.Outcome(True, ("thank you stop",), 0.25))
    tally.add("yes", bench.Outcome(False, (), 0.0))
    assert (tally.stops, tally.stops_cut, tally.others, tally.others_cut) == (2, 1, 2, 1)
    assert tally.stretches == 3 and tally.seconds == 1.5
    assert tally.missed == ["most knots are"]


def test_a_request_to_hear_the_reply_again_counts_when_it_cut_the_reply_to_say_it_again() -> None:
    tally = bench.Tally()
    tally.add("pardon?", bench.Outcome(True, (), 1.0, "Pardon?", 1))
    tally.add("say that again", bench.Outcome(False, ("see my tongue again",), 0.5, None, 1))
    tally.add("sorry, what?", bench.Outcome(True, ("stop, re-quiet",), 0.5))  # a stop
    assert (tally.requests, tally.requests_taken, tally.stops, tally.others) == (3, 1, 0, 0)
    assert tally.stretches == 3, "the request taken was a stretch recognised too"
    assert tally.heard_again == 2


def test_the_report_gives_each_echo_level_with_and_without_cancelling() -> None:
    report = {
        "reply_seconds": 7.0,
        "voices": ["flite slt"],
        "rows": [
            {
                "echo_db": echo,
                "echo_cancel": cancel,
                "stops_cut": 7 if cancel else 1,
                "stops": 8,
                "requests_taken": 3,
                "requests": 4,
                "others_cut": 0,
                "others": 4,
                "stretches": 9,
                "heard_again": 5,
                "seconds": 3.2,
                "missed": [],
            }
            for echo in (None, -6.0)
            for cancel in (True, False)
        ],
    }
    text = bench.format_report(report)
    assert "-6 dB" in text and "silent" in text
    assert "7 of 8" in text and "1 of 8" in text
    assert "3 of 4" in text and "again taken" in text


def test_replies_their_own_voice_cut_short_are_counted_with_what_was_heard() -> None:
    report = {
        "reply_seconds": 7.0,
        "voices": ["flite slt"],
        "rows": [],
        "own_voice": [
            {"echo_db": -6.0, "replies": 16, "cut": 0, "heard": []},
            {"echo_db": 0.0, "replies": 16, "cut": 2, "heard": ["and cancel, I think.", "Pardon?"]},
        ],
    }
    text = bench.format_report(report)
    assert "-6 dB: 0 of 16 whole replies cut themselves short" in text
    assert "+0 dB: 2 of 16 whole replies cut themselves short" in text
    assert "heard: and cancel, I think." in text and "heard: Pardon?" in text
