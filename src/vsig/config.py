"""Typed configuration: one YAML file loaded once into pydantic models.

A broken file never raises a traceback at the user: `load_config` collects every problem
as one line naming the file, the line, the key path and what was expected.
"""

import os
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal, Self, get_args

import yaml
from dateutil.relativedelta import relativedelta
from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from vsig import templates
from vsig.contracts import HUISNUMMER_PARTS, REQUIRED_SIGNAL_COLUMNS, SIGNAL_COLUMNS
from vsig.models import Cents, DecimalStyle, Strict
from vsig.routing import NOTICE, Routing
from vsig.rules.vng import Signaalpartnersoort

DEFAULT_HOME = Path("var")
DEFAULT_ROUTING = "routing.yaml"


class ConfigError(Exception):
    """The configuration cannot be used; `problems` holds one readable line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Layout(Strict):
    """How a partner writes its file. The defaults are the canonical layout."""

    encoding: Literal["utf-8", "cp1252"] = "utf-8"
    separator: str = Field(";", min_length=1, max_length=1)
    date_format: str = "%Y-%m-%d"
    decimal: DecimalStyle = "auto"
    columns: dict[str, str] = Field(
        default_factory=dict, description="the partner's header → canonical column"
    )
    huisnummer_from: list[str] = Field(
        default_factory=list,
        description="partner columns that together hold number, letter and addition",
    )

    @model_validator(mode="after")
    def _maps_onto_canonical(self) -> Self:
        unknown = sorted(set(self.columns.values()) - set(SIGNAL_COLUMNS))
        if unknown:
            raise ValueError(f"columns map to unknown canonical columns {unknown}")
        if self.huisnummer_from and set(self.columns.values()) & set(HUISNUMMER_PARTS):
            raise ValueError("huisnummer_from and a mapped huisnummer column exclude each other")
        missing = [c for c in REQUIRED_SIGNAL_COLUMNS if c not in self.canonical_columns()]
        if self.columns and missing:
            raise ValueError(f"columns leave required canonical columns unmapped: {missing}")
        return self

    @property
    def is_canonical(self) -> bool:
        return not self.columns and not self.huisnummer_from

    def canonical_columns(self) -> set[str]:
        produced = set(self.columns.values())
        if self.huisnummer_from:
            produced |= set(HUISNUMMER_PARTS)
        return produced

    def header(self) -> list[str]:
        """The columns a file in this layout must have."""
        if self.is_canonical:
            return list(REQUIRED_SIGNAL_COLUMNS)
        return [*self.columns, *self.huisnummer_from]


class Signaalpartner(Strict):
    code: str = Field(pattern=r"^[A-Z0-9_]+$")
    naam: str = Field(min_length=1, description="the creditor's name, as letters show it")
    soort: Signaalpartnersoort
    layout: Layout = Layout()


class Contact(Strict):
    telefoon: str
    email: str | None = None
    website: str | None = None


class Gemeente(Strict):
    code: str = Field(pattern=r"^\d{4}$", description="CBS municipality code")
    naam: str
    startdatum: date = Field(description="first processing date with early warning")
    lokaal_aanbod: str = Field(min_length=1, description="local offer printed in letters")
    contact: Contact
    aanbod_werkdagen: int = Field(
        10,
        ge=1,
        le=60,
        description="working days the municipality has for its first offer to a household "
        "forwarded to it (the SDD's agreement with it; the Wgs sets no term)",
    )


class Afzender(Strict):
    """Who the letters come from and how residents reach them."""

    naam: str
    team: str = "Team Vroegsignalering"
    postadres: str
    postcode_plaats: str
    telefoon: str
    bereikbaar: str = Field(
        "maandag tot en met vrijdag, 9.00 tot 17.00 uur", description="when the phone is answered"
    )
    email: str
    website: str
    privacy_email: str = Field(
        description="where residents ask for inzage, correction or deletion (AVG art. 13-14)"
    )
    reageren_binnen_dagen: int = Field(
        14, ge=1, le=60, description="the letter asks for a reply within this many days (Atw)"
    )


class Achterstandsvenster(Strict):
    """Days of arrears within which a partner's signal is picked up (the agreements with
    creditors and SDD policy; the Bgs sets no number of days); not a legal deadline
    (`Termijnen`)."""

    min_dagen: int = Field(0, ge=0, le=3650)
    max_dagen: int | None = Field(None, ge=0, le=3650)
    grondslag: str = Field(
        min_length=1,
        description="where the numbers come from: an article, an agreement with the "
        "creditors, or SDD policy (then it says so); the creditor reads it in its feedback",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max_dagen is not None and self.max_dagen < self.min_dagen:
            raise ValueError("max_dagen is smaller than min_dagen")
        return self


class Termijnen(Strict):
    """Legal deadlines (Wgs art. 4, Besluit and the local bylaw)."""

    gesprek_dagen: int = Field(28, ge=1, le=365, description="first conversation after aanmelding")
    gesprek_crisis_werkdagen: int = Field(3, ge=1, le=60, description="the same in a crisis")
    beschikking_weken: int = Field(
        4, ge=1, le=8, description="decision after the first conversation; the law allows 8"
    )
    vooruit_werkdagen: int = Field(5, ge=0, le=60, description="list deadlines due this soon")
    pogingen_geen_contact: int = Field(
        2,
        ge=1,
        le=10,
        description="contact attempts (the letters as one) before a case may close as "
        "'Definitief geen contact kunnen krijgen'",
    )


class Cbs(Strict):
    """Who delivers the monitor data to CBS (VNG Uitwisselmodel)."""

    code_gegevensleverancier: str
    organisatie: str
    kvk_nummer: str | None = Field(
        None, pattern=r"^\d{8}$", description="the delivering organisation's KvK number"
    )
    contactpersonen: list[dict[str, str]] = Field(min_length=1)
    centrumgemeente: str | None = Field(
        None,
        pattern=r"^\d{4}$",
        description="the levering of a signal that matched nobody and names a town that is "
        "no configured municipality; the first municipality when not given",
    )


class Serve(Strict):
    """`vsig serve`: the DDAS-VS API from which CBS pulls the delivery (docs/cbs.md)."""

    host: str = Field("127.0.0.1", description="an FSC inway on this host authenticates")
    port: int = Field(8443, ge=1, le=65535)
    signing_key: Path = Field(description="PEM RSA key that signs each response (PS256)")
    signing_chain: Path = Field(description="PEM certificates, the signing one first (x5c)")
    kid: str | None = Field(None, description="the key's id; its certificate's SHA-256 if not")
    tls_cert: Path | None = Field(None, description="serve HTTPS with this certificate")
    tls_key: Path | None = None
    tls_client_ca: Path | None = Field(None, description="and admit only clients it signed")
    request_seconds: float = Field(
        10.0, gt=0, le=300, description="a request must arrive whole within this time"
    )
    max_connections: int = Field(64, ge=1, le=900, description="open connections at most")

    @model_validator(mode="after")
    def _tls_whole(self) -> Self:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key go together")
        if self.tls_client_ca is not None and self.tls_cert is None:
            raise ValueError("tls_client_ca needs tls_cert and tls_key")
        return self


class Retention(Strict):
    months: int = Field(6, ge=1, le=120)
    outputs_keep_days: int | None = Field(None, ge=1, le=3650)

    def cutoff(self, day: date) -> date:
        """The first day still kept on `day`: data of any day before it goes."""
        return day - relativedelta(months=self.months)


class Uitsluitingen(Strict):
    """Where the exclusion list was before it moved to the data home (`vsig uitsluiten`).
    An entry here would sit in plain text in a file under version control and in every
    run's archive, out of reach of `vsig forget`: a night refuses to run while there is
    one (`moved`), and every other command works, so that the entries can be put on the
    list in the home first and the section removed after."""

    adressen: list[object] = Field(default_factory=list)
    personen: list[object] = Field(default_factory=list)

    def moved(self) -> str | None:
        """Why no night may run with this config; None when the section is empty, as the
        configs of earlier runs have it."""
        if not (self.adressen or self.personen):
            return None
        return (
            f"the config lists {len(self.adressen) + len(self.personen)} exclusion(s) under "
            "`uitsluitingen`; the exclusion list lives in the data home now. Put each entry "
            'there with `vsig uitsluiten toevoegen --bsn N | --address "POSTCODE NUMMER" '
            "--reason ...`, then remove the section"
        )


LOOPBACK: Final = ("127.0.0.1", "::1", "localhost")


class Smtp(Strict):
    """An SMTP relay for e-mail (`smtplib`). The password is read from a file outside the
    data home when a message is sent, never from the config."""

    host: str = Field(min_length=1)
    port: int = Field(587, ge=1, le=65535)
    beveiliging: Literal["starttls", "tls", "geen"] = Field(
        "starttls",
        description="STARTTLS on the port, TLS from the first byte, or none (this machine only)",
    )
    gebruiker: str | None = None
    wachtwoord_bestand: Path | None = Field(None, description="a file holding the password")
    afzender: str = Field(min_length=3, description='the From of every e-mail: "Naam <adres>"')
    timeout_seconden: float = Field(30, gt=0, le=300)

    @model_validator(mode="after")
    def _safe(self) -> Self:
        if self.beveiliging == "geen" and self.host not in LOOPBACK:
            raise ValueError(
                f"beveiliging: geen sends residents' addresses and the password in plain text; "
                f"it is allowed only to a relay on this machine ({', '.join(LOOPBACK)})"
            )
        if (self.gebruiker is None) != (self.wachtwoord_bestand is None):
            raise ValueError("gebruiker and wachtwoord_bestand go together")
        return self


class Notify(Strict):
    """NotifyNL (GOV.UK Notify's API) for SMS, and for e-mail when `mail_via: notify`.
    Each template in Notify holds only `((onderwerp))` and `((bericht))`: vsig writes the
    text, so that the archive keeps what was sent."""

    url: str = Field("https://api.notifynl.nl", pattern=r"^https?://")
    sleutel_bestand: Path = Field(description="a file holding the API key")
    sms_template: str | None = Field(None, description="the id of the Notify SMS template")
    mail_template: str | None = Field(None, description="the id of the Notify e-mail template")
    timeout_seconden: float = Field(30, gt=0, le=300)


class Kanalen(Strict):
    """How `mail` and `sms` actions reach residents, and when."""

    smtp: Smtp | None = None
    notify: Notify | None = None
    mail_via: Literal["smtp", "notify"] = "smtp"
    pogingen: int = Field(
        4, ge=1, le=10, description="tries before a message that could not be sent has failed"
    )
    venster: tuple[str, str] | None = Field(
        ("09:00", "20:00"),
        description="messages go out between these times of day only; null: at any time",
    )

    @model_validator(mode="after")
    def _window(self) -> Self:
        if self.venster is not None:
            start, end = (_clock(t) for t in self.venster)
            if start >= end:
                raise ValueError("venster: the first time must be before the second")
        return self

    def via(self, kanaal: str) -> str | None:
        """The service that sends this kind of message, or None when none is configured."""
        service = self.mail_via if kanaal == "mail" else "notify"
        if service == "smtp":
            return service if self.smtp else None
        template = (
            (self.notify.mail_template if kanaal == "mail" else self.notify.sms_template)
            if self.notify
            else None
        )
        return service if template else None

    def open_at(self, clock: str) -> bool:
        """Whether a message may go out at this time of day ("HH:MM")."""
        if self.venster is None:
            return True
        start, end = (_clock(t) for t in self.venster)
        return start <= _clock(clock) < end


def _clock(value: str) -> tuple[int, int]:
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{value!r} is no time of day such as 09:00")
    parsed = int(hours), int(minutes)
    if not (0 <= parsed[0] <= 24 and 0 <= parsed[1] < 60) or parsed > (24, 0):
        raise ValueError(f"{value!r} is no time of day such as 09:00")
    return parsed


Regeling = Literal["bijstand", "schuldhulpverlening", "beschermingsbewind"]
REGELINGEN: Final = get_args(Regeling)


class Config(Strict):
    home: Path | None = None
    secret_file: Path | None = Field(
        None, description="the purge log's HMAC key, outside the home (VSIG_SECRET_FILE wins)"
    )
    umask: str = Field(
        "077", pattern=r"^0?[0-7]{3}$", description="file permissions vsig creates, as umask"
    )
    brp_max_age_days: int = Field(7, ge=1, le=366)
    case_close_after_days: int = Field(90, ge=1, le=3650)
    known_scope: Literal["household", "person"] = "household"
    bekend_regelingen: list[Regeling] = Field(
        ["bijstand", "schuldhulpverlening"],
        min_length=1,
        description="the SDD arrangements that make a household known; bewind alone does not",
    )
    naam_gelijkenis: float = Field(
        0.8,
        ge=0.5,
        le=1.0,
        description="how alike (0-1) a misspelt surname must be to count; bench/matching.py",
    )
    minimum_bedrag: Cents = Field(0, ge=0, le=1_000_000_00)
    dagen_achterstand: dict[Signaalpartnersoort, Achterstandsvenster] = Field(default_factory=dict)
    buiten_venster_vanaf: Cents | None = Field(
        250_00,
        ge=0,
        le=1_000_000_00,
        description="a signal outside its days-of-arrears window is picked up all the same "
        "from this amount: no resident with serious arrears is left out for a date",
    )
    retention: Retention = Retention()
    termijnen: Termijnen = Termijnen()
    cbs: Cbs | None = None
    serve: Serve | None = None
    uitsluitingen: Uitsluitingen = Uitsluitingen()
    kanalen: Kanalen | None = None
    afzender: Afzender
    gemeenten: list[Gemeente] = Field(min_length=1)
    signaalpartners: list[Signaalpartner] = Field(min_length=1)
    routing: Routing
    _files: tuple[Path, ...] = PrivateAttr(default=())

    @property
    def files(self) -> tuple[Path, ...]:
        """The config file and the routing file it was loaded from, for the archive."""
        return self._files

    @model_validator(mode="after")
    def _unique_codes(self) -> Self:
        for name, codes in (
            ("gemeenten", [g.code for g in self.gemeenten]),
            ("signaalpartners", [p.code for p in self.signaalpartners]),
        ):
            doubles = sorted({c for c in codes if codes.count(c) > 1})
            if doubles:
                raise ValueError(f"{name}: code used more than once: {doubles}")
        for name, action in self.routing.messages().items():
            if self.kanalen is None or self.kanalen.via(action.type) is None:
                service = "kanalen.notify with sms_template"
                if action.type == "mail":
                    service = (
                        "kanalen.smtp, or kanalen.notify with mail_template and mail_via: notify"
                    )
                raise ValueError(
                    f"routing action {name!r} sends {action.type}, and nothing is configured "
                    f"to send it: add {service}"
                )
        centrum = self.cbs.centrumgemeente if self.cbs else None
        if centrum and not self.gemeente(centrum):
            raise ValueError(f"cbs.centrumgemeente {centrum} is none of the gemeenten")
        return self

    def partner(self, code: str) -> Signaalpartner | None:
        return next((p for p in self.signaalpartners if p.code == code), None)

    def gemeente(self, code: str) -> Gemeente | None:
        return next((g for g in self.gemeenten if g.code == code), None)

    def gemeentecodes(self) -> list[str]:
        """The region: each municipality's code, in the config's order."""
        return [g.code for g in self.gemeenten]

    def offer_terms(self) -> dict[str, int]:
        """Each municipality's code → the working days of its first offer on a forward."""
        return {g.code: g.aanbod_werkdagen for g in self.gemeenten}

    def gemeentenamen(self) -> dict[str, str]:
        """Each municipality's code → its name, as people read it."""
        return {g.code: g.naam for g in self.gemeenten}


def load_config(path: Path) -> Config:
    """Load and check the YAML config and the routing file it names.

    Raises ConfigError listing every problem in both files.
    """
    root, data = _read_yaml(path, "config")
    routing_path = path.parent / str(data.get("routing") or DEFAULT_ROUTING)
    routing_root, routing_data = _read_yaml(routing_path, "routing")
    codes = [g.get("code") for g in data.get("gemeenten") or [] if isinstance(g, dict)]
    # The notice is vsig's own letter: a route may name every other.
    routable = tuple(t for t in templates.letter_types() if t != NOTICE)
    context = {
        "templates": routable,
        "berichten": templates.message_types(),
        "gemeentecodes": codes,
    }
    problems: list[str] = []
    try:
        data["routing"] = Routing.model_validate(routing_data, context=context)
    except ValidationError as error:
        problems += _describe_all(routing_path, routing_root, error.errors(), routing_data)
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        # Without a valid routing its absence is no news: the routing's own problems say why.
        errors = [e for e in error.errors() if not problems or e["loc"][:1] != ("routing",)]
        problems += _describe_all(path, root, errors, data)
    if problems:
        raise ConfigError(problems)
    config._files = (path, routing_path)
    return config


# The C build of the safe loader where libyaml is there: the same rules, faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path, what: str) -> tuple[yaml.Node | None, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError([f"{path}: cannot read the {what} file ({error.strerror})"]) from None
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: the {what} file is not UTF-8 text"]) from None
    try:
        root = yaml.compose(text, Loader=_LOADER)
        if root is not None and _expanded(root) > MAX_EXPANDED:
            raise ConfigError(
                [f"{path}: its YAML aliases expand to more than {MAX_EXPANDED} values"]
            )
        data = yaml.load(text, Loader=_LOADER)  # a safe loader: never builds Python objects
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(
            [f"{where}: not valid YAML ({getattr(error, 'problem', error)})"]
        ) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: expected a mapping of settings at the top level"])
    return root, data


MAX_MESSAGE: Final = 400
"""A problem is said in at most this many characters, whatever value it quotes."""
MAX_EXPANDED: Final = 100_000
"""Values a config may expand to with its YAML aliases: far beyond any real config, far
below an alias bomb's billions."""


def _expanded(node: yaml.Node, sizes: dict[int, int] | None = None) -> int:
    """How many values the YAML becomes once every alias is written out, without writing
    them out (a node's size is counted once, however often it is reused)."""
    sizes = {} if sizes is None else sizes
    if id(node) in sizes:
        return sizes[id(node)]
    sizes[id(node)] = MAX_EXPANDED + 1  # a node inside itself never ends
    children: list[yaml.Node] = []
    if isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    elif isinstance(node, yaml.MappingNode):
        children = [part for pair in node.value for part in pair]
    total = 1
    for child in children:
        total = min(total + _expanded(child, sizes), MAX_EXPANDED + 1)
    sizes[id(node)] = total
    return total


def _describe_all(
    path: Path, root: yaml.Node | None, errors: list[Any], data: dict[str, Any]
) -> list[str]:
    return [_describe(path, root, err, data) for err in errors]


def _describe(path: Path, root: yaml.Node | None, err: Any, data: dict[str, Any]) -> str:
    loc = tuple(part for part in err["loc"] if not str(part).startswith("function-"))
    loc += getattr((err.get("ctx") or {}).get("error"), "loc", ())
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    got = err.get("input")
    shown = f" (got {got!r})" if isinstance(got, str | int | float | bool) else ""
    message = {"extra_forbidden": "unknown setting"}.get(err["type"], err["msg"])
    if err["type"] == "value_error":
        message, shown = message.removeprefix("Value error, "), ""
    line = _line_of(root, loc)
    where = f"{path}:{line}" if line else str(path)
    said = f"{where}: {key or '(top level)'}{_rule_name(loc, data)}: {message}{shown}"
    return said if len(said) <= MAX_MESSAGE else said[: MAX_MESSAGE - 1] + "…"


def _rule_name(loc: tuple[Any, ...], data: dict[str, Any]) -> str:
    """Name the routing rule a problem is in, so the reader finds it without counting."""
    if len(loc) < 2 or loc[0] != "rules" or not isinstance(loc[1], int):
        return ""
    rules = data.get("rules")
    rule = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
    name = rule.get("name") if isinstance(rule, dict) else None
    return f" (rule {name!r})" if name else ""


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The line of the deepest YAML node along `loc`, for pointing the user at it."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node, line = child, child.start_mark.line + 1
    return line


def resolve_home(option: Path | None, config: Config) -> Path:
    """`--home`, else VSIG_HOME, else `home:` in the config, else ./var."""
    env = os.environ.get("VSIG_HOME")
    return option or (Path(env) if env else None) or config.home or DEFAULT_HOME
