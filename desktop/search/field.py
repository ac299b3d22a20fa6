"""The search field's syntax: one line of text read as query terms (``desktop.search.terms``).

* Words in a row are one term: ``a dog on a beach`` is one text, as typed.
* ``"a phrase"`` in double quotes is a term of its own: ``"red car" "blue sky"`` is two terms.
* ``-word`` or ``-"a phrase"`` is a negative term: ``beach -people`` pushes photos with people down.
* ``N:`` before a word or a quoted phrase weights it: ``2:sunset beach`` is ``sunset`` twice as heavy as
  ``beach``; ``0.5:"blue sky"``. A weighted item is a term of its own.
* A hyphen inside a word (``black-and-white``) or a lone ``-`` is text, and a weight that does not parse
  (``0:x``, ``2x:x``) is refused with the rule, as on the command line.

The app shows how it read the field (the negatives struck through), so a user sees what was searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.errors import UsageError
from desktop.search.terms import Term, parse_term

# One item of the field: an optional "-", an optional "N:" weight, then a quoted phrase or a bare word.
_ITEM = re.compile(
    r"""(?P<neg>-(?=["\w]|\d*\.?\d+:))?       # a leading minus sign right before something
        (?P<weight>[^\s:"]*\d[^\s:"]*:)?       # a weight: a word with a digit, then a colon
        (?:"(?P<quoted>[^"]*)"?|(?P<word>\S+))""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class FieldQuery:
    terms: tuple[Term, ...]

    @property
    def positives(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.negative)

    @property
    def negatives(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.negative)

    @property
    def plain(self) -> bool:
        """One positive, unweighted term: the field was read as the text it is."""
        return len(self.terms) == 1 and not self.terms[0].negative and self.terms[0].weight == 1.0


def parse_field(text: str) -> FieldQuery:
    """The terms of a search field; raises UsageError when a weight is malformed or a term is empty."""
    terms: list[Term] = []
    run: list[str] = []  # bare words waiting to become one term

    def flush() -> None:
        if run:
            terms.append(Term(" ".join(run)))
            run.clear()

    for m in _ITEM.finditer(text):
        neg, weight, quoted, word = m.group("neg"), m.group("weight"), m.group("quoted"), m.group("word")
        body = quoted if quoted is not None else word
        if not neg and not weight and quoted is None:
            run.append(word)
            continue
        flush()
        if quoted is not None and not quoted.strip():
            if neg or weight:
                raise UsageError(f"{m.group(0)!r}: the quotes hold no text")
            continue  # "" on its own: nothing to search
        if not weight:  # a quoted "10:30" is text: only a weight outside the quotes is read as one
            terms.append(Term(body.strip(), 1.0, bool(neg)))
            continue
        try:
            term = parse_term(f"{weight}{body}", negative=bool(neg))
        except UsageError as exc:
            hint = 'a weight is a positive number before a colon, e.g. 2:sunset or 0.5:"blue sky"'
            raise UsageError(f"{m.group(0)!r}: {_reason(exc)}", hint=hint) from None
        terms.append(term)
    flush()
    return FieldQuery(tuple(terms))


def _reason(exc: UsageError) -> str:
    # parse_term speaks of --text/--not; the field has neither, so keep only what is wrong.
    return exc.message.split(": ", 1)[-1]
