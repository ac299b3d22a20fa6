"""An :class:`~desktop.models.encoder.Encoder` around an open_clip CLIP model and its tokenizer.

Build it with :func:`desktop.models.loader.load_encoder`; this module only runs a model it is given.
Features come out raw (unnormalised) as float32 numpy arrays.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from desktop.models.tokenizer import ClipTokenizer
from desktop.models.transform import Preprocess

if TYPE_CHECKING:
    import torch


class OpenClipEncoder:
    """Runs ``model.encode_image`` / ``model.encode_text`` under ``torch.inference_mode``.

    On CUDA the forward pass runs under float16 autocast. ``model`` and :meth:`tokenize` are public so that
    training and export code can reuse the loaded model. Token ids come from the same torch-free
    :class:`~desktop.models.tokenizer.ClipTokenizer` the ONNX backend uses.
    """

    backend = "torch"

    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer: ClipTokenizer,
        *,
        name: str,
        dim: int,
        device: str,
        preprocess: Preprocess,
        batch_size: int = 256,
    ) -> None:
        self.model: Any = model.eval()  # an open_clip CLIP: its towers' attributes carry no types
        self.name = name
        self.dim = dim
        self.device = device
        self.preprocess = preprocess
        self.batch_size = batch_size
        self._tokenizer = tokenizer
        self.precision = "fp16-autocast" if device.startswith("cuda") else "fp32"

    @property
    def context_length(self) -> int:
        return self._tokenizer.context_length

    @property
    def tokenizer(self) -> ClipTokenizer:
        return self._tokenizer

    def __repr__(self) -> str:
        return f"OpenClipEncoder({self.name!r}, dim={self.dim}, device={self.device!r})"

    def tokenize(self, texts: Sequence[str]) -> torch.Tensor:
        """Token ids (n, context_length) on the CPU."""
        import torch

        return torch.from_numpy(self._tokenizer(list(texts)))

    def encode_images(self, batch: np.ndarray) -> np.ndarray:
        arr = np.asarray(batch, dtype=np.float32)
        s = self.preprocess.size
        if arr.ndim != 4 or arr.shape[1:] != (3, s, s):
            raise ValueError(f"{self.name} expects images of shape (n, 3, {s}, {s}), got {arr.shape}")
        return self._run(self.model.encode_image, [arr[i : i + self.batch_size] for i in self._starts(len(arr))])

    def encode_texts(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        chunks = [self._trim(self.tokenize(texts[i : i + self.batch_size])) for i in self._starts(len(texts))]
        return self._run(self._encode_tokens, chunks)

    # Captions are short: a batch of photo captions fills ~15 of CLIP's 77 token places, the rest is
    # padding. For a CLIP whose text tower is causal and pools at the end-of-text token (open_clip's
    # CLIP class with "argmax" pooling: ViT-B-32 and the other registry backbones, shapes-tiny), no
    # position attends to a later one, so the padding after a batch's longest caption changes nothing
    # in its features: it is dropped and the tower runs on the shorter sequence. The same features,
    # ~3x faster on CPU (tests/models/test_clip_encoder.py checks they match).

    @property
    def text_trimmable(self) -> bool:
        m = self.model
        return (
            getattr(m, "text_pool_type", None) == "argmax"
            and getattr(m, "attn_mask", None) is not None
            and all(hasattr(m, a) for a in ("token_embedding", "positional_embedding", "transformer", "ln_final"))
        )

    def _trim(self, tokens: torch.Tensor) -> torch.Tensor:
        """Token ids without the columns that are padding (id 0) in every row."""
        if not self.text_trimmable:
            return tokens
        used = (tokens != 0).any(dim=0).nonzero()
        length = int(used[-1]) + 1 if len(used) else 1
        return tokens[:, :length]

    def _encode_tokens(self, text: torch.Tensor) -> torch.Tensor:
        m = self.model
        n = text.shape[1]
        if n == m.positional_embedding.shape[0] or not self.text_trimmable:
            return m.encode_text(text)
        return encode_trimmed_text(m, text)

    def _starts(self, n: int) -> range:
        return range(0, n, self.batch_size)

    def _run(self, fn: Callable[[torch.Tensor], torch.Tensor], chunks: list) -> np.ndarray:
        import torch

        if not chunks:
            return np.zeros((0, self.dim), np.float32)
        out = []
        with torch.inference_mode(), self._autocast():
            for chunk in chunks:
                x = torch.as_tensor(chunk).to(self.device, non_blocking=True)
                out.append(fn(x).float().cpu().numpy())
        return np.concatenate(out).astype(np.float32, copy=False)

    def _autocast(self) -> contextlib.AbstractContextManager[object]:
        if self.device.startswith("cuda"):
            import torch

            return torch.autocast("cuda", dtype=torch.float16)
        return contextlib.nullcontext()


def encode_trimmed_text(model: Any, tokens: torch.Tensor) -> torch.Tensor:
    """``encode_text`` of a causal, end-of-text-pooled CLIP text tower on token rows of any length up to its
    context: the position embeddings and the causal mask are cut to the rows' length (see above)."""
    import torch
    from open_clip.transformer import text_global_pool

    n = tokens.shape[1]
    cast = model.transformer.get_cast_dtype()
    x = model.token_embedding(tokens).to(cast) + model.positional_embedding[:n].to(cast)
    x = model.ln_final(model.transformer(x, attn_mask=model.attn_mask[:n, :n]))
    x = text_global_pool(x, tokens, "argmax")
    proj = model.text_projection
    if proj is None:
        return x
    return proj(x) if isinstance(proj, torch.nn.Module) else x @ proj
