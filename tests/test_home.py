"""The data home: its places, and recovery of a run killed after its commit."""

import hashlib
import json
from pathlib import Path

from vsig.io.files import sha256
from vsig.io.home import MANIFEST, Home


def killed_after_commit(
    root: Path, run_id: str, consumed: dict[str, bytes], delivered: dict[str, bytes] | None = None
) -> Home:
    """A run's outputs and archive left in their temporary folders, as a kill leaves them;
    the manifest lists the consumed files as the archive holds them and, among its inputs,
    as they were delivered (`delivered`, where that differs: a workbook)."""
    home = Home(root)
    out, archive = Home.partial(home.out, run_id), Home.partial(home.archive, run_id)
    for relative, data in consumed.items():
        (archive / relative).parent.mkdir(parents=True, exist_ok=True)
        (archive / relative).write_bytes(data)
    out.mkdir(parents=True)
    listed = {r: sha256(archive / r) for r in consumed}
    inputs = [
        {
            "file": r,
            "kind": r.split("/")[0],
            "sha256": listed[r],
            "delivered_sha256": hashlib.sha256((delivered or {}).get(r, data)).hexdigest(),
        }
        for r, data in consumed.items()
    ]
    (out / MANIFEST).write_text(json.dumps({"archive": listed, "inputs": inputs}))
    return home


def test_a_committed_run_is_put_in_place_and_its_files_leave_the_inbox(tmp_path: Path) -> None:
    home = killed_after_commit(tmp_path, "R1", {"signalen/VGZ/a.csv": b"S1\n"})
    delivered = home.inbox / "signalen" / "VGZ" / "a.csv"
    delivered.parent.mkdir(parents=True)
    delivered.write_bytes(b"S1\n")
    assert home.recover({"R1"}) == ["R1"]
    assert home.manifest_path("R1").is_file()
    assert (home.archived("R1") / "signalen" / "VGZ" / "a.csv").is_file()
    assert not delivered.exists()


def test_a_file_delivered_anew_under_the_same_name_stays(tmp_path: Path) -> None:
    home = killed_after_commit(tmp_path, "R1", {"signalen/VGZ/a.csv": b"S1\n"})
    delivered = home.inbox / "signalen" / "VGZ" / "a.csv"
    delivered.parent.mkdir(parents=True)
    delivered.write_bytes(b"S1\nS2\n")
    home.recover({"R1"})
    assert delivered.read_bytes() == b"S1\nS2\n"


def test_what_an_uncommitted_run_left_is_removed(tmp_path: Path) -> None:
    home = killed_after_commit(tmp_path, "R2", {"signalen/VGZ/a.csv": b"S1\n"})
    assert home.recover({"R1"}) == []
    assert not any(home.out.iterdir())
    assert not any(home.archive.iterdir())


def test_a_workbook_is_taken_from_the_inbox_by_the_bytes_delivered(tmp_path: Path) -> None:
    """The archive keeps what was read of a workbook, not its bytes: by those it would stay
    in the inbox and be refused the next night as processed before."""
    sent = b"PK the workbook as the municipality saved it"
    home = killed_after_commit(
        tmp_path,
        "R1",
        {"uitkomsten/0505.xlsx": b"PK what was read"},
        {"uitkomsten/0505.xlsx": sent},
    )
    delivered = home.inbox / "uitkomsten" / "0505.xlsx"
    delivered.parent.mkdir(parents=True)
    delivered.write_bytes(sent)
    assert home.recover({"R1"}) == ["R1"]
    assert not delivered.exists()
