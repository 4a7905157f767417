"""vsig: nightly early warning on debt for the Sociale Dienst Drechtsteden."""

from pathlib import Path

DEFAULT_CONFIG = Path("config/vsig.yaml")
"""The config a command reads unless `--config` or `VSIG_CONFIG` names another."""


def __getattr__(name: str) -> str:
    """`vsig.__version__`, read from the installed package when asked (reading the
    installed packages' metadata costs every command 40 ms that does not show it)."""
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("vsig")
    raise AttributeError(f"module 'vsig' has no attribute {name!r}")
