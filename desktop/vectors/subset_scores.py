"""Cosine scores of a query against chosen rows of the float16 vector matrix (exact search over a filtered subset).

numpy converts float16 to float32 without vector instructions on this CPU (~3.7 ns an element: 95 ms for the
50,000 512-d rows of a 5 % filter at a million photos, before any arithmetic). ONNX Runtime, which every install
has, converts with them. One tiny graph, ``Gather → Cast → MatMul`` (``resources/onnx/subset_scores.onnx``,
made by :func:`build_graph`), picks the rows, widens them and takes the dot products in one call, reading the
matrix in place (an ``OrtValue`` over the numpy array, no copy). ``benchmarks/scale_1m.py`` measures both.
numpy remains the fallback when the graph cannot be loaded.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from desktop import log
from desktop.paths import RESOURCES

GRAPH = RESOURCES / "onnx" / "subset_scores.onnx"
OPSET = 17

_log = log.get("vectors")


def build_graph() -> bytes:
    """The graph's bytes (needs the ``onnx`` package, which comes with the torch extra; the file ships)."""
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("Gather", ["table", "rows"], ["picked"], axis=0),
        helper.make_node("Cast", ["picked"], ["wide"], to=TensorProto.FLOAT),
        helper.make_node("MatMul", ["wide", "query"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes,
        "subset_scores",
        [
            helper.make_tensor_value_info("table", TensorProto.FLOAT16, ["n", "d"]),
            helper.make_tensor_value_info("rows", TensorProto.INT64, ["m"]),
            helper.make_tensor_value_info("query", TensorProto.FLOAT, ["d"]),
        ],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["m"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="reframe")
    model.ir_version = 8  # what every supported ONNX Runtime reads
    return model.SerializeToString()


@functools.lru_cache(maxsize=1)
def _session() -> Any:  # onnxruntime.InferenceSession | None
    try:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        return onnxruntime.InferenceSession(str(GRAPH), options, providers=["CPUExecutionProvider"])
    except Exception as e:  # a missing or unreadable file, a broken runtime: numpy still gives the answer
        _log.warning("subset scoring falls back to numpy (%s)", e)
        return None


class SubsetScorer:
    """Scores against rows of one float16 matrix (unit rows, C-contiguous); thread-safe."""

    def __init__(self, table: np.ndarray, *, use_onnx: bool = True) -> None:
        self.table = np.ascontiguousarray(table, dtype=np.float16)
        self._session = _session() if use_onnx and self.table.size else None
        self._value: Any = None
        self._ort: Any = None
        if self._session is not None:
            import onnxruntime

            self._ort = onnxruntime
            self._value = onnxruntime.OrtValue.ortvalue_from_numpy(self.table)  # wraps, does not copy

    @property
    def backend(self) -> str:
        return "onnxruntime" if self._session is not None else "numpy"

    def __call__(self, rows: np.ndarray, query: np.ndarray) -> np.ndarray:
        """``table[rows] · query`` as float32 (``query`` should be a unit vector for cosines)."""
        rows = np.ascontiguousarray(rows, dtype=np.int64).reshape(-1)
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(-1)
        if len(rows) == 0:
            return np.empty(0, np.float32)
        if self._session is None:
            return self.table[rows].astype(np.float32) @ q
        wrap = self._ort.OrtValue.ortvalue_from_numpy
        feeds = {"table": self._value, "rows": wrap(rows), "query": wrap(q)}
        out = self._session.run_with_ort_values(["scores"], feeds)
        return np.asarray(out[0].numpy(), dtype=np.float32)
