"""`vsig serve` as CBS meets it: a real process on a localhost port, called with httpx.

A throwaway CA (root, intermediate, signing certificate) is made here; the signature is
checked with PyJWT, another JOSE library than the joserfc that made it.
"""

import asyncio
import base64
import hashlib
import ipaddress
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.api_jws import PyJWS

from vsig.reporting.serve import MAX_BODY, page

from .conftest import REPO, free_port
from .scenario import Home, Resident, make_bsn

VSIG = str(Path(sys.executable).parent / "vsig")
SCHEMA = json.loads(
    (REPO / "standards/vng-vroegsignalering-v1.2/json_schema_Uitwisselmodel.json").read_text()
)
API = yaml.safe_load((REPO / "standards/vng-vroegsignalering-v1.2/DDAS-VS.yaml").read_text())
NIGHT = date(2026, 11, 2)
PEOPLE = [
    Resident(make_bsn(961), "Eerste", date(1970, 1, 1), "3311AB", 1),
    Resident(make_bsn(962), "Tweede", date(1971, 1, 1), "3311AB", 2),
    Resident(make_bsn(963), "Derde", date(1972, 1, 1), "3351AB", 3, gemeentecode="0590"),
]
NOVEMBER = {"aanleverperiodeStartdatum": "2026-11-01", "aanleverperiodeEinddatum": "2026-11-30"}
KID = "vsig-test-2026"


class JAdES(PyJWS):
    """PyJWT, told that it understands `sigD`: this test checks its value itself."""

    _supported_crit = {"b64", "sigD"}  # noqa: RUF012 - PyJWT's own class attribute


@dataclass
class Chain:
    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate


def certificate(
    name: str, key: rsa.RSAPrivateKey, issuer: tuple[str, rsa.RSAPrivateKey] | None, ca: bool
) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    issuer_name, issuer_key = (name, key) if issuer is None else issuer
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def throwaway_chain(folder: Path) -> Chain:
    """Root → intermediate → signing certificate; the key and the chain (leaf first) as
    the config names them."""
    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
    root = certificate("Test Root", keys[0], None, ca=True)
    intermediate = certificate("Test Intermediate", keys[1], ("Test Root", keys[0]), ca=True)
    leaf = certificate("vsig signing", keys[2], ("Test Intermediate", keys[1]), ca=False)
    pem = serialization.Encoding.PEM
    (folder / "signing-key.pem").write_bytes(
        keys[2].private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (folder / "signing-chain.pem").write_bytes(
        leaf.public_bytes(pem) + intermediate.public_bytes(pem)
    )
    return Chain(root, intermediate, leaf)


REQUEST_SECONDS = 2.0
MAX_CONNECTIONS = 8


@dataclass
class Server:
    url: str
    chain: Chain
    process: subprocess.Popen[str]
    log: Path
    home: Home

    def post(self, body: object, **headers: str) -> httpx.Response:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.post(f"{self.url}/gegevens", content=data, headers=headers, timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("serve")) as running:
        yield running


@contextmanager
def serving(root: Path) -> Iterator[Server]:
    """`vsig serve` on a home of one night: three signals of November."""
    chain = throwaway_chain(root)
    settings = {"signing_key": str(root / "signing-key.pem"),
                "signing_chain": str(root / "signing-chain.pem"), "kid": KID,
                "request_seconds": REQUEST_SECONDS, "max_connections": MAX_CONNECTIONS}  # fmt: skip
    home = Home.create(root, serve=settings)
    home.registers(NIGHT, PEOPLE)
    home.signals("VGZ", NIGHT, [p.signal(f"G-{n}", "650.00", NIGHT, bsn=p.bsn)
                                for n, p in enumerate(PEOPLE)])  # fmt: skip
    assert home.run(NIGHT).exit_code == 0
    port = free_port()
    log = root / "serve.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [VSIG, "serve", "--home", str(home.path), "--config", str(home.config),
             "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=stderr, text=True,
        )  # fmt: skip
    running = Server(f"http://127.0.0.1:{port}", chain, process, log, home)
    try:
        started(running.url, process, log)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def started(url: str, process: subprocess.Popen[str], log: Path, **client: Any) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text()
        try:
            httpx.get(f"{url}/", timeout=1, **client)
            return
        except httpx.TransportError:
            assert time.monotonic() < deadline, "vsig serve did not start"
            time.sleep(0.1)


def verified(response: httpx.Response, chain: Chain) -> dict[str, Any]:
    """The response's signature checked as a receiver would: the Digest is the body's, the
    detached JWS over it verifies with the first x5c certificate, and that certificate is
    issued by the intermediate, which is issued by the trusted root."""
    assert response.headers["digest"] == (
        "SHA-256=" + base64.b64encode(hashlib.sha256(response.content).digest()).decode()
    )
    token = response.headers["nlgov-adr-payload-sig"]
    header_part, empty, _ = token.split(".")
    assert empty == ""  # detached
    header: dict[str, Any] = json.loads(base64.urlsafe_b64decode(header_part + "=="))
    x5c = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    assert x5c == [chain.leaf, chain.intermediate]
    x5c[0].verify_directly_issued_by(x5c[1])
    x5c[1].verify_directly_issued_by(chain.root)
    signed = f"digest: {response.headers['digest']}".encode()
    public = x5c[0].public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    JAdES().decode_complete(token, public, algorithms=["PS256"], detached_payload=signed)
    assert header["alg"] == "PS256"
    assert header["b64"] is False
    assert set(header["crit"]) == {"b64", "sigD"}
    assert header["sigD"] == {"mId": "http://uri.etsi.org/19182/HttpHeaders", "pars": ["digest"]}
    assert header["kid"] == KID
    leaf_der = chain.leaf.public_bytes(serialization.Encoding.DER)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(leaf_der).digest()).rstrip(b"=")
    assert header["x5t#S256"] == thumbprint.decode()
    return header


def test_the_delivery_comes_signed_and_valid(server: Server) -> None:
    response = server.post(NOVEMBER)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    verified(response, server.chain)
    body = response.json()
    assert set(body) == {"gegevens"}  # not paged: it fits on one page
    jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(body["gegevens"])
    by_code = {lev["gemeentecode"]: lev for lev in body["gegevens"]["leveringen"]}
    assert sorted(s["ID"] for s in by_code["0505"]["vroegsignalen"]) == ["VGZ-G-0", "VGZ-G-1"]
    assert [s["ID"] for s in by_code["0590"]["vroegsignalen"]] == ["VGZ-G-2"]


def test_a_tampered_body_fails_the_signature(server: Server) -> None:
    response = server.post(NOVEMBER)
    tampered = response.content.replace(b"VGZ-G-0", b"VGZ-G-9")
    with pytest.raises(AssertionError):
        verified(httpx.Response(200, headers=response.headers, content=tampered), server.chain)


def test_pages_together_are_the_whole_delivery(server: Server) -> None:
    whole = server.post(NOVEMBER).json()["gegevens"]
    pages = []
    for number in (1, 2, 3):
        response = server.post(NOVEMBER | {"page": number, "pageSize": 1})
        assert response.status_code == 200, response.text
        verified(response, server.chain)
        body = response.json()
        assert body["paginering"] == {
            "pageSize": 1, "currentPage": number, "totalPages": 3, "totalRecords": 3
        }  # fmt: skip
        jsonschema.Draft202012Validator(SCHEMA).validate(body["gegevens"])
        pages.append(body["gegevens"])
    merged: dict[int, dict[str, Any]] = {}
    for part in pages:
        for levering in part["leveringen"]:
            empty: dict[str, list[Any]] = {"vroegsignalen": [], "vroegsignaalzaken": []}
            into = merged.setdefault(levering["teller"], levering | empty)
            into["vroegsignalen"] += levering["vroegsignalen"]
            into["vroegsignaalzaken"] += levering["vroegsignaalzaken"]
    assert [merged[lev["teller"]] for lev in whole["leveringen"]] == whole["leveringen"]
    assert all(p["aanleverdatumEnTijd"] for p in pages)


@pytest.mark.parametrize(
    ("body", "status", "title"),
    [
        (b"{not json", 400, "Ongeldig verzoek"),
        ({"periode": "2026-11"}, 400, "Ongeldig verzoek"),
        ({"page": 0}, 400, "Ongeldig verzoek"),
        ({"aanleverperiodeStartdatum": "2026-11-01"}, 422, "Onvolledige periode"),
        (NOVEMBER | {"aanleverperiodeStartdatum": "2026-12-01"}, 422, "Ongeldige periode"),
        (NOVEMBER | {"pageSize": 50_001}, 422, "Pagina te groot"),
        (NOVEMBER | {"page": 4, "pageSize": 1}, 422, "Pagina bestaat niet"),
        (NOVEMBER | {"aanleverendeOrganisatie": "Gemeente Elders"}, 422, "Onbekende organisatie"),
    ],
)
def test_a_bad_request_is_answered_in_problem_json(
    server: Server, body: object, status: int, title: str
) -> None:
    response = server.post(body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    problem_schema = API["components"]["schemas"]["ProblemDetails"]
    jsonschema.Draft202012Validator(problem_schema).validate(problem)
    assert (problem["status"], problem["title"], problem["instance"]) == (
        status,
        title,
        "/gegevens",
    )


def test_a_wrong_digest_is_refused(server: Server) -> None:
    response = server.post(NOVEMBER, Digest="SHA-256=" + "A" * 43 + "=")
    assert response.status_code == 400
    assert "Digest" in response.json()["detail"]


def test_what_the_api_does_not_have_answers_as_an_fsc_inway(server: Server) -> None:
    for response, status, code in (
        (httpx.get(f"{server.url}/gegevens"), 405, "ERROR_CODE_METHOD_UNSUPPORTED"),
        (httpx.post(f"{server.url}/elders", json={}), 404, "ERROR_CODE_SERVICE_NOT_FOUND"),
    ):
        assert response.status_code == status
        assert response.headers["fsc-error-code"] == code
        error = response.json()
        jsonschema.Draft202012Validator(API["components"]["schemas"]["FscError"]).validate(error)
        assert error["code"] == code


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (NOVEMBER | {"aanleverendeOrganisatie": None}, {}, 400),
        (NOVEMBER | {"page": None}, {}, 400),
        (NOVEMBER | {"page": True}, {}, 400),
        (NOVEMBER | {"page": 1.5}, {}, 400),
        (NOVEMBER | {"page": 1.0, "pageSize": 2.0}, {}, 200),
        (NOVEMBER, {"Content-Type": "text/plain"}, 415),
        (b"{" + b" " * (MAX_BODY + 10) + b"}", {}, 413),
    ],
)
def test_the_request_is_held_to_the_spec(
    server: Server, body: object, headers: dict[str, str], status: int
) -> None:
    """Found by schemathesis against DDAS-VS.yaml: a null accepted, an integer written as
    2.0 refused, a text/plain body taken; and a 2 GB body was read whole."""
    response = server.post(body, **headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["paginering"]["pageSize"] == 2


def test_a_large_body_sent_in_chunks_is_refused_before_it_is_read_whole(server: Server) -> None:
    """Without a Content-Length the body is counted as it comes."""

    def chunks() -> Iterator[bytes]:
        yield from (b" " * 1024 for _ in range(10_000))

    response = httpx.post(f"{server.url}/gegevens", content=chunks(), timeout=30)
    assert response.status_code == 413
    assert response.json()["title"] == "Verzoek te groot"


def test_a_slash_after_the_path_is_not_redirected(server: Server) -> None:
    response = httpx.post(f"{server.url}/gegevens/", json=NOVEMBER)
    assert response.status_code == 404
    assert response.headers["fsc-error-code"] == "ERROR_CODE_SERVICE_NOT_FOUND"


def test_a_client_that_sends_half_a_request_is_cut_off(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as half:
        half.sendall(b"POST /gegevens HTTP/1.1\r\nHost: x\r\nContent-Le")
        half.settimeout(REQUEST_SECONDS * 10)
        started_at = time.monotonic()
        assert half.recv(100) == b""  # closed by the server, not by this timeout
        assert time.monotonic() - started_at < REQUEST_SECONDS * 5


def test_a_client_that_stops_halfway_its_body_is_cut_off_without_an_error(server: Server) -> None:
    with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as half:
        half.sendall(b'POST /gegevens HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"a')
        half.settimeout(REQUEST_SECONDS * 10)
        assert half.recv(100) == b""
    time.sleep(0.2)
    logged = server.log.read_text()
    assert "the client went away before its request was whole" in logged
    assert "Traceback" not in logged
    assert " 500 " not in logged


def test_connections_past_the_limit_are_closed_and_real_requests_still_served(
    server: Server,
) -> None:
    port = int(server.url.rsplit(":", 1)[1])
    idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(MAX_CONNECTIONS)]
    try:
        with socket.create_connection(("127.0.0.1", port)) as one_more:
            one_more.settimeout(REQUEST_SECONDS / 2)
            assert one_more.recv(100) == b""  # closed at once, before the idle ones time out
    finally:
        for connection in idle:
            connection.close()
    time.sleep(0.2)
    assert server.post(NOVEMBER).status_code == 200


REQUEST = API["components"]["schemas"]["GegevensRequest"]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


def fitting(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a property's schema of the spec takes (its types: a date, text, an integer
    with a minimum, as an integral number too)."""
    if schema.get("format") == "date":
        return st.dates().map(str)
    if schema["type"] == "integer":
        whole = st.integers(min_value=schema.get("minimum"), max_value=10**6)
        return whole | whole.map(float)
    return st.text(max_size=20)


def near() -> st.SearchStrategy[Any]:
    """What a property's schema nearly takes: the wrong type, a date spelt otherwise, a
    number below the minimum or with a fraction, or null."""
    return JSON_VALUES | st.sampled_from(["2026-11-31", "20261101", "2026-11-01T00:00:00Z", 0, 1.5])


def requests(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies from the spec's request schema: some of its properties, each a value it
    takes or nearly takes, sometimes a property it does not know."""
    entries = [
        st.tuples(st.just(name), fitting(rule) | near())
        for name, rule in schema["properties"].items()
    ]
    unknown = st.tuples(st.text(min_size=1, max_size=8), JSON_VALUES)
    return st.lists(st.one_of(*entries) | unknown, max_size=6).map(dict)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=requests(REQUEST))
def test_the_server_holds_every_request_to_the_official_spec(server: Server, body: Any) -> None:
    """Bodies drawn from DDAS-VS.yaml's GegevensRequest, and near misses of it, against the
    real server, with the spec's schema as the judge: a body it refuses (formats checked)
    is a 400, one it takes is a delivery or a 422 for what makes no sense (half a period,
    another organisation, a page past the last); never a 500, every answer in its schema."""
    valid = jsonschema.Draft202012Validator(
        REQUEST, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).is_valid(body)
    response = server.post(body, **{"Content-Type": "application/json"})
    assert response.status_code in ((200, 422, 503) if valid else (400,)), (body, response.text)
    if response.status_code == 200:
        jsonschema.Draft202012Validator(SCHEMA).validate(response.json()["gegevens"])
    else:
        problem_schema = API["components"]["schemas"]["ProblemDetails"]
        jsonschema.Draft202012Validator(problem_schema).validate(response.json())


def test_each_request_is_logged_without_personal_data(server: Server) -> None:
    server.post(NOVEMBER)
    time.sleep(0.2)
    logged = server.log.read_text()
    assert "POST /gegevens 2026-11-01..2026-11-30 page -: 3 vroegsignalen" in logged
    for person in PEOPLE:
        assert person.bsn not in logged
        assert person.geslachtsnaam not in logged
    assert os.environ.get("VSIG_SECRET") is None or os.environ["VSIG_SECRET"] not in logged


def test_a_period_is_built_once_until_the_state_changes(tmp_path: Path) -> None:
    """Asked again, a period is answered from the delivery built for it; a night, or a
    resident forgotten, changes the state, and the next answer is built from the new one."""
    with serving(tmp_path) as server:
        first = server.post(NOVEMBER)
        again = server.post(NOVEMBER | {"page": 1, "pageSize": 2})
        assert again.json()["gegevens"] == page(first.json()["gegevens"], 1, 2)
        assert _built(server) == 1
        later = date(2026, 11, 3)
        newcomer = Resident(make_bsn(964), "Vierde", date(1973, 1, 1), "3311AB", 4)
        server.home.registers(later, [*PEOPLE, newcomer])
        server.home.signals(
            "VGZ", later, [newcomer.signal("G-9", "650.00", later, bsn=newcomer.bsn)]
        )
        assert server.home.run(later).exit_code == 0
        assert _signals(server.post(NOVEMBER)) == 4
        assert _built(server) == 2
        forgotten = server.home.vsig("forget", "--bsn", newcomer.bsn, "--date", str(later))
        assert forgotten.exit_code == 0, forgotten.output
        assert _signals(server.post(NOVEMBER)) == 3
        assert _built(server) == 3
        server.post(NOVEMBER)
        assert _built(server) == 3


def test_the_deliveries_kept_are_let_go_when_nobody_asks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never more than `KEPT` periods, even while the next one is built; and none kept once
    nobody asked for a while (a forget between CBS's requests leaves memory too)."""
    from vsig.config import load_config  # noqa: PLC0415
    from vsig.reporting import cbs, serve  # noqa: PLC0415

    home = Home.create(tmp_path)
    home.registers(NIGHT, PEOPLE)
    home.signals("VGZ", NIGHT, [PEOPLE[0].signal("G-1", "650.00", NIGHT, bsn=PEOPLE[0].bsn)])
    assert home.run(NIGHT).exit_code == 0
    deliveries = serve.Deliveries(home.data, load_config(home.config))
    held: list[int] = []
    read_delivery = cbs.read_delivery

    def counted(*args: Any) -> tuple[dict[str, Any], int]:
        held.append(len(deliveries.built))
        return read_delivery(*args)

    monkeypatch.setattr(cbs, "read_delivery", counted)
    monkeypatch.setattr(serve.Deliveries, "IDLE", 0.5)
    for month in (9, 10, 11, 10):
        deliveries.of(date(2026, month, 1), date(2026, month, 28))
    assert held == [0, 1, 1]  # October kept; the third period built with one other kept
    assert len(deliveries.built) == serve.Deliveries.KEPT
    deadline = time.monotonic() + 60
    while deliveries.built:
        assert time.monotonic() < deadline, "kept after nobody asked"
        time.sleep(0.05)


def _built(server: Server) -> int:
    time.sleep(0.2)  # the log line is written as the answer goes out
    return server.log.read_text().count("the delivery of 2026-11-01..2026-11-30 built")


def _signals(response: httpx.Response) -> int:
    assert response.status_code == 200, response.text
    return sum(
        len(levering["vroegsignalen"]) for levering in response.json()["gegevens"]["leveringen"]
    )


def tls_files(folder: Path) -> tuple[x509.Certificate, Path, Path, Path, tuple[str, str]]:
    """A CA, the server's certificate for 127.0.0.1, and a client certificate: the inway's."""
    pem = serialization.Encoding.PEM
    keys = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)]
    ca = certificate("Inway CA", keys[0], None, ca=True)
    now = datetime.now(UTC)
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.subject)
        .public_key(keys[1].public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(keys[0], hashes.SHA256())
    )
    client_cert = certificate("inway", keys[2], ("Inway CA", keys[0]), ca=False)
    private = serialization.PrivateFormat.PKCS8
    for name, key, cert in (("server", keys[1], server_cert), ("client", keys[2], client_cert)):
        (folder / f"{name}-key.pem").write_bytes(
            key.private_bytes(pem, private, serialization.NoEncryption())
        )
        (folder / f"{name}.pem").write_bytes(cert.public_bytes(pem))
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    client = (str(folder / "client.pem"), str(folder / "client-key.pem"))
    return ca, folder / "server.pem", folder / "server-key.pem", folder / "ca.pem", client


def test_over_tls_only_a_client_of_the_inways_ca_gets_in(server: Server, tmp_path: Path) -> None:
    _, cert, key, ca, client = tls_files(tmp_path)
    config = yaml.safe_load(server.home.config.read_text())
    config["serve"] |= {"tls_cert": str(cert), "tls_key": str(key), "tls_client_ca": str(ca)}
    config_file = server.home.config.with_name("tls.yaml")
    config_file.write_text(yaml.safe_dump(config))
    port, log = free_port(), tmp_path / "tls.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [VSIG, "serve", "--home", str(server.home.path), "--config", str(config_file),
             "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=stderr, text=True,
        )  # fmt: skip
    url = f"https://127.0.0.1:{port}"
    trusted = ssl.create_default_context(cafile=str(ca))
    try:
        with_certificate = ssl.create_default_context(cafile=str(ca))
        with_certificate.load_cert_chain(*client)
        started(url, process, log, verify=with_certificate)
        answer = httpx.post(f"{url}/gegevens", json=NOVEMBER, verify=with_certificate, timeout=30)
        assert answer.status_code == 200
        verified(answer, server.chain)
        with pytest.raises(httpx.TransportError):
            httpx.post(
                f"{url}/gegevens", json=NOVEMBER, verify=trusted, timeout=30
            ).raise_for_status()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_a_state_that_cannot_be_read_is_a_500_in_problem_json_that_names_nothing(
    tmp_path: Path,
) -> None:
    from vsig.config import load_config  # noqa: PLC0415
    from vsig.io.home import Home as DataHome  # noqa: PLC0415
    from vsig.reporting import serve  # noqa: PLC0415
    from vsig.reporting.signing import Signer  # noqa: PLC0415

    throwaway_chain(tmp_path)
    signer = Signer.load(tmp_path / "signing-key.pem", tmp_path / "signing-chain.pem")
    home = DataHome(tmp_path / "home")
    home.state.mkdir(parents=True)
    (home.state / "vsig.duckdb").write_bytes(b"not a database, 100096104")
    app = serve.application(home, load_config(REPO / "config" / "vsig.yaml"), signer)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)

    async def ask() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://vsig") as client:
            return await client.post("/gegevens", json=NOVEMBER)

    response = asyncio.run(ask())
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Interne fout"
    assert "100096104" not in response.text
