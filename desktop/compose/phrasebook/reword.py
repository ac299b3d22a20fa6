"""Other sentence shapes around one edit, and light typos: how the same request reaches the search box.

An edit's text (:mod:`.edits`) is a bare request ("make the car red", "red instead of blue"). People also
ask ("can you make the car red?"), soften ("please make the car red"), say what stays ("same photo but
red instead of blue") and mistype ("make the car rde"). :func:`reword` wraps a text in one of those
shapes, or leaves it as it is, and sometimes adds one typo. Seeded by the caller's ``random.Random``.
"""

from __future__ import annotations

import random

#: Leading verbs of requests that can be asked as a question ("can you ...?").
IMPERATIVE = frozenset(
    [
        "make",
        "change",
        "turn",
        "replace",
        "swap",
        "put",
        "add",
        "remove",
        "take",
        "get",
        "give",
        "dress",
        "paint",
        "recolour",
        "show",
        "set",
        "move",
        "include",
        "shrink",
        "enlarge",
        "keep",
        "leave",
        "increase",
        "reduce",
    ]
)
#: Shapes for any text.
ANY = ("same photo but {t}", "same scene, {t}", "{t}, everything else the same", "{t} please", "now {t}")
#: Shapes for a request that starts with its verb.
ASKING = ("can you {t}?", "could you {t}?", "please {t}", "i'd like you to {t}", "{t} for me")
#: Share of texts left as they are, and of texts given one typo.
KEEP, TYPO = 0.55, 0.08


def reword(text: str, rng: random.Random) -> str:
    if rng.random() >= KEEP:
        first = text.split(" ", 1)[0]
        shapes = ANY + ASKING if first in IMPERATIVE else ANY
        text = rng.choice(shapes).format(t=text)
    if rng.random() < TYPO:
        text = typo(text, rng)
    return text


def typo(text: str, rng: random.Random) -> str:
    """One light typo in a word of four or more letters: two letters swapped, one dropped or one doubled."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return text
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.randrange(3)
    if op == 0 and w[j] != w[j + 1]:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif op == 1:
        w = w[:j] + w[j + 1 :]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)
