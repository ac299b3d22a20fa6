"""The torch-free tokenizer gives open_clip's token ids, to the id, on text people actually type."""

from __future__ import annotations

import numpy as np
import pytest

from desktop.models.tokenizer import ClipTokenizer

open_clip_tokenizer = pytest.importorskip("open_clip.tokenizer")

CAPTIONS = [
    "a red circle",
    "A Dog on a BEACH at night!!",
    "same place but in winter",
    "make the car red",
    "café naïve ﬁsh “quoted” 'it's' don't",
    "emoji 🐶🏖️ 🇫🇷 👨\u200d👩\u200d👧 and 😀😀😀",
    "日本語のテキスト 中文 한국어 Ελληνικά русский עברית العربية हिन्दी",
    "numbers 12345 3.14 1,000,000 and 2nd/3rd",
    "  lots   of\twhite\nspace  \u00a0nbsp\u2003emsp ",
    "&amp;lt;b&amp;gt; html &quot;x&quot; &#39;",
    "<start_of_text> literal <end_of_text> markers",
    "Ünïcödé ÀÉÎ ß ẞ ǅ ﬀ İstanbul ŉ ǰ a\u0301 e\u0301",
    "it's we're they've I'm you'll he'd IT'S",
    "mixed-CASE_snake and kebab-case/slashes\\back (brackets) [x] {y} <z>",
    "£$€¥ ©®™ ±×÷ … — – ‘’ «»",
    "mojibake: Ã©tÃ© and ﾊﾝｶｸ full-width ＡＢＣ",
    "\x00\x01 control \x7f chars",
    "",
    " ",
    "x" * 300,
    " ".join(["a long caption"] * 60),
]


@pytest.mark.parametrize("context", [77, 24])
def test_ids_equal_open_clips(context: int) -> None:
    ours = ClipTokenizer(context)(CAPTIONS)
    theirs = open_clip_tokenizer.SimpleTokenizer(context_length=context)(CAPTIONS).numpy()
    assert ours.dtype == np.int64 and ours.shape == (len(CAPTIONS), context)
    for caption, a, b in zip(CAPTIONS, ours, theirs, strict=True):
        assert a.tolist() == b.tolist(), caption


def test_long_texts_are_cut_and_say_so() -> None:
    tok = ClipTokenizer(24)
    out = tok.encode(["a red circle", " ".join(["word"] * 40)])
    assert out.truncated == [False, True]
    assert out.ids[1, -1] == tok.end_id and out.ids[0, 0] == tok.start_id
    assert (out.ids[1] != 0).all()  # a cut row fills the whole context


def test_tokenizing_from_many_threads_gives_the_same_ids() -> None:
    from concurrent.futures import ThreadPoolExecutor

    tok = ClipTokenizer(77)
    want = tok(CAPTIONS)
    with ThreadPoolExecutor(4) as pool:
        for got in pool.map(lambda _: tok(CAPTIONS), range(16)):
            np.testing.assert_array_equal(got, want)
