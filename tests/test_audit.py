"""The audit trail's core on a few values: the manifest's seal, the tamper check, the
output comparison."""

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from vsig import audit

KEY = b"k" * 40
FIELDS = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda k: k != audit.SEAL),
    st.one_of(st.integers(), st.text(max_size=12), st.booleans()),
    min_size=1,
    max_size=6,
)


@given(FIELDS, st.data())
def test_any_change_to_a_field_breaks_the_seal(manifest: dict[str, object], data: st.DataObject):
    sealed = manifest | {audit.SEAL: audit.seal(manifest, KEY)}
    assert audit.sealed(sealed, KEY)
    name = data.draw(st.sampled_from(sorted(manifest)))
    changed = sealed | {name: [sealed[name]]}
    assert not audit.sealed(changed, KEY)
    assert not audit.sealed(sealed | {"extra": 1}, KEY)


@given(FIELDS)
def test_a_seal_made_with_another_key_does_not_hold(manifest: dict[str, object]) -> None:
    forged = manifest | {audit.SEAL: audit.seal(manifest, b"another key of enough length..")}
    assert not audit.sealed(forged, KEY)
    assert not audit.sealed(manifest, KEY)  # no seal at all


def test_a_written_manifest_is_sealed_and_a_replay_s_own_is_not(tmp_path: Path) -> None:
    audit.write_manifest(tmp_path / "sealed.json", {"run_id": "20261126-01"}, KEY)
    audit.write_manifest(tmp_path / "scratch.json", {"run_id": "20261126-01"}, None)
    assert audit.sealed(json.loads((tmp_path / "sealed.json").read_text()), KEY)
    assert audit.SEAL not in json.loads((tmp_path / "scratch.json").read_text())


def test_the_tamper_check_names_changed_missing_and_added_files(tmp_path: Path) -> None:
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(name)
    recorded = audit.hashes(tmp_path)
    (tmp_path / "a.csv").write_text("edited")
    (tmp_path / "b.csv").unlink()
    (tmp_path / "c.csv").write_text("slipped in")
    assert audit.tampered(tmp_path, recorded) == [
        "a.csv: changed (SHA-256 differs)",
        "b.csv: missing",
        "c.csv: not part of the run",
    ]


def test_outputs_are_compared_by_hash_and_the_manifest_left_out(tmp_path: Path) -> None:
    (tmp_path / "same.csv").write_text("x")
    (tmp_path / "other.csv").write_text("y")
    (tmp_path / "manifest.json").write_text("{}")
    expected = audit.hashes(tmp_path) | {"other.csv": "0" * 64, "gone.csv": "1" * 64}
    expected.pop("manifest.json")
    verdicts = {c.path: c.verdict for c in audit.compare(expected, tmp_path)}
    assert verdicts == {"same.csv": "identical", "other.csv": "different", "gone.csv": "missing"}
