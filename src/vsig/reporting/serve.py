"""`vsig serve`: the DDAS-VS provider API, from which CBS pulls the delivery (DDAS-VS.yaml v1.2).

`POST /gegevens` answers with `{"gegevens": <Uitwisselmodel v1.2>, "paginering": …}` for the
period asked, signed (`signing.py`). It holds the state's lock only while it copies the
state, then reads the copy, so a night waits on no request; while a night holds the lock
longer than a request may wait, it answers 503. A period's delivery is built once for the
state as it is, and its pages are slices of it (`Deliveries`).
Errors are RFC 9457 problem+json; a route or method that is not there answers as an FSC
inway would, with `Fsc-Error-Code`. Authentication is the FSC inway's: the server binds to
127.0.0.1 unless told otherwise, and can demand a client certificate (docs/cbs.md).
"""

import asyncio
import json
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Final, Self

import h11
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from uvicorn.protocols.http.h11_impl import H11Protocol

from vsig.config import Config
from vsig.io.home import Home
from vsig.io.state.lock import LockedError
from vsig.io.state.store import Store
from vsig.reporting import cbs, signing
from vsig.reporting.signing import Signer

MAX_BODY: Final = 16 * 1024
"""The largest request body read: a request names a period, an organisation and a page, a
few hundred bytes; a larger one is refused before it is read whole."""
MAX_PAGE: Final = 50_000
"""Vroegsignalen on one page at most (DDAS non-functionals)."""
NIGHT_WAIT: Final = 30.0
"""Seconds a request waits for a running night before it answers 503."""
PROBLEM: Final = "application/problem+json"
log = logging.getLogger("vsig.serve")


def _whole_number(value: object) -> object:
    """JSON Schema's integer: a number without a fraction, `2.0` too (not `true`)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Integer = Annotated[int, BeforeValidator(_whole_number)]


class GegevensRequest(BaseModel):
    """The request body of DDAS-VS.yaml: every field optional, none null, no other field
    allowed."""

    model_config = ConfigDict(extra="forbid", strict=True)

    aanleverperiodeStartdatum: date | None = None  # noqa: N815 - the standard's names
    aanleverperiodeEinddatum: date | None = None  # noqa: N815
    aanleverendeOrganisatie: str | None = None  # noqa: N815
    page: Integer | None = Field(None, ge=1)
    pageSize: Integer | None = Field(None, ge=1)  # noqa: N815

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        """A field left out is absent; the spec has no field that may be null."""
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} may be left out, but not null")
        return self


@dataclass(frozen=True)
class Asked:
    start: date
    end: date
    page: int | None
    size: int | None


class ProblemError(Exception):
    """An answer in problem+json (RFC 9457)."""

    def __init__(self, status: int, title: str, detail: str, retry_after: int | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail, self.retry_after = status, title, detail, retry_after


def application(
    home: Home, config: Config, signer: Signer, today: Callable[[], date] = date.today
) -> Starlette:
    """The ASGI app; `today` decides the default period (the month before)."""

    deliveries = Deliveries(home, config)

    async def gegevens(request: Request) -> Response:
        started = time.perf_counter()
        body = await _body(request)
        asked = _asked(body, request.headers.get("digest"), config, today())
        delivery = await run_in_threadpool(deliveries.of, asked.start, asked.end)
        reply, records = answer(delivery, asked)
        payload = json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        log.info(
            "POST /gegevens %s..%s page %s: %d vroegsignalen, %.0f ms",
            asked.start, asked.end, reply.get("paginering", {}).get("currentPage", "-"),
            records, 1000 * (time.perf_counter() - started),
        )  # fmt: skip
        return Response(payload, media_type="application/json", headers=signer.headers(payload))

    app = Starlette(
        routes=[Route("/gegevens", gegevens, methods=["POST"])],
        exception_handlers={
            ProblemError: _problem,
            HTTPException: _fsc_error,
            ClientDisconnect: _gone,
            Exception: _internal,
        },
    )
    app.router.redirect_slashes = False  # `/gegevens/` is no path of the spec: 404, not 307
    return app


async def _body(request: Request) -> bytes:
    """The request body as JSON, refused (415) as another type, and (413) past MAX_BODY
    before more of it is read."""
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if kind.lower() != "application/json":
        raise ProblemError(415, "Verkeerd type", "the request body must be application/json")
    too_large = ProblemError(413, "Verzoek te groot", f"a request body is at most {MAX_BODY} bytes")
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY:
        raise too_large
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise too_large
    return body


class Guarded(H11Protocol):
    """uvicorn's HTTP/1.1 with the limits it lacks: a connection past `max_connections`
    is closed at once, and a request that has not arrived whole within `request_seconds`
    (half its headers, or a body sent a byte at a time) has its connection closed. The
    time to answer is not limited: only what the client sends."""

    max_connections: int = 64
    request_seconds: float = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        if len(self.connections) > self.max_connections:
            log.warning("connection refused: %d open already", len(self.connections) - 1)
            transport.close()
            return
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._deadline is None:  # a further request on a kept-alive connection
            self._arm()
        super().data_received(data)
        if self.conn.their_state in (h11.DONE, h11.MUST_CLOSE, h11.CLOSED):
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.request_seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        log.warning("connection closed: no whole request within %.0f s", self.request_seconds)
        self.transport.close()


def guarded(max_connections: int, request_seconds: float) -> type[Guarded]:
    """The protocol class for uvicorn, with these limits."""
    limits = {"max_connections": max_connections, "request_seconds": request_seconds}
    return type("GuardedH11", (Guarded,), limits)


def _asked(body: bytes, sent_digest: str | None, config: Config, today: date) -> Asked:
    """The request, checked: 400 for what is not the spec's syntax, 422 for what makes no
    sense (a period backwards, another organisation, a page too large)."""
    if sent_digest is not None and sent_digest != signing.digest(body):
        raise ProblemError(400, "Ongeldig verzoek", "the Digest header does not match the body")
    try:
        request = GegevensRequest.model_validate_json(body or b"{}")
    except ValidationError as error:
        where = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in error.errors()
        )
        raise ProblemError(400, "Ongeldig verzoek", where) from None
    start, end = request.aanleverperiodeStartdatum, request.aanleverperiodeEinddatum
    if (start is None) != (end is None):
        raise ProblemError(422, "Onvolledige periode", "give both dates of the period, or neither")
    if start is None or end is None:
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
    if start > end:
        raise ProblemError(422, "Ongeldige periode", "the period's start is after its end")
    assert config.cbs is not None  # `vsig serve` refuses a config without it
    ours = (config.cbs.organisatie, config.cbs.code_gegevensleverancier)
    if request.aanleverendeOrganisatie not in (None, *ours):
        raise ProblemError(422, "Onbekende organisatie", f"this API delivers for {ours[0]} only")
    if request.pageSize is not None and request.pageSize > MAX_PAGE:
        raise ProblemError(422, "Pagina te groot", f"pageSize is at most {MAX_PAGE}")
    return Asked(start, end, request.page, request.pageSize)


class Deliveries:
    """The delivery of each period asked lately, built once for the state as it is: a
    further page is a slice of it, not another copy of the state and another build. Each
    request looks at the state first, and all are let go when it changed (a night, a
    purge, a forget), so none is ever older than the state; the DDAS documentation would
    allow a day. They are also let go `IDLE` seconds after the last request, so that what
    a forget took from the state does not stay in memory until CBS asks again."""

    KEPT: Final = 2
    """Periods kept: the one CBS pulls page by page, and one more asked between its pages.
    A period of a million signals is some gigabytes in memory."""
    IDLE: Final = 300.0
    """Seconds the deliveries are kept after the last request: CBS pages through a period
    in far less."""

    def __init__(self, home: Home, config: Config) -> None:
        self.home, self.config = home, config
        self.lock = threading.Lock()  # one build at a time: two would hold two deliveries
        self.state: tuple[object, ...] = ()
        self.built: OrderedDict[tuple[date, date], dict[str, Any]] = OrderedDict()
        self.idle: threading.Timer | None = None

    def of(self, start: date, end: date) -> dict[str, Any]:
        """The delivery of the period; 503 while a night holds the state too long."""
        with self.lock:
            try:
                state = Store.fingerprint(self.home.state, NIGHT_WAIT)
                if state != self.state:
                    self.state = state
                    self.built.clear()
                if (start, end) not in self.built:
                    while len(self.built) >= self.KEPT:  # before the build: never KEPT + 1
                        self.built.popitem(last=False)
                    began = time.perf_counter()
                    # Read after the fingerprint: a delivery is never older than its key.
                    read = cbs.read_delivery(self.home, self.config, start, end, NIGHT_WAIT)
                    self.built[(start, end)] = read[0]
                    log.info(
                        "the delivery of %s..%s built in %.0f ms",
                        start, end, 1000 * (time.perf_counter() - began),
                    )  # fmt: skip
            except LockedError:
                raise ProblemError(
                    503, "Nachtelijke verwerking bezig", "a night is being processed",
                    retry_after=600,
                ) from None  # fmt: skip
            self.built.move_to_end((start, end))
            if self.idle is not None:
                self.idle.cancel()
            self.idle = threading.Timer(self.IDLE, self.let_go)
            self.idle.daemon = True
            self.idle.start()
            return self.built[(start, end)]

    def let_go(self) -> None:
        """Every delivery kept, out of memory."""
        with self.lock:
            self.built.clear()
            self.state = ()


def answer(delivery: dict[str, Any], asked: Asked) -> tuple[dict[str, Any], int]:
    """The response body and the vroegsignalen on it: paged when asked, or when there are
    more than a page may hold."""
    total = sum(len(levering["vroegsignalen"]) for levering in delivery["leveringen"])
    if asked.page is None and asked.size is None and total <= MAX_PAGE:
        return {"gegevens": delivery}, total
    size = asked.size or MAX_PAGE
    number = asked.page or 1
    pages = max(1, math.ceil(total / size))
    if number > pages:
        raise ProblemError(422, "Pagina bestaat niet", f"page {number} of {pages}")
    gegevens = page(delivery, number, size)
    records = sum(len(levering["vroegsignalen"]) for levering in gegevens["leveringen"])
    paginering = {
        "pageSize": size,
        "currentPage": number,
        "totalPages": pages,
        "totalRecords": total,
    }
    return {"gegevens": gegevens, "paginering": paginering}, records


def page(delivery: dict[str, Any], number: int, size: int) -> dict[str, Any]:
    """Page `number` of `size` vroegsignalen, in the order of the whole delivery. A levering
    is on every page that holds some of its signals; its cases are on the page with its
    first signal (page 1 for a levering without signals). The pages together, merged by
    `teller`, are the whole delivery."""
    first, last = (number - 1) * size, number * size
    leveringen, seen = [], 0
    for levering in delivery["leveringen"]:
        count = len(levering["vroegsignalen"])
        starts_here = first <= seen < last if count else number == 1
        signals = levering["vroegsignalen"][max(first - seen, 0) : max(last - seen, 0)]
        if signals or starts_here:
            cases = levering["vroegsignaalzaken"] if starts_here else []
            leveringen.append(levering | {"vroegsignalen": signals, "vroegsignaalzaken": cases})
        seen += count
    return delivery | {"leveringen": leveringen}


async def _problem(request: Request, error: Exception) -> Response:
    assert isinstance(error, ProblemError)
    slug = error.title.lower().replace(" ", "-")
    body = {"type": f"urn:vsig:problem:{slug}", "title": error.title, "status": error.status,
            "detail": error.detail, "instance": request.url.path}  # fmt: skip
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    log.info("POST %s: %d %s", request.url.path, error.status, error.title)
    return JSONResponse(body, error.status, headers=headers, media_type=PROBLEM)


FSC_CODES: Final = {404: "ERROR_CODE_SERVICE_NOT_FOUND", 405: "ERROR_CODE_METHOD_UNSUPPORTED"}


async def _fsc_error(request: Request, error: Exception) -> Response:
    """A path or method the API does not have, as the spec's FscError."""
    assert isinstance(error, HTTPException)
    code = FSC_CODES.get(error.status_code, "ERROR_CODE_SERVICE_NOT_FOUND")
    body = {"code": code, "domain": "ERROR_DOMAIN_INWAY", "title": str(error.detail),
            "status": error.status_code}  # fmt: skip
    headers = {"Fsc-Error-Code": code, **(error.headers or {})}
    log.info("%s (a path or method not served): %d %s", request.method, error.status_code, code)
    return JSONResponse(body, error.status_code, headers=headers, media_type=PROBLEM)


async def _gone(request: Request, error: Exception) -> Response:
    """The client went away before its request was whole (or was cut off for taking too
    long, `Guarded`): nobody to answer, and no fault of the server's."""
    log.info("POST %s: the client went away before its request was whole", request.url.path)
    return Response(status_code=400)


async def _internal(request: Request, error: Exception) -> Response:
    """Anything unforeseen: a problem+json 500 that names no data, and the error's kind in
    the log (its message might hold a value from the state)."""
    log.error("POST %s: 500 %s", request.url.path, type(error).__name__)
    body = {"type": "urn:vsig:problem:interne-fout", "title": "Interne fout", "status": 500,
            "detail": "the delivery could not be made; see the server's log",
            "instance": request.url.path}  # fmt: skip
    return JSONResponse(body, 500, media_type=PROBLEM)
