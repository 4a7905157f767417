"""`vsig replay`: run an archived night again in a scratch folder and compare every output.

The manifest's seal (an HMAC under the secret) and the archive's files are checked against
it before anything runs; then the run is repeated from the archive alone (its config,
templates, extract rows and state slice) under its own run id and date, and each output's
SHA-256 is compared with the one recorded.
"""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

from jinja2.exceptions import SecurityError

from vsig import audit
from vsig.config import ConfigError, load_config
from vsig.io import pdf
from vsig.io.files import crash_point
from vsig.io.home import CONSUMED, Home
from vsig.io.state.store import Store
from vsig.night import nightly
from vsig.night.tonight import Replay
from vsig.privacy.purge_log import ERASED, ERASED_BY_RETENTION
from vsig.routing import NOTICE
from vsig.templates import SUFFIX

NOTICE_FILE: Final = f"{NOTICE}{SUFFIX}"


class ReplayError(Exception):
    """The run cannot be replayed at all (no such run, no archive); says why."""


@dataclass
class Report:
    run_id: str
    tampered: list[str] = field(default_factory=list)
    outputs: list[audit.Comparison] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not self.tampered and all(c.verdict == "identical" for c in self.outputs)


def manifest_of(home: Home, run_id: str) -> dict[str, Any]:
    if not home.manifest_path(run_id).is_file():
        raise ReplayError(f"no run {run_id!r} in {home.out} (no manifest.json)")
    return home.manifest(run_id)


@contextmanager
def _scratch(home: Home, run_id: str) -> Iterator[Home]:
    """A fresh scratch folder, after removing what killed replays left."""
    parent = home.scratch
    shutil.rmtree(parent, ignore_errors=True)
    parent.mkdir(mode=0o700)
    try:
        yield Home(Path(tempfile.mkdtemp(prefix=f"{run_id}-", dir=parent)))
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def replay(home: Home, run_id: str, secret: bytes) -> Report:
    manifest = manifest_of(home, run_id)
    archive = home.archived(run_id)
    if not archive.is_dir():
        raise ReplayError(f"run {run_id} is not reproducible: its archive was purged")
    report = Report(run_id, warnings=_version_warnings(manifest))
    # First the tamper checks: a mark of erasure is no way around them.
    if not audit.sealed(manifest, secret):
        report.tampered = [
            f"out/{run_id}/manifest.json: its seal does not hold under this home's secret "
            "(changed after the run, or sealed with another key)"
        ]
        return report
    changed = audit.tampered(archive, manifest["archive"])
    report.tampered = [f"archive/{run_id}/{problem}" for problem in changed]
    if report.tampered:
        return report
    if manifest.get(ERASED):
        raise ReplayError(f"run {run_id} is not reproducible: data erased on request")
    if manifest.get(ERASED_BY_RETENTION):
        raise ReplayError(
            f"run {run_id} is not reproducible: data erased by retention (6 months after "
            "the last activity)"
        )
    with _scratch(home, run_id) as scratch_home:
        for relative in manifest["archive"]:
            if relative.split("/")[0] in CONSUMED:
                target = scratch_home.inbox / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(archive / relative, target)
        with Store.open(scratch_home.state) as db:
            db.restore(audit.load_state(archive))
        crash_point("replay-scratch")
        try:
            config = load_config(archive / audit.CONFIG / manifest["config_file"])
        except ConfigError as error:
            raise ReplayError(
                f"run {run_id} is not replayed: its archived config does not load with this "
                f"vsig ({'; '.join(error.problems)}); replay it with the vsig the run had (its "
                "manifest's environment)"
            ) from None
        if config.uitsluitingen.moved() or not (archive / audit.TEMPLATES / NOTICE_FILE).is_file():
            raise ReplayError(
                f"run {run_id} is not replayed: it is from before the exclusion list left the "
                "config and forwards brought a notice, both of which this vsig decides "
                "otherwise; replay it with the vsig the run had (its manifest's environment)"
            )
        try:
            nightly.run_night(
                config,
                scratch_home,
                date.fromisoformat(manifest["verwerkingsdatum"]),
                secret=None,
                replay=Replay(
                    run_id,
                    audit.load_register(archive, "brp"),
                    audit.load_register(archive, "sdd"),
                    archive / audit.TEMPLATES,
                    audit.load_exclusions(archive),
                    secret,
                ),
            )
        except pdf.LayoutError:
            raise ReplayError(
                f"run {run_id} is not replayed: its archived letter templates do not mark where "
                "each letter begins, nor hold the last page every letter shares, which this "
                "vsig needs to lay each letter out once (they are from an older vsig); replay "
                "it with the vsig the run had (its manifest's environment)"
            ) from None
        except SecurityError:
            raise ReplayError(
                f"run {run_id} is not replayed: an archived letter template tries to reach "
                "beyond its data (refused by the sandbox); the archive has been tampered with"
            ) from None
        expected = {o["path"]: o["sha256"] for o in manifest["outputs"]}
        report.outputs = audit.compare(expected, scratch_home.outputs(run_id))
    return report


def _version_warnings(manifest: dict[str, Any]) -> list[str]:
    then, now = manifest["environment"], audit.environment()
    warnings = [
        f"{name} was {then[name]} for the run, is {now[name]} now"
        for name in ("python", "vsig")
        if then[name] != now[name]
    ]
    old, new = then["dependencies"], now["dependencies"]
    warnings += [
        f"{name} was {old.get(name, 'absent')} for the run, is {new.get(name, 'absent')} now"
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    ]
    return warnings
