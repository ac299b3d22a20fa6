"""CLIP's byte-level BPE tokenizer without torch: the token ids open_clip's ``SimpleTokenizer`` makes.

The BPE itself runs in HF ``tokenizers`` (Rust): it builds the 49k-merge model in ~0.1 s and encodes a
batch of captions in microseconds, where a Python BPE spends ~0.3 s building its tables at every start
(a cost every ``reframe search`` would pay). The text is cleaned first the way open_clip cleans it,
since that part decides the ids as much as the merges do: ``ftfy.fix_text`` (NFC, curly quotes made
straight, ligatures split, ...), HTML entities unescaped twice, whitespace collapsed, lower case.

Then, as in CLIP: the text is split into words, contractions, single digits and runs of other
symbols; each piece is mapped byte by byte onto printable characters and merged by rank, the last
symbol of a piece carrying ``</w>``. A row is ``<start_of_text> ids <end_of_text>`` padded with 0;
a longer one is cut at ``context_length`` and its last place becomes ``<end_of_text>``.

The vocabulary is OpenAI's ``bpe_simple_vocab_16e6.txt.gz`` (MIT licence), shipped in
``resources/tokenizer/``. tests/models/test_tokenizer.py checks the ids against open_clip's.
"""

from __future__ import annotations

import functools
import gzip
import html
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop.paths import RESOURCES

VOCAB_FILE = RESOURCES / "tokenizer" / "bpe_simple_vocab_16e6.txt.gz"
START, END = "<start_of_text>", "<end_of_text>"
MERGES = 49152 - 256 - 2  # how many merges of the file CLIP uses
# The pieces CLIP's regex keeps; whatever it does not match (whitespace) is dropped.
PIECES = r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""


def byte_alphabet() -> dict[int, str]:
    """The printable character that stands for each byte (GPT-2's reversible byte mapping).

    In CLIP's order, which is the order of the first 256 vocabulary ids: the bytes that are printable
    characters themselves first, then the others, mapped to code points from 256 up.
    """
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars: dict[int, str] = {b: chr(b) for b in printable}
    others = [b for b in range(256) if b not in chars]
    chars.update({b: chr(256 + i) for i, b in enumerate(others)})
    return chars


def clean(text: str) -> str:
    """open_clip's default ("lower") cleaning: ftfy, HTML unescape twice, collapse whitespace, lower case."""
    import ftfy

    text = html.unescape(html.unescape(ftfy.fix_text(text))).strip()
    return " ".join(text.split()).lower()


@dataclass(frozen=True)
class Tokens:
    ids: np.ndarray  # (n, context_length) int64
    truncated: list[bool]  # per text: longer than the context, cut


class ClipTokenizer:
    """Texts -> (n, context_length) int64 token ids; thread-safe."""

    def __init__(self, context_length: int = 77, vocab_file: Path = VOCAB_FILE) -> None:
        if context_length < 3:
            raise ValueError(f"context_length must be at least 3, got {context_length}")
        self.context_length = context_length
        self._bpe = _bpe_model(str(vocab_file))
        self.start_id = self._bpe.token_to_id(START)
        self.end_id = self._bpe.token_to_id(END)
        self._lock = threading.Lock()  # a Tokenizer object is not documented as safe to share across threads

    def ids(self, text: str) -> list[int]:
        """The BPE ids of one text, without start/end markers or any length limit."""
        with self._lock:
            return self._bpe.encode(clean(text), add_special_tokens=False).ids

    def encode(self, texts: Sequence[str]) -> Tokens:
        texts = [clean(t) for t in texts]
        with self._lock:
            encoded = self._bpe.encode_batch(texts, add_special_tokens=False) if texts else []
        out = np.zeros((len(texts), self.context_length), dtype=np.int64)
        truncated = []
        for row, enc in enumerate(encoded):
            ids = [self.start_id, *enc.ids, self.end_id]
            cut = len(ids) > self.context_length
            if cut:
                ids = ids[: self.context_length]
                ids[-1] = self.end_id
            out[row, : len(ids)] = ids
            truncated.append(cut)
        return Tokens(out, truncated)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode(texts).ids


@functools.lru_cache(maxsize=2)
def _bpe_model(vocab_file: str):  # -> tokenizers.Tokenizer (imported lazily)
    """The BPE model for one vocabulary file, built once per process."""
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers

    with gzip.open(vocab_file, "rt", encoding="utf-8") as f:
        lines = f.read().split("\n")[1 : MERGES + 1]  # the first line is a version header
    merges = [tuple(line.split()) for line in lines]
    alphabet = list(byte_alphabet().values())
    symbols = [*alphabet, *(c + "</w>" for c in alphabet), *("".join(m) for m in merges), START, END]
    vocab = {s: i for i, s in enumerate(symbols)}
    bpe = Tokenizer(models.BPE(vocab=vocab, merges=merges, end_of_word_suffix="</w>", fuse_unk=False))
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PIECES), behavior="removed", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    bpe.add_special_tokens([START, END])  # as in CLIP, their literal text in a caption is the marker itself
    return bpe


@functools.lru_cache(maxsize=4)
def shared_tokenizer(context_length: int) -> ClipTokenizer:
    return ClipTokenizer(context_length)
