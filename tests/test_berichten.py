"""E-mails and SMS beside the letters: booked by the routing, sent through real servers on
127.0.0.1 after the night's commit, each exactly once, and counted as contact attempts."""

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from .conftest import PROCESSING_DATE, REPO
from .kanalen import Mailbox, Notify, kanalen, notify_server, smtp_server
from .scenario import Home, Resident, make_bsn

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


NIGHT = date(2026, 11, 2)  # a Monday
BOTH = Resident(make_bsn(701), "Beide", date(1970, 1, 1), "3311AB", 1)
PHONE_ONLY = Resident(make_bsn(702), "Telefoon", date(1971, 1, 1), "3311AB", 2)
MAIL_ONLY = Resident(make_bsn(703), "Mail", date(1972, 1, 1), "3311AB", 3)
CONTACT = {
    BOTH.bsn: {"telefoonnummer": "06-12345678", "email": "beide@example.nl"},
    PHONE_ONLY.bsn: {"telefoonnummer": "+31 6 87654321"},
    MAIL_ONLY.bsn: {"email": "Mail@Example.NL"},
}
SMS_TO = {"+31612345678", "+31687654321"}
MAIL_TO = {"beide@example.nl", "Mail@example.nl"}
ROUTING = """
actions:
  informatiebrief: {type: brief, template: informatiebrief}
  mail_na_brief: {type: mail, template: mail_na_brief}
  sms_na_brief: {type: sms, template: sms_na_brief}
rules:
  - name: iedereen
    actions: [informatiebrief, mail_na_brief, sms_na_brief]
"""
"""Every case a letter, and on the same night an e-mail and an SMS where it can take one."""


def street(root: Path, box: Mailbox, notify: Notify, **changes: Any) -> Home:
    """Three households signalled on `NIGHT`: one with a mobile number and an e-mail
    address, one with each; all sent the same night, after the commit."""
    settings = kanalen(box, notify, root / "notify.key")
    home = Home.create(root / "site", kanalen=settings | changes)
    home.config.with_name("routing.yaml").write_text(ROUTING, encoding="utf-8")
    residents = [BOTH, PHONE_ONLY, MAIL_ONLY]
    home.registers(NIGHT, residents)
    rows = [r.signal(f"S-{n}", "600.00", NIGHT, **CONTACT[r.bsn]) for n, r in enumerate(residents)]
    home.signals("EVIDES", NIGHT, rows)
    return home


def outbox(home: Home) -> dict[str, tuple[str, int]]:
    """Each message's status and tries, by its key."""
    rows = state(home, "SELECT bericht_id, status, pogingen FROM berichten")
    return {bericht_id: (status, tries) for bericht_id, status, tries in rows}


def test_each_message_goes_once_to_the_address_its_case_gave(tmp_path: Path) -> None:
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify)
        result = home.run(NIGHT)
        assert result.exit_code == 0, result.output
        assert {m["To"] for m in box.received} == MAIL_TO
        assert {n["phone_number"] for n in notify.sent} == SMS_TO
        assert {s for s, _ in outbox(home).values()} == {"verzonden"}
        again = home.run(NIGHT)  # the same night run twice sends nothing again
        assert again.exit_code == 0, again.output
        assert (len(box.received), len(notify.sent)) == (2, 2)
        # Nothing about a person in what the run printed or logged.
        logged = (home.path / "log" / "vsig.jsonl").read_text(encoding="utf-8") + result.output
        for secret in [*MAIL_TO, *SMS_TO, "06-12345678", "beide@example.nl", BOTH.bsn, "Beide"]:
            assert secret.lower() not in logged.lower()
        assert "E-mails and SMS" in result.output


VSIG = str(Path(sys.executable).parent / "vsig")
KILLED_AT = (
    "before-commit",
    "after-commit",
    "after-outputs-in-place",
    "inbox-taken",
    "purge",
    "bericht-bezig@1",  # the first e-mail marked as being sent, not yet handed over
    "bericht-verzonden@1",  # the relay took it, not yet recorded
    "bericht-bezig@2",  # the same for the first SMS
    "bericht-verzonden@2",
)


def run_process(home: Home, day: date, crash_at: str | None = None) -> int:
    env = {k: v for k, v in os.environ.items() if k != "VSIG_TEST_CRASH_AT"}
    if crash_at:
        env["VSIG_TEST_CRASH_AT"] = crash_at
    command = [VSIG, "run", "--home", str(home.path), "--config", str(home.config)]
    done = subprocess.run(
        [*command, "--date", str(day)], env=env, capture_output=True, text=True, check=False
    )
    return done.returncode


@pytest.mark.parametrize("point", KILLED_AT)
def test_a_run_killed_anywhere_and_run_again_sends_nothing_twice(
    tmp_path: Path, point: str
) -> None:
    """SIGKILL at each step of the night and of the sending after it: run again, each SMS
    went once (NotifyNL is asked by reference); an e-mail went at most once, and one the
    relay may or may not have taken is recorded as such, for a person to look at."""
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify)
        assert run_process(home, NIGHT, point) == -9
        assert run_process(home, NIGHT) in (0, 1)
        assert sorted(n["phone_number"] for n in notify.sent) == sorted(SMS_TO)
        mailed = [m["To"] for m in box.received]
        assert len(mailed) == len(set(mailed))
        statuses = outbox(home)
        for bericht_id, (status, tries) in statuses.items():
            assert tries == 1, bericht_id
            if "-mail" in bericht_id and status != "verzonden":
                assert status == "onzeker"  # never sent twice, never lost without a record
            else:
                assert status == "verzonden", (bericht_id, status)
        unsure = [b for b, (s, _) in statuses.items() if s == "onzeker"]
        # Killed after marking the first e-mail and before handing it over: not sent, and
        # not known not to be; killed after the relay took it: sent, and not known to be.
        assert unsure == (["Z20261102-01-0001-mail_na_brief"] if "@1" in point else [])
        lost = {"beide@example.nl"} if point == "bericht-bezig@1" else set()
        assert set(mailed) == MAIL_TO - lost
        # The next night puts a message that may not have arrived before the SDD.
        home.registers(NIGHT + timedelta(days=1), [BOTH, PHONE_ONLY, MAIL_ONLY])
        assert home.run(NIGHT + timedelta(days=1)).exit_code in (0, 1)
        listed = home.out(f"{NIGHT + timedelta(days=1):%Y%m%d}-01", "exports/sdd/berichten.csv")
        assert listed["Uitkomst"].to_list() == ["Misschien verzonden"] * len(unsure)
