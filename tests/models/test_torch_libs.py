"""torch's libraries opened ahead of ``import torch`` (without the GIL) leave torch working as usual."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest


@pytest.mark.skipif(os.name != "posix", reason="the preload is POSIX only")
def test_preloaded_torch_imports_and_computes() -> None:
    code = textwrap.dedent(
        """
        import sys
        from desktop.models.torch_libs import preload_torch_libraries
        opened = preload_torch_libraries()
        assert "torch" not in sys.modules
        assert preload_torch_libraries() == []  # once per process
        import torch
        x = torch.arange(6.0).reshape(2, 3)
        import importlib.util
        if importlib.util.find_spec("triton") is not None:  # opened ahead too; its import must still work
            assert any(n.startswith("libtriton") for n in opened), opened
            import triton._C.libtriton as lt
            assert lt.__file__.endswith(".so")
        print(",".join(opened), float((x @ x.T).sum()))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    names, total = out.stdout.split()
    assert "libtorch_cpu" in names.split(",") and "libtorch_python" in names.split(",")
    assert float(total) == 5.0 + 14.0 + 14.0 + 50.0
