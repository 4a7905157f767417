"""Sending the outbox after a night's commit: e-mail through an SMTP relay (`smtplib`),
SMS and, if so configured, e-mail through NotifyNL (`notifications-python-client`).

Exactly once, even when killed. A message goes out only when the night committed it as
`TE_VERZENDEN`; before it is handed to a service its row says `BEZIG`, committed on its
own, and the service's answer is recorded the moment it comes. A run killed in between
leaves `BEZIG`, and the next send finds out what happened: NotifyNL is asked for a
notification with the message's reference (its `bericht_id`); it is recorded as sent, or
sent now. An SMTP relay cannot be asked, so such a message is recorded as `ONZEKER`
("misschien verzonden"), never sent again, and put before a person on the SDD's list.

A message a service could not take is tried again on a later night, after 1, 2, 4, ...
days, until `kanalen.pogingen` tries; then it has failed (`MISLUKT`). One a service
refused (`GEWEIGERD`: an address or number it will not send to) is not tried again. A
service that fails three times in a row is left alone for the rest of the send: its
messages wait for the next. Messages go out only inside `kanalen.venster`.

Nothing about a person reaches a log or a notice: a message is named by its `bericht_id`.
"""

import logging
import re
import smtplib
import ssl
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any, Final, Protocol

import polars as pl
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient

from vsig import audit
from vsig.config import Config, Kanalen, Notify, Smtp
from vsig.io.files import crash_point, private_files
from vsig.io.home import Home
from vsig.io.state import upkeep
from vsig.io.state.lock import WRITER_WAIT, locked
from vsig.io.state.store import Store
from vsig.io.state.upkeep import clear_leftovers
from vsig.rules import normalize
from vsig.rules.berichten import (
    AFGELEVERD,
    BEZIG,
    GEWEIGERD,
    MISLUKT,
    NIET_BEZORGD,
    ONZEKER,
    OPNIEUW,
    TE_VERZENDEN,
    VERVALLEN,
    VERVALT,
    VERZONDEN,
)

# The client logs a failed request's URL and the service's words at WARNING, which Python
# prints on stderr when nothing else is set up: not there, nor anywhere.
logging.getLogger("notifications_python_client").setLevel(logging.CRITICAL + 1)

WACHT: Final = "wacht"
"""Counted for a message left for the next send: outside the hours, its service away."""
IN_A_ROW: Final = 3
"""Failures of one service in a row after which it is left alone until the next send."""
POLL_DAYS: Final = 7
"""How long after sending NotifyNL is asked whether a message arrived."""
NOTIFY_STATUS: Final = {
    "delivered": (AFGELEVERD, None),
    "permanent-failure": (NIET_BEZORGD, "het nummer of adres bestaat niet (NotifyNL)"),
    "temporary-failure": (NIET_BEZORGD, "de telefoon of mailbox nam het niet aan (NotifyNL)"),
}
"""What NotifyNL's final word on a message means here; its other words mean wait."""


@dataclass
class Sent:
    """What a send did: its messages by the status they got, and what the administrator
    must know (never about a person)."""

    berichten: dict[str, int] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Outcome:
    status: str
    reden: str | None = None
    referentie: str | None = None
    service_down: bool = False
    """The service failed, not the message: it counts toward leaving the service alone."""


class _UnknowableError(Exception):
    """The service cannot say whether it took a message; the message names it as the
    service's log would."""


class _Service(Protocol):
    can_look_up: bool

    def send(self, message: dict[str, Any]) -> _Outcome: ...

    def sent_before(self, bericht_id: str) -> str | None: ...

    def close(self) -> None: ...


def verzenden(config: Config, home: Home, now: datetime) -> Sent:
    """`vsig berichten verzenden`: send what the nights committed, under the lock."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        clear_leftovers(home)
        with Store.open(home.state) as db:
            sent = deliver(db, config, home, now.date(), now)
        audit.log(home, "berichten", asdict(sent))  # counts, never to whom
        return sent


def stop(config: Config, home: Home, kanaal: str, adres: str, reden: str, day: date) -> date | None:
    """`vsig berichten stop`: from now on no message goes to this address or number (a
    resident answered STOP, or asked); the day it was put on the list before, if so.
    Raises ValueError for an address or number no message could go to."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        clear_leftovers(home)
        with Store.open(home.state) as db:
            return db.refuse_messages(kanaal, as_sent(kanaal, adres), reden, day)


def toestaan(config: Config, home: Home, kanaal: str, adres: str) -> bool:
    """`vsig berichten toestaan`: take an address or number off the list; whether it was
    on it. The state file is compacted after, so that its bytes go too."""
    with private_files(config.umask), locked(home.state, WRITER_WAIT):
        clear_leftovers(home)
        upkeep.erasing(home.state)
        with Store.open(home.state) as db:
            removed = db.allow_messages(kanaal, [as_sent(kanaal, adres)])
        upkeep.erased(home.state, bool(removed))
        return bool(removed)


def as_sent(kanaal: str, adres: str) -> str:
    """An address or number as the outbox writes it (`berichten.booked`)."""
    written = pl.Series([adres.strip()], dtype=pl.String)
    found = (normalize.mail_addresses if kanaal == "mail" else normalize.mobile_numbers)(written)
    if not found:
        what = "an e-mail address" if kanaal == "mail" else "a mobile number"
        raise ValueError(f"that is not {what} a message could go to")
    return next(iter(found.values()))


def deliver(db: Store, config: Config, home: Home, day: date, now: datetime) -> Sent:
    """Send every message a night committed for sending (and finish any a killed send left
    `BEZIG`), then ask NotifyNL what became of those it took lately. A message sent is
    dated `day` (a night's processing date), and goes only if `now` is inside the hours."""
    kanalen = config.kanalen
    sent = Sent()
    if kanalen is None:
        return sent
    outbox = db.outbox()
    waiting = outbox.filter(pl.col("status").is_in([TE_VERZENDEN, BEZIG, VERVALT]))
    if waiting.height and not kanalen.open_at(f"{now:%H:%M}"):
        window = "-".join(kanalen.venster or ())
        sent.notices.append(
            f"{waiting.height} message(s) wait for the hours messages go out ({window}); "
            "`vsig berichten verzenden` then sends them"
        )
        sent.berichten[WACHT] = waiting.height
        return sent
    counts: Counter[str] = Counter()
    with _services(kanalen, home, sent.notices) as services:
        failures: Counter[str] = Counter()
        for message in waiting.sort("bericht_id").iter_rows(named=True):
            via = kanalen.via(message["kanaal"])
            service = services.get(via or "")
            if service is None or failures[via or ""] >= IN_A_ROW:
                counts[WACHT] += 1
                continue
            outcome = _deliver_one(db, service, message, kanalen, day)
            counts[outcome.status] += 1
            failures[via or ""] = failures[via or ""] + 1 if outcome.service_down else 0
            if failures[via or ""] == IN_A_ROW:
                sent.notices.append(
                    f"{via} failed {IN_A_ROW} times in a row; its other messages wait for "
                    "the next send"
                )
        if "notify" in services:
            _poll(db, services["notify"], outbox, day, counts)
    sent.berichten = dict(sorted(counts.items()))
    return sent


def _deliver_one(
    db: Store, service: _Service, message: dict[str, Any], kanalen: Kanalen, today: date
) -> _Outcome:
    """One message: asked after first if it may have gone, held back if it should not go
    now, else recorded before and after it is handed over."""
    bericht_id = message["bericht_id"]
    if _in_doubt(service, message):
        known = _ask(db, service, message, today)
        if known is not None:
            return known
    held = message["reden"] if message["status"] == VERVALT else db.held_back(bericht_id)
    if held is not None:
        db.record_message(bericht_id, status=VERVALLEN, reden=held)
        return _Outcome(VERVALLEN, held)
    tries = message["pogingen"] + (message["status"] != BEZIG)
    db.record_message(bericht_id, status=BEZIG, pogingen=tries, verzonden=today)
    crash_point("bericht-bezig")
    outcome = service.send(message)
    crash_point("bericht-verzonden")
    if outcome.status == OPNIEUW and tries >= kanalen.pogingen:
        # The last try: one that may have reached the service is asked after once more.
        late = (
            _ask(db, service, message | {"status": BEZIG}, today) if service.can_look_up else None
        )
        if late is not None and late.status == VERZONDEN:
            return late
        outcome = _Outcome(
            MISLUKT, f"na {tries} pogingen: {outcome.reden}", None, outcome.service_down
        )
    db.record_message(
        bericht_id,
        status=outcome.status,
        reden=outcome.reden,
        referentie=outcome.referentie,
        verzonden=today if outcome.status == VERZONDEN else None,
        volgende=today + timedelta(days=2 ** (tries - 1)) if outcome.status == OPNIEUW else None,
    )
    return outcome


def _in_doubt(service: _Service, message: dict[str, Any]) -> bool:
    """Whether a message may have reached its service: a send was cut off while it was
    handed over (`BEZIG`), or NotifyNL may have taken an earlier try that timed out."""
    tried = message["pogingen"] > 0 or message["status"] == VERVALT
    return message["status"] == BEZIG or (service.can_look_up and tried)


def _ask(db: Store, service: _Service, message: dict[str, Any], today: date) -> _Outcome | None:
    """The service asked whether it took this message: recorded as sent if it did, as
    `ONZEKER` if it cannot say (an SMTP relay); None if it did not, and a message to send
    or hold back now."""
    bericht_id = message["bericht_id"]
    try:
        known = service.sent_before(bericht_id)
    except _UnknowableError as unknown:
        reden = (
            "de verzending werd afgebroken; of de mailserver het bericht nam, is niet "
            f"bekend ({unknown})"
        )
        db.record_message(bericht_id, status=ONZEKER, reden=reden)
        return _Outcome(ONZEKER, reden)
    except APIError:
        return _Outcome(WACHT, service_down=True)  # asked again at the next send
    if known is None:
        return None
    db.record_message(
        bericht_id,
        status=VERZONDEN,
        referentie=known,
        reden=None,
        verzonden=message["verzonden"] or today,
    )
    return _Outcome(VERZONDEN, referentie=known)


def _poll(
    db: Store, notify: _Service, outbox: pl.DataFrame, today: date, counts: Counter[str]
) -> None:
    """Ask NotifyNL what became of the messages it took in the last `POLL_DAYS` days."""
    if not isinstance(notify, _NotifyService):
        return
    recent = outbox.filter(
        (pl.col("status") == VERZONDEN)
        & pl.col("referentie").str.starts_with(_NotifyService.PREFIX)
        & (pl.col("verzonden") >= today - timedelta(days=POLL_DAYS))
    )
    for message in recent.iter_rows(named=True):
        try:
            word = notify.status(message["referentie"])
        except APIError:
            return  # the service is down: ask again at the next send
        if word in NOTIFY_STATUS:
            status, reden = NOTIFY_STATUS[word]
            db.record_message(message["bericht_id"], status=status, reden=reden)
            counts[status] += 1


@contextmanager
def _services(kanalen: Kanalen, home: Home, notices: list[str]) -> Iterator[dict[str, _Service]]:
    """The configured services that can be used now; why not, for those that cannot."""
    services: dict[str, _Service] = {}
    made: dict[str, Any] = {
        "smtp": (kanalen.smtp, _SmtpService),
        "notify": (kanalen.notify, _NotifyService),
    }
    for name, (settings, kind) in made.items():
        if settings is None:
            continue
        try:
            services[name] = kind(settings, home)
        except _UnusableError as error:
            notices.append(f"{name}: {error}; its messages wait for the next send")
    try:
        yield services
    finally:
        for service in services.values():
            with suppress(OSError, smtplib.SMTPException):
                service.close()


class _UnusableError(Exception):
    """A service cannot be used as configured."""


def _secret_file(path: Path, home: Home, what: str) -> str:
    """A password or key, from a file outside the data home (whose files are backed up
    and copied for readers)."""
    if path.resolve().is_relative_to(home.root.resolve()):
        raise _UnusableError(f"the {what} file {path} is inside the data home; keep it outside")
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise _UnusableError(f"cannot read the {what} file {path} ({error})") from None
    if not value:
        raise _UnusableError(f"the {what} file {path} is empty")
    return value


def _refused(code: int, words: bytes | str, what: str) -> _Outcome:
    """A relay's no to one message. Only an address it does not know (5.1.x, or 550, 551
    or 553 without an enhanced code) is refused for good; any other 5xx (relaying denied,
    a policy, its login) is the relay's refusal of vsig, which the administrator must fix:
    tried again, and counted toward leaving the relay alone; a 4xx is for now."""
    said = words.decode("utf-8", "replace") if isinstance(words, bytes) else words
    enhanced = re.search(r"\b([245])\.(\d{1,3})\.\d{1,3}\b", said)
    if code >= 500:  # SMTP's permanent reply class
        unknown = enhanced.group(2) == "1" if enhanced else code in (550, 551, 553)
        if unknown:
            return _Outcome(GEWEIGERD, f"de mailserver kent {what} niet ({code})")
        return _Outcome(
            OPNIEUW, f"de mailserver weigert vsig ({code}): zie de instellingen", None, True
        )
    return _Outcome(OPNIEUW, f"de mailserver nam {what} nu niet aan ({code})")


class _SmtpService:
    """An SMTP relay, one connection for the whole send, opened again after a failure."""

    PREFIX: Final = "smtp:"
    can_look_up = False

    def __init__(self, settings: Smtp, home: Home) -> None:
        self.settings = settings
        self.password = (
            _secret_file(settings.wachtwoord_bestand, home, "SMTP password")
            if settings.wachtwoord_bestand
            else None
        )
        self.connection: smtplib.SMTP | None = None
        if not parseaddr(settings.afzender)[1]:
            raise _UnusableError(f"afzender {settings.afzender!r} is no e-mail address")

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.beveiliging == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_seconden, context=context
            )
        else:
            connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconden)
            if s.beveiliging == "starttls":
                connection.starttls(context=context)
        if s.gebruiker and self.password:
            connection.login(s.gebruiker, self.password)
        connection.ehlo_or_helo_if_needed()  # the transaction is spoken step by step
        return connection

    def send(self, message: dict[str, Any]) -> _Outcome:
        mail = EmailMessage()
        mail["From"] = self.settings.afzender
        mail["To"] = message["adres"]
        mail["Subject"] = message["onderwerp"] or ""
        mail["Message-ID"] = self._message_id(message["bericht_id"])
        mail["Date"] = format_datetime(datetime.now().astimezone())
        mail.set_content(message["tekst"])
        # The transaction step by step: a failure before DATA's content went out leaves
        # nothing sent, to try again; one while it goes out, or before the relay's answer,
        # may have sent it: never sent again, and said.
        refused = self._envelope(message["adres"])
        if refused is not None or self.connection is None:
            return refused or _Outcome(OPNIEUW, "geen verbinding", None, True)
        connection = self.connection
        try:
            code, _ = connection.data(mail.as_bytes(policy=SMTP_POLICY))
        except smtplib.SMTPDataError as error:  # refused before the content went out
            self._reset()
            return _refused(error.smtp_code, error.smtp_error, "het bericht")
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return _Outcome(
                ONZEKER,
                f"de verbinding brak af terwijl het bericht verzonden werd "
                f"({type(error).__name__}); of de mailserver het nam, is niet bekend "
                f"(Message-ID {mail['Message-ID']})",
            )
        if code != 250:
            return _refused(code, b"", "het bericht")
        return _Outcome(VERZONDEN, referentie=f"{self.PREFIX}{mail['Message-ID']}")

    def _envelope(self, address: str) -> _Outcome | None:
        """Sender and recipient told to the relay; why not, if it would not take them."""
        try:
            if self.connection is None:
                self.connection = self._connect()
            code, _ = self.connection.mail(parseaddr(self.settings.afzender)[1])
            if code != 250:  # the relay refuses vsig's own sender: the administrator's
                self._drop()
                return _Outcome(OPNIEUW, f"de mailserver weigert de afzender ({code})", None, True)
            code, words = self.connection.rcpt(address)
            if code not in (250, 251):
                self._reset()
                return _refused(code, words, "het adres")
        except (OSError, smtplib.SMTPException) as error:
            self._drop()
            return _Outcome(
                OPNIEUW, f"de mailserver nam niets aan ({type(error).__name__})", None, True
            )
        return None

    def _reset(self) -> None:
        """Ready for the next message after a refusal; a relay that hung up meanwhile is
        dropped, and called again for the next."""
        try:
            if self.connection is not None:
                self.connection.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        if self.connection is not None:
            with suppress(OSError, smtplib.SMTPException):
                self.connection.close()
        self.connection = None

    def sent_before(self, bericht_id: str) -> str | None:
        raise _UnknowableError(f"Message-ID {self._message_id(bericht_id)}")

    def _message_id(self, bericht_id: str) -> str:
        """The message's key in the sender's domain: what finds it in the relay's log."""
        domain = parseaddr(self.settings.afzender)[1].rpartition("@")[2]
        return f"<{bericht_id}@{domain}>"

    def close(self) -> None:
        if self.connection is not None:
            with suppress(OSError, smtplib.SMTPException):
                self.connection.quit()
        self.connection = None


class _NotifyService:
    """NotifyNL, through GOV.UK Notify's own client. A message is sent as the configured
    template filled with vsig's text (`onderwerp`, `bericht`), with its `bericht_id` as
    reference, by which a send cut off asks whether it arrived."""

    PREFIX: Final = "notify:"
    can_look_up = True

    def __init__(self, settings: Notify, home: Home) -> None:
        self.settings = settings
        key = _secret_file(settings.sleutel_bestand, home, "NotifyNL API key")
        if len(key) < 74:  # a name, the service id and the secret
            raise _UnusableError("the NotifyNL API key is not a whole key (name-service id-secret)")
        self.client = NotificationsAPIClient(
            key, base_url=settings.url, timeout=settings.timeout_seconden
        )

    def send(self, message: dict[str, Any]) -> _Outcome:
        try:
            if message["kanaal"] == "sms":
                answer = self.client.send_sms_notification(
                    phone_number=message["adres"],
                    template_id=self.settings.sms_template,
                    personalisation={"bericht": message["tekst"]},
                    reference=message["bericht_id"],
                )
            else:
                answer = self.client.send_email_notification(
                    email_address=message["adres"],
                    template_id=self.settings.mail_template,
                    personalisation={
                        "onderwerp": message["onderwerp"],
                        "bericht": message["tekst"],
                    },
                    reference=message["bericht_id"],
                )
        except APIError as error:
            return self._failed(error)
        return _Outcome(VERZONDEN, referentie=f"{self.PREFIX}{answer['id']}")

    @staticmethod
    def _failed(error: APIError) -> _Outcome:
        """Only NotifyNL's no to the number or address itself is for good; any other 400
        (a template id, a trial or team key, the personalisation) is the configuration's,
        which the administrator must fix: tried again, counted toward leaving it alone."""
        code = error.status_code
        said = str(error.message).lower()
        if code == 400 and ("phone_number" in said or "email_address" in said):
            return _Outcome(GEWEIGERD, "NotifyNL weigert het nummer of adres (400)")
        if code == 400:
            return _Outcome(
                OPNIEUW, "NotifyNL weigert het verzoek (400): zie de instellingen", None, True
            )
        return _Outcome(OPNIEUW, f"NotifyNL antwoordde {code}", service_down=True)

    def sent_before(self, bericht_id: str) -> str | None:
        found = self.client.get_all_notifications(reference=bericht_id).get("notifications")
        return f"{self.PREFIX}{found[0]['id']}" if found else None

    def status(self, referentie: str) -> str:
        answer = self.client.get_notification_by_id(referentie.removeprefix(self.PREFIX))
        return str(answer.get("status"))

    def close(self) -> None:
        self.client.request_session.close()
