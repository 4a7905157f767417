"""CSV files people open: in Dutch Excel, safely, the same bytes for the same rows.

UTF-8 with a BOM so Excel reads the accents, `;` as separator, and a cell that a
spreadsheet would run as a formula (starting with = + - @ tab or CR) is neutralised by a
leading apostrophe. Callers sort rows and format numbers and flags before writing.
"""

from pathlib import Path
from typing import Final

import polars as pl

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: pl.Expr) -> pl.Expr:
    """A text cell a spreadsheet would evaluate, made plain text."""
    risky = pl.any_horizontal(value.str.starts_with(start) for start in FORMULA_STARTS)
    return pl.when(risky).then(pl.concat_str([pl.lit("'"), value])).otherwise(value)


def ja_nee(flag: pl.Expr) -> pl.Expr:
    return pl.when(flag).then(pl.lit("ja")).otherwise(pl.lit("nee"))


def euros(cents: pl.Expr) -> pl.Expr:
    """Integer cents as euros with two decimals and a decimal point, e.g. `1234.50`."""
    return pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2))


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    safe = frame.with_columns(neutralise(pl.col(name)).alias(name) for name in text_columns)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe.write_csv(path, separator=";", include_bom=True, line_terminator="\r\n")
    return path
