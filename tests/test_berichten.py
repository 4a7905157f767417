"""E-mails and SMS beside the letters: booked by the routing, sent through real servers on
127.0.0.1 after the night's commit, each exactly once, and counted as contact attempts."""

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import phonenumbers
import polars as pl
import pytest
import yaml
from email_validator import EmailNotValidError, validate_email

from vsig.config import Config, ConfigError, load_config
from vsig.io import berichten as berichten_io
from vsig.routing import Routing
from vsig.rules import berichten, route

from .conftest import PROCESSING_DATE, REPO, bytes_held, free_port, write_config
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
    return str(message["Message-ID"]).strip("<>").removesuffix("-mail_na_brief@sddrechtsteden.nl")


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
        index = home.out("20261126-01", "letters/index.csv")
        first = index.filter(pl.col("zaak_id") == sorted(mail)[0])["bestand"][0]
        assert "Hebben wij op 30 november 2026 nog niets van u gehoord?" in home.letter(
            "20261126-01", first
        )
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


def street(root: Path, box: Mailbox, service: Notify, **changes: Any) -> Home:
    """Three households signalled on `NIGHT`: one with a mobile number and an e-mail
    address, one with each; all sent the same night, after the commit."""
    settings = kanalen(box, service, root / "notify.key")
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
        # The letter says what comes next, and on what condition; nothing else.
        both = home.letter("20261102-01", "Z20261102-01-0001-informatiebrief-1.pdf")
        assert (
            "Hebben wij op 2 november 2026 nog niets van u gehoord? Dan sturen wij u een "
            "e-mail en een sms." in both
        )
        assert "gemeente" not in both.split("Wat gebeurt er nu?")[1].split("Wilt u geen")[0]
        sms_only = home.letter("20261102-01", "Z20261102-01-0002-informatiebrief-1.pdf")
        assert "Dan sturen wij u een sms." in sms_only


VSIG = str(Path(sys.executable).parent / "vsig")
KILLED_AT = (
    "before-commit",
    "after-commit",  # booked, not sent: the night run again sends them
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
        # Said with what finds it in the relay's log (and, if it went, in the mailbox).
        reasons = state(home, "SELECT reden FROM berichten WHERE status = 'onzeker'")
        key = "<Z20261102-01-0001-mail_na_brief@sddrechtsteden.nl>"
        assert [key in reden for (reden,) in reasons] == [True] * len(unsure)
        lost = {"beide@example.nl"} if point == "bericht-bezig@1" else set()
        assert set(mailed) == MAIL_TO - lost
        # The next night puts a message that may not have arrived before the SDD.
        home.registers(NIGHT + timedelta(days=1), [BOTH, PHONE_ONLY, MAIL_ONLY])
        assert home.run(NIGHT + timedelta(days=1)).exit_code in (0, 1)
        listed = home.out(f"{NIGHT + timedelta(days=1):%Y%m%d}-01", "exports/sdd/berichten.csv")
        assert listed["Uitkomst"].to_list() == ["Misschien verzonden"] * len(unsure)


def listed_next_night(home: Home, residents: list[Resident], day: date) -> pl.DataFrame:
    """The SDD's list of messages that did not arrive, as the night of `day` writes it."""
    home.registers(day, residents)
    result = home.run(day)
    assert result.exit_code in (0, 1), result.output
    return home.out(f"{day:%Y%m%d}-01", "exports/sdd/berichten.csv")


def test_a_message_not_taken_is_tried_again_and_then_failed_and_listed(tmp_path: Path) -> None:
    """NotifyNL answers 500: the SMS is tried again a day later, after asking whether the
    first try arrived after all; after `pogingen` tries it has failed and the SDD's list
    shows it, with the household's address to try another way."""
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify, pogingen=2)
        notify.failing = [500, 500]
        assert home.run(NIGHT).exit_code == 0
        tried = outbox(home)
        assert tried["Z20261102-01-0001-sms_na_brief"] == ("opnieuw", 1)
        assert tried["Z20261102-01-0002-sms_na_brief"] == ("opnieuw", 1)
        notify.failing = [500]  # the first fails once more, the second goes
        listed = listed_next_night(home, [BOTH, PHONE_ONLY, MAIL_ONLY], NIGHT + timedelta(1))
        assert listed.is_empty()  # the list was written before tonight's sending
        # Asked by reference before each retry, and after the last try failed.
        assert notify.lookups == 3
        tried = outbox(home)
        assert tried["Z20261102-01-0001-sms_na_brief"] == ("mislukt", 2)
        assert tried["Z20261102-01-0002-sms_na_brief"] == ("verzonden", 2)
        listed = listed_next_night(home, [BOTH, PHONE_ONLY, MAIL_ONLY], NIGHT + timedelta(2))
        assert listed.select("Zaak", "Kanaal", "Aan", "Uitkomst", "Pogingen").rows() == [
            ("Z20261102-01-0001", "SMS", "06 12345678", "Mislukt", "2")  # as dialled
        ]
        assert listed["Reden"].item() == "na 2 pogingen: NotifyNL antwoordde 500"
        assert listed["Adres"].item().startswith("Voorstraat 1")
        assert [n["phone_number"] for n in notify.sent] == ["+31687654321"]


def test_an_address_refused_is_not_tried_again(tmp_path: Path) -> None:
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify)
        box.refuse = {"beide@example.nl"}
        notify.failing = [(400, "phone_number Not a valid mobile number")]
        assert home.run(NIGHT).exit_code == 0
        tried = outbox(home)
        assert tried["Z20261102-01-0001-mail_na_brief"] == ("geweigerd", 1)
        assert tried["Z20261102-01-0001-sms_na_brief"] == ("geweigerd", 1)
        assert tried["Z20261102-01-0003-mail_na_brief"] == ("verzonden", 1)
        box.refuse = set()
        listed = listed_next_night(home, [BOTH, PHONE_ONLY, MAIL_ONLY], NIGHT + timedelta(1))
        assert sorted(listed.select("Kanaal", "Uitkomst").rows()) == [
            ("E-mail", "Geweigerd"),
            ("SMS", "Geweigerd"),
        ]
        assert outbox(home) == tried  # not tried again
        assert [m["To"] for m in box.received] == ["Mail@example.nl"]


def test_a_relay_busy_for_a_moment_gets_the_message_the_next_night(tmp_path: Path) -> None:
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify)
        box.busy = 1  # 451 for the first recipient
        assert home.run(NIGHT).exit_code == 0
        assert outbox(home)["Z20261102-01-0001-mail_na_brief"] == ("opnieuw", 1)
        listed_next_night(home, [BOTH, PHONE_ONLY, MAIL_ONLY], NIGHT + timedelta(1))
        assert outbox(home)["Z20261102-01-0001-mail_na_brief"] == ("verzonden", 2)
        assert sorted(m["To"] for m in box.received) == sorted(MAIL_TO)


def timed_out_night(tmp_path: Path, box: Mailbox, service: Notify) -> Home:
    """The street's first night, NotifyNL answering every SMS after vsig stopped waiting
    (but taking it): returns once the stand-in has kept them, and answers promptly again."""
    settings = kanalen(box, service, tmp_path / "notify.key")["notify"]
    home = street(tmp_path, box, service, notify=settings | {"timeout_seconden": 1})
    service.slow = 3
    assert home.run(NIGHT).exit_code == 0
    time.sleep(3.5)  # the stand-in keeps the SMS once its slow answer is written
    service.slow = 0
    return home


def test_an_sms_whose_answer_timed_out_is_found_by_reference_and_not_sent_again(
    tmp_path: Path,
) -> None:
    """NotifyNL took the SMS but answered after vsig stopped waiting: the next try asks
    by reference first, finds it, and records it sent (on the day it found it)."""
    with smtp_server() as box, notify_server() as notify:
        home = timed_out_night(tmp_path, box, notify)
        assert outbox(home)["Z20261102-01-0001-sms_na_brief"] == ("opnieuw", 1)
        listed_next_night(home, [BOTH, PHONE_ONLY, MAIL_ONLY], NIGHT + timedelta(1))
        assert sorted(n["phone_number"] for n in notify.sent) == sorted(SMS_TO)  # once each
        assert state(
            home, "SELECT DISTINCT status, verzonden FROM berichten WHERE kanaal = 'sms'"
        ) == [("verzonden", NIGHT + timedelta(1))]


EXTRA = [
    Resident(make_bsn(710 + n), f"Extra{n}", date(1980, 1, 1), "3311AB", 10 + n) for n in range(4)
]


def test_a_relay_that_is_away_is_left_alone_after_three_tries_and_said(tmp_path: Path) -> None:
    with smtp_server() as box, notify_server() as notify:
        away = kanalen(box, notify, tmp_path / "notify.key")["smtp"] | {"port": free_port()}
        home = street(tmp_path, box, notify, smtp=away)
        rows = [
            r.signal(f"X-{n}", "600.00", NIGHT, email=f"x{n}@example.nl")
            for n, r in enumerate(EXTRA)
        ]
        home.registers(NIGHT, [BOTH, PHONE_ONLY, MAIL_ONLY, *EXTRA])
        home.signals("OASEN", NIGHT, rows)
        result = home.run(NIGHT)
        assert result.exit_code == 0, result.output
        mails = {b: s for b, s in outbox(home).items() if "-mail" in b}
        assert sorted(s for s, _ in mails.values()) == ["opnieuw"] * 3 + ["te_verzenden"] * 3
        assert "smtp failed 3 times in a row" in " ".join(result.output.split())
        assert len(notify.sent) == 2  # the SMS went their own way


def test_messages_wait_for_their_hours_and_go_with_vsig_berichten_verzenden(
    tmp_path: Path,
) -> None:
    now = datetime.now().astimezone()
    closed = ["12:00", "24:00"] if now.hour < 12 else ["00:00", "12:00"]
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify, venster=closed)
        result = home.run(NIGHT)
        assert result.exit_code == 0, result.output
        assert (box.received, notify.sent) == ([], [])
        assert "4 message(s) wait for the hours messages go out" in " ".join(result.output.split())
        config = yaml.safe_load(home.config.read_text())
        config["kanalen"]["venster"] = None
        home.config.write_text(yaml.safe_dump(config))
        sent = home.vsig("berichten", "verzenden", "--json")
        assert sent.exit_code == 0, sent.output
        assert json.loads(sent.stdout)["berichten"] == {"verzonden": 4}
        assert (len(box.received), len(notify.sent)) == (2, 2)


def test_a_dry_run_and_a_replay_send_nothing(tmp_path: Path) -> None:
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify)
        assert home.run(NIGHT, "--dry-run").exit_code == 0
        assert (box.received, notify.sent) == ([], [])
        assert home.run(NIGHT).exit_code == 0
        replayed = home.vsig("replay", "20261102-01")
        assert replayed.exit_code == 0, replayed.output
        assert replayed.stdout.splitlines()[-1].endswith("outputs, identical")
        assert (len(box.received), len(notify.sent)) == (2, 2)
        index = home.out("20261102-01", "berichten/index.csv")
        written = [a.removeprefix("'") for a in index["aan"]]  # a CSV's guard against formulas
        assert sorted(written) == sorted([*MAIL_TO, *SMS_TO])
        assert index["tekst"].str.contains("stuurden wij u een brief").all()  # as sent


def test_a_resident_who_wants_no_messages_gets_none_until_they_ask_again(tmp_path: Path) -> None:
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify)
        stop = home.vsig("berichten", "stop", "--telefoon", "06 1234 5678", "--reason", "STOP")
        assert stop.exit_code == 0, stop.output
        assert home.run(NIGHT).exit_code == 0
        assert [n["phone_number"] for n in notify.sent] == ["+31687654321"]
        assert state(home, "SELECT status, reden FROM berichten WHERE adres = '+31612345678'") == [
            ("vervallen", "de inwoner wil geen berichten")
        ]
        bad = home.vsig("berichten", "stop", "--telefoon", "078 123 4567", "--reason", "x")
        assert bad.exit_code == 2  # a landline takes no SMS
        assert home.vsig("berichten", "toestaan", "--telefoon", "+31612345678").exit_code == 0
        assert home.vsig("berichten", "toestaan", "--telefoon", "+31612345678").exit_code == 2


def test_forget_takes_the_messages_and_the_wish_with_the_rest(tmp_path: Path) -> None:
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify)
        assert home.run(NIGHT).exit_code == 0
        stop = home.vsig("berichten", "stop", "--email", "beide@example.nl", "--reason", "STOP")
        assert stop.exit_code == 0
        forgot = home.vsig("forget", "--bsn", BOTH.bsn)
        assert forgot.exit_code == 0, forgot.output
        assert "left the list of those who want no messages" in " ".join(forgot.output.split())
        needles = ["beide@example.nl", "+31612345678", "06-12345678", BOTH.bsn]
        held = [
            f"{p}: {n}"
            for p in sorted(home.path.rglob("*"))
            if p.is_file()
            for n in needles
            if n.encode() in bytes_held(p, pdf_text=True)
        ]
        assert held == []


EXAMPLE_ROUTING = (REPO / "config" / "routing-berichten.yaml").read_text(encoding="utf-8")
KANALEN = {
    "smtp": {"host": "smtp.example.nl", "afzender": "SDD <vroegsignalering@sddrechtsteden.nl>"},
    "notify": {"sleutel_bestand": "/etc/vsig/notify.key", "sms_template": "t-sms"},
}


def example_config(tmp_path: Path, routing: str = EXAMPLE_ROUTING, **kanalen_: Any) -> Config:
    data = Home.default_config() | {"kanalen": kanalen_ or KANALEN}
    return load_config(write_config(tmp_path, yaml.safe_dump(data), routing))


def refused(tmp_path: Path, routing: str = EXAMPLE_ROUTING, **data: Any) -> str:
    text = yaml.safe_dump(Home.default_config() | data)
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, text, routing))
    return " ".join(" ".join(caught.value.problems).split())


def test_the_config_refuses_messages_nothing_can_send_and_a_relay_in_the_clear(
    tmp_path: Path,
) -> None:
    assert "nothing is configured to send it: add kanalen.smtp" in refused(tmp_path)
    only_mail = {"smtp": KANALEN["smtp"]}
    assert "sends sms, and nothing is configured" in refused(tmp_path, kanalen=only_mail)
    clear = {**KANALEN, "smtp": KANALEN["smtp"] | {"beveiliging": "geen"}}
    assert "only to a relay on this machine" in refused(tmp_path, kanalen=clear)
    backwards = KANALEN | {"venster": ["20:00", "09:00"]}
    assert "the first time must be before the second" in refused(tmp_path, kanalen=backwards)
    assert example_config(tmp_path).routing.messages()["sms_na_brief"].type == "sms"


def test_a_message_goes_only_beside_a_letter_of_the_same_rule(tmp_path: Path) -> None:
    alone = EXAMPLE_ROUTING.replace(
        "actions: [doorsturen_naar_gemeente]\n\n  # Unreachable",
        "actions: [doorsturen_naar_gemeente, sms_na_brief]\n\n  # Unreachable",
    )
    assert alone != EXAMPLE_ROUTING
    assert "follows up a letter (sms_na_brief) without one" in refused(
        tmp_path, kanalen=KANALEN, routing=alone
    )
    unknown = EXAMPLE_ROUTING.replace("template: sms_na_brief", "template: sms_herinnering")
    assert "unknown message template 'sms_herinnering'" in refused(
        tmp_path, kanalen=KANALEN, routing=unknown
    )


def test_a_message_is_booked_where_its_case_can_take_it_and_a_letter_is_had(
    tmp_path: Path,
) -> None:
    config = example_config(tmp_path)
    routed = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2", "Z3", "Z4"],
            "regel": ["onder_500_niet_bekend"] * 3 + ["vanaf_500_niet_bekend"],
            "email_bekend": [True, False, True, True],
            "mobiel_bekend": [False, True, True, True],
        }
    )
    # Z3 was forwarded before: no letter now, so no message pointing to one.
    performed = pl.DataFrame(
        {"zaak_id": ["Z3"], "actie": ["doorsturen_naar_gemeente"], "actietype": "doorsturen"}
    )
    new = route.new_actions(routed, config.routing, performed)
    assert new.select("zaak_id", "actie").rows() == [
        ("Z1", "informatiebrief"),
        ("Z1", "mail_na_brief"),
        ("Z2", "informatiebrief"),
        ("Z2", "sms_na_brief"),
        ("Z4", "doorsturen_naar_gemeente"),
    ]
    # Z1's creditor gives a mobile number later: the SMS beside the letter it had.
    later = routed.filter(pl.col("zaak_id") == "Z1").with_columns(mobiel_bekend=True)
    had = pl.DataFrame(
        {"zaak_id": ["Z1", "Z1"], "actie": ["informatiebrief", "mail_na_brief"]}
    ).with_columns(actietype=pl.Series(["brief", "mail"]))
    assert route.new_actions(later, config.routing, had)["actie"].to_list() == ["sms_na_brief"]


def test_a_message_goes_to_the_latest_address_its_case_gave_written_as_a_service_wants_it() -> None:
    actions = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z1", "Z2"],
            "actie": ["mail_na_brief", "sms_na_brief", "sms_na_brief"],
            "actietype": ["mail", "sms", "sms"],
            "template": ["mail_na_brief", "sms_na_brief", "sms_na_brief"],
            "geboekt": [NIGHT] * 3,
            "gepland": [NIGHT] * 3,
        }
    )
    letters = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z2", "Z2"],
            "actietype": ["brief", "brief", "brief"],
            "geboekt": [NIGHT, NIGHT - timedelta(30), NIGHT],
        }
    )
    signals = pl.DataFrame(
        {
            "zaak_id": ["Z1", "Z1", "Z1", "Z2"],
            "signaal_id": ["a", "b", "c", "d"],
            "signaaldatum": [NIGHT - timedelta(n) for n in (9, 5, 1)] + [NIGHT],
            # The latest gave no valid address; the one before a landline.
            "email": ["oud@example.nl", "Nieuw@Example.NL", "geen-adres", None],
            "telefoonnummer": ["06 11111111", "078 123 4567", None, "0622222222"],
        }
    )
    booked = berichten.booked(actions, letters, signals, "R1")
    assert booked.select("bericht_id", "adres", "brief_datum", "status").rows() == [
        ("Z1-mail_na_brief", "Nieuw@example.nl", NIGHT, "gepland"),
        ("Z1-sms_na_brief", "+31611111111", NIGHT, "gepland"),
        ("Z2-sms_na_brief", "+31622222222", NIGHT - timedelta(30), "gepland"),
    ]


def test_a_message_due_goes_out_unless_its_case_no_longer_needs_it() -> None:
    ids = [f"Z{n}" for n in range(1, 9)]
    outbox = pl.DataFrame(
        {
            "bericht_id": [f"{z}-sms" for z in ids],
            "zaak_id": ids,
            "kanaal": "sms",
            "adres": [f"+3161234567{n}" for n in range(8)],
            "gepland": [NIGHT] * 6 + [NIGHT + timedelta(1), NIGHT],
            "status": ["gepland"] * 5 + ["opnieuw", "gepland", "verzonden"],
            "pogingen": [0, 0, 1, 0, 0, 1, 0, 1],
            "volgende": [None] * 5 + [NIGHT + timedelta(1), None, None],
        },
        schema_overrides={"volgende": pl.Date},
    )
    open_now = pl.DataFrame({"zaak_id": [z for z in ids if z != "Z2"]})
    history = pl.DataFrame(
        {
            "zaak_id": ["Z3", "Z4", "Z5"],
            "datum": [NIGHT] * 3,
            "gebeurtenis": ["contactpoging", "aanmelding", "contactpoging"],
            "waarde": ["Telefoon|ja|", None, "Telefoon|nee|"],
        }
    )
    unwanted = pl.DataFrame({"kanaal": ["sms"], "adres": ["+31612345670"]})
    silenced = pl.DataFrame({"zaak_id": ["Z5"]})
    signals = pl.DataFrame(
        schema={
            "zaak_id": pl.String,
            "signaal_id": pl.String,
            "signaaldatum": pl.Date,
            "email": pl.String,
            "telefoonnummer": pl.String,
        }
    )
    decided = berichten.decided(outbox, signals, open_now, history, silenced, unwanted, NIGHT)
    assert decided.select("bericht_id", "status", "reden").rows() == [
        ("Z1-sms", "vervallen", "de inwoner wil geen berichten"),
        ("Z2-sms", "vervallen", "de zaak is gesloten"),
        # Tried before: NotifyNL may have taken it, and is asked before it lapses.
        ("Z3-sms", "vervalt", "het huishouden is bereikt of vroeg om hulp"),
        ("Z4-sms", "vervallen", "het huishouden is bereikt of vroeg om hulp"),
        ("Z5-sms", "vervallen", "het adres of de inwoner staat op de uitsluitingslijst"),
    ]
    # Z1's creditor gave a newer number since: the SMS goes there, and that one is
    # nobody's wish to be left alone.
    newer = pl.DataFrame(
        {
            "zaak_id": ["Z1"],
            "signaal_id": ["later"],
            "signaaldatum": [NIGHT],
            "email": [None],
            "telefoonnummer": ["06 45678901"],
        },
        schema_overrides={"email": pl.String},
    )
    open_now = pl.DataFrame({"zaak_id": ids})
    decided = berichten.decided(
        outbox, newer, open_now, history.clear(), silenced.clear(), unwanted, NIGHT
    )
    # Z6 waits for its next try, Z7 for its day, Z8 went.
    assert decided.rows() == [
        ("Z1-sms", "te_verzenden", None, "+31645678901"),
        *[(f"Z{n}-sms", "te_verzenden", None, f"+3161234567{n - 1}") for n in range(2, 6)],
    ]


def test_config_check_refuses_a_message_that_links_elsewhere_or_runs_long(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    templates = tmp_path / "brieven"
    shutil.copytree(REPO / "src" / "vsig" / "templates" / "brieven", templates)
    assert berichten_io.problems(config, templates) == []
    mail = templates / "mail_na_brief.txt.j2"
    mail.write_text(mail.read_text() + "\nMeer op https://sdd-hulp.example.com/info.\n")
    sms = templates / "sms_na_brief.txt.j2"
    sms.write_text(sms.read_text().strip() + " Kijk ook op www.sddrechtsteden.nl/geld.\n")
    found = berichten_io.problems(config, templates)
    assert len(found) == 2
    assert "links to 'https://sdd-hulp.example.com'" in found[0]
    assert "its SMS takes 194 units; at most 160" in found[1]
    sms.write_text("{{ afzender.naam }}: wij stuurden u een brief. Bel ons: ’s ochtends.\n")
    (typographic,) = berichten_io.problems(config, templates)[1:]
    assert "outside the GSM alphabet: it would go in parts of 70" in typographic
    sms.write_text("{{ afzender.naam }}: " + "€" * 71 + "\n")  # each € takes two units
    (dear,) = berichten_io.problems(config, templates)[1:]
    assert "takes 171 units" in dear
    assert (
        berichten_io.foreign_links(
            "mail ons: a@sddrechtsteden.nl, web.sddrechtsteden.nl", "sddrechtsteden.nl"
        )
        == []
    )


def closed_window() -> list[str]:
    """Hours that do not hold now: the night leaves its messages for the morning."""
    now = datetime.now().astimezone()
    return ["12:00", "24:00"] if now.hour < 12 else ["00:00", "12:00"]


def open_window(home: Home) -> None:
    config = yaml.safe_load(home.config.read_text())
    config["kanalen"]["venster"] = None
    home.config.write_text(yaml.safe_dump(config))


def test_a_message_the_night_sent_on_its_way_is_held_back_if_stopped_by_morning(
    tmp_path: Path,
) -> None:
    """The night at 02:00 decides; the resident answers STOP, or the address goes on the
    exclusion list, before the morning's send: nothing goes there."""
    with smtp_server() as box, notify_server() as notify:
        home = street(tmp_path, box, notify, venster=closed_window())
        assert home.run(NIGHT).exit_code == 0
        stop = home.vsig("berichten", "stop", "--telefoon", "06 1234 5678", "--reason", "STOP")
        assert stop.exit_code == 0
        unsafe = home.vsig("uitsluiten", "toevoegen", "--address", "3311AB 3", "--reason", "x")
        assert unsafe.exit_code == 0, unsafe.output
        open_window(home)
        sent = home.vsig("berichten", "verzenden", "--json")
        assert sent.exit_code == 0, sent.output
        assert json.loads(sent.stdout)["berichten"] == {"vervallen": 2, "verzonden": 2}
        assert [n["phone_number"] for n in notify.sent] == ["+31687654321"]
        assert [m["To"] for m in box.received] == ["beide@example.nl"]
        assert state(home, "SELECT reden FROM berichten WHERE status = 'vervallen' ORDER BY 1") == [
            ("de inwoner wil geen berichten",),
            ("het adres of de inwoner staat op de uitsluitingslijst",),
        ]
        logged = (home.path / "log" / "vsig.jsonl").read_text(encoding="utf-8")
        assert '"event": "berichten"' in logged  # the morning's send is logged, in counts


def test_an_sms_notify_took_after_a_timeout_is_recorded_sent_even_when_it_lapses(
    tmp_path: Path,
) -> None:
    """NotifyNL answered after vsig stopped waiting, and the resident asked for no more
    messages before the next try: it is asked by reference before the SMS lapses, and the
    record says what the resident got."""
    with smtp_server() as box, notify_server() as notify:
        home = timed_out_night(tmp_path, box, notify)
        assert outbox(home)["Z20261102-01-0002-sms_na_brief"] == ("opnieuw", 1)
        stop = home.vsig("berichten", "stop", "--telefoon", "+31687654321", "--reason", "STOP")
        assert stop.exit_code == 0
        listed_next_night(home, [BOTH, PHONE_ONLY, MAIL_ONLY], NIGHT + timedelta(1))
        assert outbox(home)["Z20261102-01-0002-sms_na_brief"] == ("verzonden", 1)
        assert len(notify.to("+31687654321")) == 1


@contextmanager
def relay(rcpt: str = "250 OK", data: str = "354 go ahead") -> Iterator[int]:
    """A bare SMTP relay on 127.0.0.1 that answers RCPT and DATA as told, and hangs up
    after an answer to DATA other than 354 (as a relay does with 421, RFC 5321 3.8)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn, conn.makefile("rwb") as f:
                f.write(b"220 relay\r\n")
                f.flush()
                while line := f.readline():
                    verb = line[:4].upper()
                    answer = {b"RCPT": rcpt, b"DATA": data, b"QUIT": "221 bye"}.get(verb, "250 OK")
                    f.write(answer.encode() + b"\r\n")
                    f.flush()
                    if verb == b"QUIT" or (verb == b"DATA" and not data.startswith("354")):
                        break
                    if verb == b"DATA":  # take the message, refuse nothing
                        while f.readline() not in (b".\r\n", b""):
                            pass
                        f.write(b"250 OK\r\n")
                        f.flush()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_a_relay_that_hangs_up_on_data_leaves_the_night_whole_and_the_mail_to_retry(
    tmp_path: Path,
) -> None:
    with smtp_server() as box, notify_server() as notify, relay(data="421 4.3.2 closing") as port:
        settings = kanalen(box, notify, tmp_path / "notify.key")["smtp"] | {"port": port}
        home = street(tmp_path, box, notify, smtp=settings)
        result = home.run(NIGHT)
        assert result.exit_code == 0, result.output
        mails = {b: s for b, s in outbox(home).items() if "-mail" in b}
        assert set(mails.values()) == {("opnieuw", 1)}  # refused before its content went
        assert len(notify.sent) == 2


def test_a_service_that_refuses_vsig_is_no_refusal_of_the_address(tmp_path: Path) -> None:
    """A relay that denies relaying (554 5.7.1), and NotifyNL refusing a template id it
    does not know (400): the configuration's fault, tried again and left alone after three
    in a row; not the residents' addresses, refused for good."""
    with (
        smtp_server() as box,
        notify_server() as notify,
        relay(rcpt="554 5.7.1 Relay access denied") as port,
    ):
        settings = kanalen(box, notify, tmp_path / "notify.key")
        home = street(tmp_path, box, notify, smtp=settings["smtp"] | {"port": port})
        notify.failing = [(400, "Template not found")] * 2
        result = home.run(NIGHT)
        assert result.exit_code == 0, result.output
        assert {s for s, _ in outbox(home).values()} == {"opnieuw"}
        reasons = state(home, "SELECT DISTINCT reden FROM berichten ORDER BY 1")
        assert reasons == [
            ("NotifyNL weigert het verzoek (400): zie de instellingen",),
            ("de mailserver weigert vsig (554): zie de instellingen",),
        ]


def test_an_inzage_shows_a_message_s_address_only_to_whom_it_belongs(tmp_path: Path) -> None:
    """One household, two residents; only the housemate's creditor gave an e-mail
    address and a number. The other's inzage says the household got an e-mail and an SMS,
    never where to."""
    zelf = Resident(make_bsn(720), "Zelf", date(1970, 1, 1), "3311AB", 5)
    huisgenoot = Resident(make_bsn(721), "Huisgenoot", date(1971, 1, 1), "3311AB", 5)
    with smtp_server() as box, notify_server() as notify:
        home = Home.create(tmp_path / "site", kanalen=kanalen(box, notify, tmp_path / "k"))
        home.config.with_name("routing.yaml").write_text(ROUTING, encoding="utf-8")
        home.registers(NIGHT, [zelf, huisgenoot])
        contact = {"email": "huisgenoot@example.nl", "telefoonnummer": "06-55554444"}
        rows = [
            zelf.signal("S-A", "300.00", NIGHT),
            huisgenoot.signal("S-B", "300.00", NIGHT, **contact),
        ]
        home.signals("EVIDES", NIGHT, rows)
        assert home.run(NIGHT).exit_code == 0
        for who, shown in ((zelf, False), (huisgenoot, True)):
            target = tmp_path / f"inzage-{who.geslachtsnaam}.pdf"
            made = home.vsig("inzage", "--bsn", who.bsn, "--out", str(target))
            assert made.exit_code == 0, made.output
            held = json.loads(target.with_suffix(".json").read_text(encoding="utf-8"))
            said = [a["wat"] for z in held["zaken"] for a in z["acties"]]
            if shown:
                assert "Wij stuurden u een e-mail aan huisgenoot@example.nl" in said
                assert "Wij stuurden u een sms aan +31655554444" in said
            else:
                assert "Wij stuurden uw huishouden een e-mail" in said
                assert "Wij stuurden uw huishouden een sms" in said
                text = json.dumps(held)
                assert "huisgenoot@example.nl" not in text
                assert "+31655554444" not in text


REMINDER_ROUTING = """
actions:
  informatiebrief: {type: brief, template: informatiebrief}
  brief_lokaal_aanbod: {type: brief, template: brief_lokaal_aanbod}
  brief_na_verhuizing: {type: brief, template: brief_lokaal_aanbod}
  herinnering: {type: herinnering, na_dagen: 21}
  doorsturen: {type: doorsturen}
verhuizing: brief_na_verhuizing
rules:
  - name: doorgestuurd
    when: {totaal_achterstand: {">=": 1000}}
    actions: [informatiebrief, doorsturen, herinnering]
  - name: bekend
    when: {bekend_bij_sdd: {"==": true}}
    actions: [brief_lokaal_aanbod, herinnering]
  - name: iedereen
    actions: [informatiebrief, herinnering]
"""
"""The last letter once more three weeks on; a case the municipality handles gets none."""


def test_a_reminder_is_due_weeks_after_the_last_letter_while_nobody_answered() -> None:
    routing = Routing.model_validate(
        yaml.safe_load(REMINDER_ROUTING),
        context={"templates": ("informatiebrief", "brief_lokaal_aanbod")},
    )
    zaken = [f"Z{n}" for n in range(1, 8)]
    rules = pl.DataFrame({"zaak_id": zaken, "regel": ["iedereen"] * 6 + ["doorgestuurd"]})
    letter = NIGHT - timedelta(30)
    performed = pl.DataFrame(
        {
            "zaak_id": [*zaken, "Z4", "Z7", "Z6"],
            "actie": ["informatiebrief"] * 7 + ["herinnering", "doorsturen", "brief_na_verhuizing"],
            "actietype": ["brief"] * 7 + ["herinnering", "doorsturen", "brief"],
            "template": ["informatiebrief"] * 7 + [None, None, "brief_lokaal_aanbod"],
            "geboekt": [NIGHT - timedelta(21), NIGHT - timedelta(20)]
            + [letter] * 7
            + [NIGHT - timedelta(6)],
        }
    )
    history = pl.DataFrame(
        {
            "zaak_id": ["Z3", "Z5"],
            "datum": [NIGHT - timedelta(5)] * 2,
            "gebeurtenis": ["aanmelding", "contactpoging"],
            "waarde": [None, "Telefoon|nee|"],  # an attempt that reached nobody
        },
        schema_overrides={"waarde": pl.String},
    )
    booked = pl.DataFrame(schema={"zaak_id": pl.String, "actie": pl.String})
    due = route.reminders(rules, performed, booked, history, routing, NIGHT)
    # Z1 on its day; Z2 a day early; Z3 asked for help; Z4 had it; Z5 reached nobody
    # yet; Z6's move letter, six days ago, replaced its first; Z7 was forwarded.
    assert due.select("zaak_id", "eerdere_brief", "brief_template").rows() == [
        ("Z1", NIGHT - timedelta(21), "informatiebrief"),
        ("Z5", letter, "informatiebrief"),
    ]
    # A night that books the case a letter (a move's) or a forward reminds it of nothing.
    tonight = pl.DataFrame(
        {"zaak_id": ["Z1", "Z5"], "actie": ["doorsturen", "brief_na_verhuizing"]}
    )
    assert route.reminders(rules, performed, tonight, history, routing, NIGHT).is_empty()


def run_on(
    home: Home, day: date, residents: list[Resident], known: list[str] | None = None
) -> None:
    home.registers(day, residents, known or [])
    result = home.run(day)
    assert result.exit_code == 0, result.output


def reminder_home(tmp_path: Path) -> Home:
    home = Home.create(tmp_path / "site")
    home.config.with_name("routing.yaml").write_text(REMINDER_ROUTING, encoding="utf-8")
    return home


def test_a_reminder_repeats_the_last_letter_three_weeks_on_and_counts_as_an_attempt(
    tmp_path: Path,
) -> None:
    """To the person the letter went to, not a housemate signalled since; the same offer
    (the municipality's own, for a household the SDD knows); not to a household that
    asked for help; not a day early, nor twice; one more Brief in the CBS delivery."""
    known = Resident(make_bsn(730), "Bekend", date(1970, 1, 1), "3311AB", 7)
    later = Resident(make_bsn(732), "Later", date(1972, 1, 1), "3311AB", 7)
    asked = Resident(make_bsn(731), "Vraagt", date(1971, 1, 1), "3311AB", 8)
    people = [known, later, asked]
    home = reminder_home(tmp_path)
    home.registers(NIGHT, people, [known.bsn])
    rows = [known.signal("R-1", "300.00", NIGHT), asked.signal("R-2", "300.00", NIGHT)]
    home.signals("EVIDES", NIGHT, rows)
    assert home.run(NIGHT).exit_code == 0
    first = home.out("20261102-01", "letters/index.csv")
    known_case, asked_case = sorted(first["zaak_id"])
    home.signals("VGZ", date(2026, 11, 9), [later.signal("V-1", "200.00", date(2026, 11, 9))])
    run_on(home, date(2026, 11, 9), people, [known.bsn])
    home.write(
        "uitkomsten/uitkomsten-20261110.csv",
        f"zaak_id;datum;gebeurtenis;waarde\n{asked_case};2026-11-10;aanmelding;\n",
    )
    for day in (date(2026, 11, 10), date(2026, 11, 22)):
        run_on(home, day, people, [known.bsn])
    run_on(home, date(2026, 11, 23), people, [known.bsn])
    run_on(home, date(2026, 11, 24), people, [known.bsn])
    reminded = home.out("20261123-01", "letters/index.csv")
    assert reminded.select("zaak_id", "template").rows() == [(known_case, "brief_lokaal_aanbod")]
    assert reminded["letter_id"].item().startswith(f"{known_case}-herinnering-")
    text = home.letter("20261123-01", reminded["bestand"][0])
    assert "Herinnering: hulp bij betalingsachterstanden" in text
    assert (
        "Op 2 november 2026 stuurden wij u een brief over een achterstand in uw betalingen. "
        "Wij hebben nog niets van u gehoord." in text
    )
    assert "Hulp in Dordrecht" in text  # the same offer
    assert "A. Bekend" in text
    assert "VGZ" not in text  # not the debt signalled since
    assert home.out("20261122-01", "letters/index.csv").is_empty()  # not a day early
    assert home.out("20261124-01", "letters/index.csv").is_empty()  # nor twice
    target = tmp_path / "monitor.json"
    assert (
        home.vsig("report", "monitor", "--period", "2026-11", "--out", str(target)).exit_code == 0
    )
    delivery = json.loads(target.read_text())
    attempts = sorted(
        [p["datum"] for p in z["contactpogingen"]]
        for levering in delivery["leveringen"]
        for z in levering["vroegsignaalzaken"]
    )
    assert attempts == [["2026-11-02"], ["2026-11-02", "2026-11-23"]]
    replayed = home.vsig("replay", "20261123-01")
    assert replayed.stdout.splitlines()[-1].endswith("outputs, identical"), replayed.output


def test_after_a_move_the_reminder_counts_from_the_move_s_letter(tmp_path: Path) -> None:
    quiet = Resident(make_bsn(830), "Stil", date(1970, 1, 1), "3311AB", 7)
    moved = replace(quiet, postcode="3331AA", gemeentecode="0642", woonplaats="Zwijndrecht")
    home = reminder_home(tmp_path)
    home.registers(NIGHT, [quiet])
    home.signals("EVIDES", NIGHT, [quiet.signal("R-1", "300.00", NIGHT)])
    assert home.run(NIGHT).exit_code == 0
    # Moved on the night the reminder would be due: the move's letter, and nothing else.
    run_on(home, date(2026, 11, 23), [moved])
    assert home.out("20261123-01", "letters/index.csv")["template"].to_list() == [
        "brief_lokaal_aanbod"
    ]
    run_on(home, date(2026, 12, 11), [moved])
    assert home.out("20261211-01", "letters/index.csv").is_empty()
    run_on(home, date(2026, 12, 14), [moved])  # 21 days after 23 November
    reminded = home.out("20261214-01", "letters/index.csv")
    text = home.letter("20261214-01", reminded["bestand"].item())
    assert "Op 23 november 2026 stuurden wij u een brief" in text
    assert "Hulp in Zwijndrecht" in text
