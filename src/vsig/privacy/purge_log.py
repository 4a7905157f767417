"""The purge log: what retention and erasure removed, in counts and keyed hashes only.

`purge-log.csv` is append-only and holds no BSN, name or address: each identifier is an
HMAC under the secret, which only its holder can recompute to answer "was X erased?".
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final

from vsig.contracts import PURGE_LOG_COLUMNS
from vsig.io.home import Home
from vsig.privacy.secret import keyed

ERASED: Final = "erased_on_request"


ERASED_BY_RETENTION: Final = "erased_by_retention"


CLOSED: Final = "zaak_gesloten"
"""The kind under which a retain records the cases it closed (not deleted) for inactivity."""
DELETED_OWED: Final = "zaak_verwijderd_met_plicht"
"""The kind under which retention records the open cases it deleted while they were still
owed something other than their result: a duty nobody met in six months."""


@dataclass
class Purged:
    """What a retain removed, per kind of record, by identifier."""

    reden: str
    ids: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, identifiers: Iterable[str]) -> None:
        found = sorted(set(identifiers))
        if found:
            self.ids.setdefault(kind, []).extend(found)

    def counts(self) -> dict[str, int]:
        return {kind: len(ids) for kind, ids in sorted(self.ids.items())}


def counted(purges: list[Purged]) -> dict[str, int]:
    """What went, as the run's summary and manifest keep it: `reason/kind` → how many."""
    return {f"{p.reden}/{kind}": n for p in purges for kind, n in p.counts().items()}


def append_log(home: Home, purged: Purged, day: date, secret: bytes) -> None:
    """Add the retain to the append-only log: counts and keyed hashes, never a value."""
    if not purged.ids:
        return
    path = home.purge_log
    new = not path.exists()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        if new:
            writer.writerow(PURGE_LOG_COLUMNS)
        for kind, ids in sorted(purged.ids.items()):
            hashed = " ".join(keyed(secret, kind, i) for i in ids)
            writer.writerow([now, day.isoformat(), purged.reden, kind, len(ids), hashed])
