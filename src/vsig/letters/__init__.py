"""Letters to households: one Jinja2 template per letter type under `templates/`.

The routing config names letters by template; a name without a template file is refused
when the config loads, so a rule can never ask for a letter that cannot be written.
"""

from pathlib import Path
from typing import Final

TEMPLATE_DIR: Final = Path(__file__).parent / "templates"
SUFFIX: Final = ".typ.j2"


def template_names() -> tuple[str, ...]:
    return tuple(sorted(p.name.removesuffix(SUFFIX) for p in TEMPLATE_DIR.glob(f"*{SUFFIX}")))
