"""E-mails and SMS beside the letters: booked by the routing, sent through real servers on
127.0.0.1 after the night's commit, each exactly once, and counted as contact attempts."""

import json
import shutil
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .conftest import PROCESSING_DATE, REPO
from .kanalen import Mailbox, Notify, kanalen, notify_server, smtp_server
from .scenario import Home

SENT_ON = date(2026, 11, 30)
"""Two working days after Thursday 26 November: the example routing's e-mail and SMS."""
SCHEMA = json.loads(
    (
        REPO / "standards" / "vng-vroegsignalering-v1.2" / "json_schema_Uitwisselmodel.json"
    ).read_text()
)


def sample_home(root: Path, box: Mailbox, notify: Notify, **changes: Any) -> Home:
    """The bundled sample inbox, with the example routing that sends e-mail and SMS."""
    settings = kanalen(box, notify, root / "notify.key")
    home = Home.create(root / "site", routing="routing-berichten.yaml", kanalen=settings | changes)
    shutil.copy(REPO / "config" / "routing-berichten.yaml", home.config.parent)
    shutil.copytree(REPO / "samples" / "inbox", home.path / "inbox")
    return home


def state(home: Home, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(home.path / "state" / "vsig.duckdb", read_only=True) as db:
        return db.execute(sql).fetchall()


def reachable(home: Home) -> tuple[set[str], set[str]]:
    """The cases that had a letter, with an e-mail address (and a mobile number) among
    their signals that takes one: read from the state, checked here on their own."""
    rows = state(
        home,
        "SELECT s.zaak_id, s.email, s.telefoonnummer FROM signalen s WHERE s.zaak_id IN "
        "(SELECT zaak_id FROM acties WHERE actietype = 'brief')",
    )
    mail, sms = set(), set()
    for zaak, email, phone in rows:
        if email:
            try:
                validate_email(email, check_deliverability=False)
                mail.add(zaak)
            except EmailNotValidError:
                pass
        if phone:
            parsed = phonenumbers.parse(phone, "NL")
            if phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.MOBILE:
                sms.add(zaak)
    return mail, sms


def case_of(message: EmailMessage) -> str:
    return str(message["Message-ID"]).strip("<>").removesuffix("-mail_na_brief@vsig")


def test_the_sample_night_sends_one_email_and_one_sms_two_working_days_after_the_letter(
    tmp_path: Path,
) -> None:
    with smtp_server() as box, notify_server() as notify:
        home = sample_home(tmp_path, box, notify)
        assert home.run(PROCESSING_DATE).exit_code in (0, 1)
        mail, sms = reachable(home)
        assert mail
        assert sms
        assert (box.received, notify.sent) == ([], [])  # booked for Monday
        for day in (date(2026, 11, 27), SENT_ON, date(2026, 12, 1)):
            result = home.run(day)
            assert result.exit_code in (0, 1), result.output
        mailed = [case_of(m) for m in box.received]
        assert sorted(mailed) == sorted(mail)  # each case once, none twice
        texted = [n["reference"].removesuffix("-sms_na_brief") for n in notify.sent]
        assert sorted(texted) == sorted(sms)
        sent_on = state(home, "SELECT DISTINCT verzonden FROM berichten")
        assert sent_on == [(SENT_ON,)]
        # What the resident reads: who, that there is help, how to reach the SDD, the
        # letter; no amount, no creditor.
        text = box.received[0].get_content()
        assert "Sociale Dienst Drechtsteden" in text
        assert "078 770 8910" in text
        assert "26 november 2026" in text
        assert "€" not in text
        assert len(notify.sent[0]["personalisation"]["bericht"]) <= 160
        # Both are contact attempts in the CBS delivery of November.
        target = tmp_path / "monitor.json"
        result = home.vsig("report", "monitor", "--period", "2026-11", "--out", str(target))
        assert result.exit_code == 0, result.output
        delivery = json.loads(target.read_text())
        jsonschema.Draft202012Validator(SCHEMA).validate(delivery)
        attempts = [
            (p["soort"], p["datum"])
            for levering in delivery["leveringen"]
            for z in levering["vroegsignaalzaken"]
            for p in z["contactpogingen"]
            if p["soort"] != "Brief"
        ]
        assert sorted(attempts) == sorted(
            [("Mail", "2026-11-30")] * len(mail) + [("SMS/Whatsapp", "2026-11-30")] * len(sms)
        )
