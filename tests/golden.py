"""Golden files: outputs pinned byte for byte (or text for PDFs) under `tests/data/golden/`.

When an output changes on purpose, rewrite them with `VSIG_UPDATE_GOLDEN=1 pytest`, then
read the diff by eye before committing it.
"""

import difflib
import os
from pathlib import Path

GOLDEN = Path(__file__).parent / "data" / "golden"


def assert_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("VSIG_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.is_file(), f"no golden file {path}; run with VSIG_UPDATE_GOLDEN=1 to write it"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), actual.splitlines(), "golden", "actual", lineterm=""
        )
        raise AssertionError(f"{name} differs from its golden file:\n" + "\n".join(diff))
