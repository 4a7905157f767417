"""Real servers on 127.0.0.1 for the messages vsig sends: an SMTP server (aiosmtpd) that
keeps what it received, and a stand-in for NotifyNL that speaks GOV.UK Notify's API as
its own client expects it (the JWT checked by the client library's own decoder)."""

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from notifications_python_client.authentication import decode_jwt_token, get_token_issuer

from .conftest import free_port

SERVICE_ID = "6f0f4d3e-1c2b-4a5d-9e8f-0a1b2c3d4e5f"
SECRET = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
API_KEY = f"vsig_test-{SERVICE_ID}-{SECRET}"
SMS_TEMPLATE = "11111111-2222-3333-4444-555555555555"
MAIL_TEMPLATE = "66666666-7777-8888-9999-000000000000"


@dataclass
class Mailbox:
    """What the SMTP server received, and how it answers."""

    port: int
    received: list[EmailMessage] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses answered 550
    busy: int = 0  # the next RCPTs answered 451

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.box.busy:
            self.box.busy -= 1
            return "451 4.3.0 try again later"
        if address in self.box.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.box.received.append(message)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    box = Mailbox(free_port())
    controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@dataclass
class Notify:
    """What the NotifyNL stand-in received, and how it answers."""

    port: int
    sent: list[dict[str, Any]] = field(default_factory=list)
    failing: list[int | tuple[int, str]] = field(default_factory=list)
    """The next sends answered with these codes (and Notify's words for them)."""
    slow: float = 0.0  # seconds each send waits before it answers
    status: dict[str, str] = field(default_factory=dict)  # number or address → final status
    lookups: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to(self, recipient: str) -> list[dict[str, Any]]:
        return [
            n for n in self.sent if recipient in (n.get("phone_number"), n.get("email_address"))
        ]


def _handler(state: Notify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: a test reads what was sent, not a log."""

        def _answer(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                issuer = get_token_issuer(token)  # type: ignore[no-untyped-call]
                ok = issuer == SERVICE_ID and decode_jwt_token(token, SECRET)  # type: ignore[no-untyped-call]
            except Exception:
                ok = False
            if not ok:
                self._answer(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]})
            return bool(ok)

        def do_POST(self) -> None:
            if not self._authorised():
                return
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            kind = self.path.rsplit("/", 1)[-1]
            if state.slow:
                time.sleep(state.slow)
            if state.failing:
                failure = state.failing.pop(0)
                code, said = failure if isinstance(failure, tuple) else (failure, "stand-in")
                self._answer(code, {"errors": [{"error": "BadRequestError", "message": said}]})
                return
            to = body.get("phone_number" if kind == "sms" else "email_address")
            template = SMS_TEMPLATE if kind == "sms" else MAIL_TEMPLATE
            if body.get("template_id") != template or not to or "reference" not in body:
                self._answer(400, {"errors": [{"error": "BadRequestError", "message": "bad"}]})
                return
            notification = body | {"id": str(uuid.uuid4()), "type": kind}
            state.sent.append(notification)
            self._answer(
                201,
                {
                    "id": notification["id"],
                    "reference": body["reference"],
                    "content": {"body": body["personalisation"]["bericht"]},
                    "uri": f"{state.url}/v2/notifications/{notification['id']}",
                    "template": {"id": template, "version": 1, "uri": ""},
                },
            )

        def do_GET(self) -> None:
            if not self._authorised():
                return
            url = urlparse(self.path)
            if url.path == "/v2/notifications":
                state.lookups += 1
                wanted = parse_qs(url.query).get("reference", [None])[0]
                found = [n for n in state.sent if n["reference"] == wanted]
                self._answer(200, {"notifications": found, "links": {"current": self.path}})
                return
            notification_id = url.path.rsplit("/", 1)[-1]
            for n in state.sent:
                if n["id"] == notification_id:
                    to = str(n.get("phone_number") or n.get("email_address"))
                    self._answer(200, n | {"status": state.status.get(to, "sending")})
                    return
            self._answer(404, {"errors": [{"error": "NoResultFound", "message": "none"}]})

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stopped waiting (a test of timeouts) is no error of the server."""


@contextmanager
def notify_server() -> Iterator[Notify]:
    state = Notify(free_port())
    server = _Server(("127.0.0.1", state.port), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def kanalen(mailbox: Mailbox, notify: Notify, key_file: Path, **changes: Any) -> dict[str, Any]:
    """A config's `kanalen` for these servers: e-mail through SMTP, SMS through Notify, at
    any time of day (a test runs whenever it runs); the API key in `key_file`."""
    key_file.write_text(API_KEY + "\n", encoding="utf-8")
    settings: dict[str, Any] = {
        "smtp": {
            "host": "127.0.0.1",
            "port": mailbox.port,
            "beveiliging": "geen",
            "afzender": "Sociale Dienst Drechtsteden <vroegsignalering@sddrechtsteden.nl>",
            "timeout_seconden": 5,
        },
        "notify": {
            "url": notify.url,
            "sleutel_bestand": str(key_file),
            "sms_template": SMS_TEMPLATE,
            "mail_template": MAIL_TEMPLATE,
            "timeout_seconden": 5,
        },
        "venster": None,
    }
    return settings | changes
