"""The base of every configuration model, and the config's own kinds of value.

Polars is not imported here: loading the configuration is the start of every command, and
most need no frames. An amount or an address in the config is read by the same rule as in
a partner's file (`rules.normalize`), imported only when the config holds one.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict

DecimalStyle = Literal["auto", "point", "comma"]
"""How a partner writes the decimals of an amount; "auto" reads either."""


class Strict(BaseModel):
    """A part of the configuration: an unknown key is an error, and nothing changes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def euros_to_cents(value: Any) -> Any:
    """Config amounts are written like input amounts (`500`, `500.00`, `500,00`)."""
    from vsig.rules import normalize  # noqa: PLC0415 - polars only for a config with amounts

    return normalize.euros_to_cents(value)


Cents = Annotated[int, BeforeValidator(euros_to_cents)]
"""An amount in a config file, in euros as a person writes it, held as integer cents."""
