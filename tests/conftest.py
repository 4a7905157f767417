from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from vsig.config import Config, load_config

REPO = Path(__file__).resolve().parents[1]
PROCESSING_DATE = date(2026, 11, 26)


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(REPO / "config" / "vsig.yaml")


WriteFile = Callable[[str, str | bytes], Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write a file at a path relative to a fresh inbox; text is written as UTF-8."""

    def write(relative: str, content: str | bytes) -> Path:
        path = tmp_path / "inbox" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write
