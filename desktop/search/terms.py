"""Query terms: several weighted texts and negatives, as in rclip (``rclip "dog" - "grass"``, ``2:``).

Rules (also in the README):

* ``--text`` may be given several times; each is a term. A term may start with a weight, ``N:`` where ``N`` is
  a positive number (``2:``, ``0.5:``, ``1.5:``); without one its weight is 1. ``--not TEXT`` is a negative term,
  weighted the same way.
* A leading word that ends in ``:`` and contains a digit is always read as a weight, so ``0:x``, ``-1:x``, ``2x:x``
  are errors (exit 2) rather than silently searched as text. Text that really starts like that: put ``1:`` in front.
* The query vector is ``Σ w·unit(positive) − Σ w·unit(negative)``, normalised; with ``--image``, each positive term
  is first composed with the image (Combiner or sum), and an image with only negatives is ``unit(image) − Σ…``.
  Every term is normalised on its own before weighting, so a long caption does not outweigh a short one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from desktop.errors import UsageError

_PREFIX = re.compile(r"^\s*([^\s:]+):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Term:
    text: str
    weight: float = 1.0
    negative: bool = False

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "weight": self.weight, "negative": self.negative}


def parse_term(raw: str, *, negative: bool = False) -> Term:
    flag = "--not" if negative else "--text"
    text, weight = raw.strip(), 1.0
    m = _PREFIX.match(raw)
    if m and any(c.isdigit() for c in m.group(1)):
        prefix = m.group(1)
        try:
            weight = float(prefix)
        except ValueError:
            weight = math.nan
        if not (math.isfinite(weight) and weight > 0):
            hint = "a weight is a positive number before a colon, e.g. --text '2:a beach' --text 'sunset'"
            if prefix.startswith("-"):
                hint += "; to push a term away use --not TEXT"
            raise UsageError(f"{flag} {raw!r}: malformed weight {prefix!r}", hint=hint)
        text = m.group(2).strip()
    if not text:
        raise UsageError(f"{flag} {raw!r}: the term has no text")
    return Term(text, weight, negative)


def parse_terms(texts: Iterable[str] | str | None, negatives: Iterable[str] | str | None = None) -> list[Term]:
    """Positive terms then negative ones; empty strings among the positives are ignored."""
    pos = [texts] if isinstance(texts, str) else list(texts or [])
    neg = [negatives] if isinstance(negatives, str) else list(negatives or [])
    return [parse_term(t) for t in pos if t and t.strip()] + [parse_term(t, negative=True) for t in neg]
