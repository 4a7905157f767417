"""vsig: nightly early warning on debt for the Sociale Dienst Drechtsteden.

The library has the command line's verbs: `vsig.run_night`, `replay`, `explain`, `runs`,
`purge`, `forget`, `inzage`, `monitor`, `overview`, `validate` and `doctor`; each command
parses its arguments, calls its verb and prints. A verb is imported when first asked for,
so that a command loads only what it runs.
"""

from importlib import import_module
from pathlib import Path
from typing import Any, Final

DEFAULT_CONFIG = Path("config/vsig.yaml")
"""The config a command reads unless `--config` or `VSIG_CONFIG` names another."""

VERBS: Final = {
    "run_night": "vsig.night.nightly",
    "replay": "vsig.audit.replay",
    "explain": "vsig.audit.explain",
    "runs": "vsig.audit",
    "purge": "vsig.privacy.retention",
    "forget": "vsig.privacy.erasure",
    "inzage": "vsig.privacy.inzage",
    "monitor": "vsig.reporting.cbs",
    "overview": "vsig.reporting.report",
    "validate": "vsig.io.ingest",
    "doctor": "vsig.ops.doctor",
}
"""Each verb and the module that holds it."""


def __getattr__(name: str) -> Any:
    """A verb, imported when asked for; `vsig.__version__`, read from the installed package
    (reading the installed packages' metadata costs every command 40 ms that does not
    show it)."""
    if name in VERBS:
        return getattr(import_module(VERBS[name]), name)
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("vsig")
    raise AttributeError(f"module 'vsig' has no attribute {name!r}")
