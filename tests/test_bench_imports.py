"""Every benchmark in bench/ still imports: they run by hand, not in CI, so a renamed helper they import
(bench_pages once imported a function bench_class no longer had) would otherwise go unnoticed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"

IMPORT_ALL = """
import importlib.util, sys
sys.path[:0] = [{bench!r}, {root!r}]
failed = []
for path in sorted(__import__("pathlib").Path({bench!r}).glob("*.py")):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = sys.modules[path.stem] = importlib.util.module_from_spec(spec)  # as an import does (dataclasses look)
    try:
        spec.loader.exec_module(module)
    except Exception as err:
        failed.append(f"{{path.name}}: {{type(err).__name__}}: {{err}}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_benchmark_imports():
    assert len(list(BENCH.glob("*.py"))) >= 10
    code = IMPORT_ALL.format(bench=str(BENCH), root=str(BENCH.parent))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
