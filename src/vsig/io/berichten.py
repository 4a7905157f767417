"""The text of e-mails and SMS: plain-text Jinja2 templates beside the letters
(`templates/brieven/*.txt.j2`), written when a night books the message, so that the outbox
and the run's outputs keep what is sent.

A message says little, and links only to the SDD's own domain (`foreign_links`): `vsig
config check` renders every template the routing names and refuses one that points
elsewhere, or an SMS that runs past one text message.
"""

import re
from datetime import date
from functools import cache
from pathlib import Path
from typing import Final

import jinja2
import polars as pl
from jinja2.sandbox import SandboxedEnvironment

from vsig import text
from vsig.config import Config
from vsig.contracts import OUTBOX_COLUMNS
from vsig.rules.formats import datum
from vsig.templates import BRIEVEN, MESSAGE_SUFFIX

SMS_MAX: Final = 160
"""One text message of the GSM alphabet, in its units: a longer SMS arrives in parts."""
GSM: Final = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVW"
    "XYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 alphabet, a unit each; `GSM_EXTENDED` takes two. A character outside
both sends the whole SMS in UCS-2, 70 characters a part."""
GSM_EXTENDED: Final = "\f^{}\\[~]|€"
LONGEST: Final = date(2026, 9, 30)
"""A letter's date as long as one gets written out: "30 september 2026"."""
INDEX_COLUMNS: Final = ("bericht_id", "zaak_id", "kanaal", "aan", "gepland", "onderwerp", "tekst")
_DOMAIN: Final = re.compile(
    r"(?:https?://)?(?:\d{1,3}(?:\.\d{1,3}){3}|(?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.IGNORECASE
)
"""A web address or a mail domain: a host name with a top-level domain, or an IP address."""


@cache
def _environment(templates: Path) -> jinja2.Environment:
    # Sandboxed: a replay renders the templates of an archive, which someone may have edited.
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        finalize=lambda value: text.printable("" if value is None else str(value)),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    template: str, kanaal: str, brief_datum: date, config: Config, templates: Path
) -> tuple[str | None, str]:
    """One message's subject (an e-mail's first line; None for an SMS) and text."""
    source = _environment(templates).get_template(f"{template}{MESSAGE_SUFFIX}")
    # A plain space: a no-break space takes an SMS out of the GSM alphabet, halving it.
    written = source.render(
        afzender=config.afzender,
        brief_datum=datum(brief_datum).replace("\u00a0", " "),
        brief_datum_kort=f"{brief_datum:%d-%m-%Y}",
    ).strip()
    if kanaal == "sms":
        return None, written
    subject, _, body = written.partition("\n")
    return subject.strip(), body.strip() + "\n"


def rendered(booked: pl.DataFrame, config: Config, templates: Path = BRIEVEN) -> pl.DataFrame:
    """The messages booked tonight (`berichten.booked`) with their text, as the outbox
    keeps them (`OUTBOX_COLUMNS`); each distinct message written once."""
    keys = booked.select("template", "kanaal", "brief_datum").unique().rows()
    texts = pl.DataFrame(
        [(t, k, d, *render(t, k, d, config, templates)) for t, k, d in keys],
        schema={
            "template": pl.String,
            "kanaal": pl.String,
            "brief_datum": pl.Date,
            "onderwerp": pl.String,
            "tekst": pl.String,
        },
        orient="row",
    )
    return (
        booked.join(texts, on=["template", "kanaal", "brief_datum"], how="left", nulls_equal=True)
        .select(OUTBOX_COLUMNS)
        .sort("bericht_id")
    )


def index(messages: pl.DataFrame) -> pl.DataFrame:
    """The run's list of the messages it booked, with their text (`berichten/index.csv`)."""
    return messages.rename({"adres": "aan"}).select(INDEX_COLUMNS).sort("bericht_id")


def problems(config: Config, templates: Path = BRIEVEN) -> list[str]:
    """What is wrong with the messages the routing sends: a link outside the SDD's own
    domain (its website's), an SMS longer than one text message. Each template is
    written for a letter of a day whose month has the longest name."""
    home = _domain(config.afzender.website)
    found = []
    for name, action in sorted(config.routing.messages().items()):
        subject, body = render(action.template, action.type, LONGEST, config, templates)
        written = f"{subject or ''}\n{body}"
        for link in sorted(set(foreign_links(written, home))):
            found.append(
                f"routing action {name!r}: its message links to {link!r}; a message links "
                f"only to the SDD's own domain ({home}), so that a resident can tell it from "
                "phishing"
            )
        if action.type != "sms":
            continue
        foreign = sorted({c for c in body if c not in GSM and c not in GSM_EXTENDED})
        if foreign:
            found.append(
                f"routing action {name!r}: its SMS has {''.join(foreign)!r}, outside the GSM "
                "alphabet: it would go in parts of 70 characters"
            )
        elif (units := sms_units(body)) > SMS_MAX:
            found.append(
                f"routing action {name!r}: its SMS takes {units} units; at most {SMS_MAX} "
                "(one text message)"
            )
    return found


def sms_units(written: str) -> int:
    """The GSM 03.38 units an SMS of the GSM alphabet takes."""
    return sum(2 if c in GSM_EXTENDED else 1 for c in written)


def foreign_links(written: str, home: str) -> list[str]:
    """Every web address or mail domain in `written` that is not `home` or under it."""
    return [
        found
        for found in (m.group(0) for m in _DOMAIN.finditer(written))
        if not _under(_domain(found), home)
    ]


def _domain(link: str) -> str:
    host = re.sub(r"^https?://", "", link.strip().lower()).split("/")[0]
    return host.removeprefix("www.")


def _under(host: str, home: str) -> bool:
    return host == home or host.endswith(f".{home}")
