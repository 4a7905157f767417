"""The value lists in vsig.rules.vng are the VNG schema's, letter for letter."""

import json

import pytest

from vsig.rules import vng

from .conftest import REPO

SCHEMA = REPO / "standards/vng-vroegsignalering-v1.2/json_schema_Uitwisselmodel.json"


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
