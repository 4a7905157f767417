"""The value lists in vsig.vng are the VNG schema's, letter for letter."""

import json
from pathlib import Path

import pytest

from vsig import vng

SCHEMA = (
    Path(__file__).resolve().parents[2]
    / "shared/standards/vng-vroegsignalering-v0.9/json_schema_Uitwisselmodel.json"
)


@pytest.mark.parametrize(
    ("definition", "ours"),
    [
        ("EnumSignaalpartner", vng.SIGNAALPARTNERSOORTEN),
        ("EnumSignaalstatus", vng.SIGNAALSTATUSSEN),
        ("EnumContactsoort", vng.CONTACTSOORTEN),
        ("EnumDagdeel", vng.DAGDELEN),
        ("EnumEindresultaat", vng.EINDRESULTATEN),
    ],
)
def test_value_list_matches_the_schema(definition: str, ours: tuple[str, ...]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert tuple(schema["$defs"][definition]["enum"]) == ours
