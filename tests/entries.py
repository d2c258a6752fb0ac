"""The entry ids of knowledge/knots.yaml, written out so tests notice one going missing."""

ENTRY_IDS = (
    "treat-knot",
    "self-release",
    "causes",
    "wont-go-away",
    "dangerous",
    "permanent",
    "mri-inflammation",
    "mri-nerve-damage",
    "release-effect",
    "massage-worse",
    "massage-how-often",
    "inflammation-signs",
    "knot-pain",
    "find-knots",
    "numbness",
    "upper-back-pain-common",
)
