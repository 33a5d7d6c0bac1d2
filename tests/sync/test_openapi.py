"""sync/openapi.yaml is valid OpenAPI 3.1 and documents sync/protocol.py as it is.

The contract an ERP team implements is the YAML; the code both ends run is the module. These
tests fail when either moves without the other: a path, method or header the module defines and
the YAML does not, a body field named in the module's docstring and missing from its schema, an
example the schemas reject, a batch example the reference server would answer otherwise, or a
description of the sealed format that no longer opens what the vault writes.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from kiosk import retention
from kiosk.engine import InterviewState, PlannedQuestion, Stage
from kiosk.errors import VaultError
from kiosk.outbox import Outbox, idempotency_key
from kiosk.vault import audit
from kiosk.vault.envelope import fingerprint
from kiosk.vault.erp_accounts import parse_accounts
from kiosk.vault.passwords import Argon2Params, hash_pin
from sync import protocol
from sync.client import ErpClient
from sync.credentials import DeviceCredentials
from sync.erp_server.api import ErpApi
from sync.erp_server.keys import ServerKeys
from sync.erp_server.media import MediaUploads
from sync.erp_server.responses import Request
from sync.erp_server.store import ErpStore
from sync.transport import TlsSettings
from sync.worker import SyncWorker
from tests.sync.terminal import add_results, open_terminal

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "sync" / "openapi.yaml"
BANK_SCHEMA = ROOT / "kiosk" / "bank" / "bank.schema.json"
BANK_SAMPLE = ROOT / "kiosk" / "samples" / "bank.json"
SPEC_URI = "urn:interview-kiosk:sync-openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# The throwaway keys the YAML's examples are made with (documented there; never used for real).
TEST_SIGNING_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
TEST_SEALING_KEY = X25519PrivateKey.from_private_bytes(bytes(range(32, 64)))


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    data = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def registry(spec: dict[str, Any]) -> Registry:
    resource: Resource[Any] = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def validator(registry: Registry, schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator for ``schema`` (a fragment of the spec: its ``#/...`` refs resolve in it)."""
    wrapped = {"$id": SPEC_URI + "/fragment", "allOf": [_absolute(schema)]}
    return jsonschema.Draft202012Validator(
        wrapped, registry=registry, format_checker=jsonschema.FormatChecker()
    )


def component(registry: Registry, name: str) -> jsonschema.Draft202012Validator:
    return validator(registry, {"$ref": f"#/components/schemas/{name}"})


def _absolute(schema: Any) -> Any:
    # Fragments lifted out of the document keep "#/..." refs; point them at the document.
    if isinstance(schema, dict):
        return {
            k: (SPEC_URI + v if k == "$ref" and v.startswith("#") else _absolute(v))
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_absolute(v) for v in schema]
    return schema


def resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow a local ``$ref`` (components are one level deep in this document)."""
    while isinstance(node, dict) and "$ref" in node and len(node) == 1:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def parameters(spec: dict[str, Any], path: str, op: dict[str, Any]) -> list[dict[str, Any]]:
    shared = spec["paths"][path].get("parameters", [])
    return [resolve(spec, p) for p in [*shared, *op.get("parameters", [])]]


def find_operation(spec: dict[str, Any], concrete: str, method: str) -> dict[str, Any]:
    """The operation serving ``method concrete`` (templated segments must allow the value)."""
    return find_template(spec, concrete, method)[1]


def find_template(spec: dict[str, Any], concrete: str, method: str) -> tuple[str, dict[str, Any]]:
    """``(path template, operation)`` serving ``method concrete``."""
    for template, item in spec["paths"].items():
        names = re.findall(r"{(\w+)}", template)
        pattern = re.sub(r"\\{(\w+)\\}", r"([^/]+)", re.escape(template))
        match = re.fullmatch(pattern, concrete)
        if match is None or method not in item:
            continue
        op = item[method]
        declared = {p["name"]: p for p in parameters(spec, template, op) if p["in"] == "path"}
        for name, value in zip(names, match.groups(), strict=True):
            assert name in declared, f"{template}: path parameter {name} is not declared"
            schema = resolve(spec, declared[name]["schema"])
            if "enum" in schema:
                assert value in schema["enum"], f"{concrete}: {value!r} not in {template}'s enum"
        return template, op
    raise AssertionError(f"{method.upper()} {concrete} is not documented")


# -- the document ------------------------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_protocol_path_is_documented_with_its_method(spec: dict[str, Any]) -> None:
    expected = [(path, "post") for path in protocol.PUSH_PATHS.values()]
    expected += [
        (protocol.AUDIT_PATH, "post"),
        (protocol.BATCH_PATH, "post"),
        (protocol.ENROL_PATH, "post"),
        (protocol.MEDIA_PATH, "post"),
        (protocol.MEDIA_PATH + "/0f1e2d3c4b5a6978", "head"),
        (protocol.MEDIA_PATH + "/0f1e2d3c4b5a6978", "patch"),
        (protocol.tokens_path("kiosk-3f2a9c"), "post"),
        (protocol.health_path("kiosk-3f2a9c"), "post"),
    ]
    expected += [(protocol.bundle_path(kind), "get") for kind in protocol.BUNDLE_KINDS]
    for path, method in expected:
        find_operation(spec, path, method)
    assert all(path.startswith(protocol.API + "/") for path in spec["paths"])


def test_bundle_kinds_match_the_protocol_everywhere(spec: dict[str, Any]) -> None:
    kinds = list(protocol.BUNDLE_KINDS)
    schemas = spec["components"]["schemas"]
    assert spec["components"]["parameters"]["BundleKind"]["schema"]["enum"] == kinds
    assert schemas["BundlePayload"]["properties"]["kind"]["enum"] == kinds
    assert schemas["Health"]["properties"]["bundles"]["propertyNames"]["enum"] == kinds
    per_kind = {
        rule["if"]["properties"]["kind"]["const"] for rule in schemas["BundlePayload"]["allOf"]
    }
    assert per_kind == set(kinds), "every kind needs its data schema"


def _header_constants() -> dict[str, str]:
    return {
        name: value
        for name, value in vars(protocol).items()
        if name.isupper()
        and isinstance(value, str)
        and re.fullmatch(r"[A-Z][a-z]+(-[A-Z][a-z]+)+", value)
    }


def _documented_headers(spec: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for path, _method, op in operations(spec):
        names |= {p["name"] for p in parameters(spec, path, op) if p["in"] == "header"}
        for response in op["responses"].values():
            names |= set(resolve(spec, response).get("headers", {}))
    return names


def test_every_protocol_header_is_documented(spec: dict[str, Any]) -> None:
    constants = _header_constants()
    # The detection itself must see them all, or this test would pass vacuously.
    assert set(constants) >= {"IDEMPOTENCY_KEY", "REPLAYED", "UPLOAD_OFFSET", "UPLOAD_CHECKSUM"}
    missing = set(constants.values()) - _documented_headers(spec)
    assert not missing, f"headers defined in sync/protocol.py but not documented: {missing}"


def test_media_chunks_use_the_protocol_media_type_and_limit(spec: dict[str, Any]) -> None:
    patch = find_operation(spec, protocol.MEDIA_PATH + "/x1", "patch")
    content = patch["requestBody"]["content"]
    assert list(content) == [protocol.OFFSET_STREAM]
    assert content[protocol.OFFSET_STREAM]["schema"]["maxLength"] == protocol.MAX_REQUEST_BYTES
    assert {"409", "460"} <= set(patch["responses"])


def test_pushes_require_an_idempotency_key_and_document_its_conflict(
    spec: dict[str, Any],
) -> None:
    pushes = [*protocol.PUSH_PATHS.values(), protocol.AUDIT_PATH, protocol.MEDIA_PATH]
    pushes.append(protocol.health_path("kiosk-3f2a9c"))
    for path in pushes:
        template, op = find_template(spec, path, "post")
        keys = [p for p in parameters(spec, template, op) if p["name"] == protocol.IDEMPOTENCY_KEY]
        assert keys and keys[0]["required"], f"POST {path} must require {protocol.IDEMPOTENCY_KEY}"
        assert "422" in op["responses"], f"POST {path} must document the key-reuse 422"
        success = resolve(spec, op["responses"]["201"])
        assert protocol.REPLAYED in success["headers"], f"POST {path}: {protocol.REPLAYED}"


def test_rate_limits_and_outages_carry_retry_after(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        assert "429" in op["responses"], f"{method.upper()} {path} has no 429"
        for status in ("429", "503"):
            if status in op["responses"]:
                headers = resolve(spec, op["responses"][status]).get("headers", {})
                assert "Retry-After" in headers, f"{method.upper()} {path} {status}"


def test_error_responses_use_the_error_schema(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            content = resolve(spec, response).get("content")
            if status[0] in "45" and content:
                schema = content["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, f"{method} {path} {status}"


def test_operations_are_named_and_described(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _p, _m, op in operations(spec)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(spec):
        assert op.get("summary"), f"{method.upper()} {path} has no summary"


def _undescribed(schema: Any, where: str) -> Iterator[str]:
    if not isinstance(schema, dict):
        return
    for name, prop in schema.get("properties", {}).items():
        if not prop.get("description"):
            yield f"{where}.{name}"
        yield from _undescribed(prop, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _undescribed(schema["items"], f"{where}[]")


def test_every_schema_and_property_is_described(spec: dict[str, Any]) -> None:
    missing = []
    for name, schema in spec["components"]["schemas"].items():
        if not schema.get("description"):
            missing.append(name)
        missing += list(_undescribed(schema, name))
    assert not missing, f"schemas or properties without a description: {missing}"


# -- examples ----------------------------------------------------------------------------------


def _examples(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(where, schema, value) of every example in the document."""
    for path, method, op in operations(spec):
        where = f"{method.upper()} {path}"
        for param in parameters(spec, path, op):
            if "example" in param:
                yield f"{where} {param['name']}", param["schema"], param["example"]
        bodies = [("request", op.get("requestBody", {}))]
        bodies += [(status, resolve(spec, r)) for status, r in op["responses"].items()]
        for label, body in bodies:
            for media in body.get("content", {}).values():
                for name, example in media.get("examples", {}).items():
                    yield f"{where} {label} {name}", media["schema"], example["value"]


def test_there_are_examples_for_every_json_request_body(spec: dict[str, Any]) -> None:
    for path, method, op in operations(spec):
        content = op.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            assert content["application/json"].get("examples"), f"{method} {path}"


def test_every_example_validates_against_its_schema(
    spec: dict[str, Any], registry: Registry
) -> None:
    examples = list(_examples(spec))
    assert len(examples) >= 15
    for where, schema, value in examples:
        errors = [e.message for e in validator(registry, schema).iter_errors(value)]
        assert not errors, f"{where}: {errors}"


def _example(spec: dict[str, Any], path: str, method: str, status: str | None = None) -> Any:
    op = find_operation(spec, path, method)
    body = op["requestBody"] if status is None else resolve(spec, op["responses"][status])
    examples = body["content"]["application/json"]["examples"]
    return next(iter(examples.values()))["value"]


def test_the_bundle_example_is_a_valid_signed_bundle(
    spec: dict[str, Any], registry: Registry
) -> None:
    document = _example(spec, protocol.bundle_path("config"), "get", "200")
    bundle = protocol.verify_bundle(
        document,
        TEST_SIGNING_KEY.public_key(),
        kind="config",
        device_id="kiosk-3f2a9c",
        now=1767300000,
        current_version=None,
    )
    assert document["keyId"] == protocol.key_id(TEST_SIGNING_KEY.public_key().public_bytes_raw())
    payload = json.loads(bundle.raw)
    errors = list(component(registry, "BundlePayload").iter_errors(payload))
    assert not errors, [e.message for e in errors]


def test_the_enrolment_example_pins_the_keys_the_other_examples_use(spec: dict[str, Any]) -> None:
    enrolled = _example(spec, protocol.ENROL_PATH, "post", "201")
    org = Ed25519PublicKey.from_public_bytes(protocol.unb64(enrolled["organisationSigningKey"]))
    assert org.public_bytes_raw() == TEST_SIGNING_KEY.public_key().public_bytes_raw()
    sealing = TEST_SEALING_KEY.public_key()
    assert protocol.unb64(enrolled["serverSealingKey"]) == sealing.public_bytes_raw()
    assert enrolled["serverSealingKeyId"] == fingerprint(sealing)


def _aad(session_id: str, kind: str, record_id: str) -> bytes:
    # Written from the Sealed schema's description, not imported: this checks the description.
    parts = (b"ik-record-v1", session_id.encode(), kind.encode(), record_id.encode())
    return b"".join(len(p).to_bytes(2, "big") + p for p in parts)


def _open_sealed(session_id: str, sealed: dict[str, Any]) -> dict[tuple[str, str], Any]:
    suite = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
    info = f"interview-kiosk/session-data-key/v1|{session_id}|server".encode()
    data_key = suite.decrypt(protocol.unb64(sealed["wrappedKey"]), TEST_SEALING_KEY, info=info)
    opened = {}
    for record in sealed["records"]:
        blob = protocol.unb64(record["ciphertext"])
        assert blob[:3] == b"IK2"
        nonce, body = blob[3:15], blob[15:]
        plain = AESGCM(data_key).decrypt(
            nonce, body, _aad(session_id, record["kind"], record["id"])
        )
        opened[(record["kind"], record["id"])] = json.loads(plain)
    return opened


def test_the_sealed_format_as_described_opens_the_example_report(spec: dict[str, Any]) -> None:
    report = _example(spec, protocol.PUSH_PATHS["result"], "post")
    assert report["sealed"]["keyId"] == fingerprint(TEST_SEALING_KEY.public_key())
    opened = _open_sealed(report["subject"]["sessionId"], report["sealed"])
    assert set(opened) == {("personal", ""), ("result", "")}
    result = opened[("result", "")]["result"]
    assert {"overall100", "confidence", "needs_review", "competencies"} <= result.keys()
    review = _example(spec, protocol.PUSH_PATHS["review"], "post")
    assert ("review", str(review["seq"])) in _open_sealed(review["sessionId"], review["sealed"])


def test_the_audit_example_is_an_intact_chain(spec: dict[str, Any]) -> None:
    pushed = _example(spec, protocol.AUDIT_PATH, "post")
    rows = [
        (e["seq"], e["at"], e["actor"], e["action"], e["target"], e["detail"], e["prevHash"],
         e["hash"])
        for e in pushed["entries"]
    ]  # fmt: skip
    assert audit.verify(rows) == []
    assert all(e["action"] in audit.ACTIONS for e in pushed["entries"])
    head = _example(spec, protocol.AUDIT_PATH, "post", "201")["head"]
    assert (head["seq"], head["hash"]) == (rows[-1][0], rows[-1][-1])


def test_the_upload_metadata_example_names_the_documented_keys(spec: dict[str, Any]) -> None:
    example = spec["components"]["parameters"]["UploadMetadata"]["example"]
    pairs = dict(item.split(" ", 1) for item in example.split(","))
    assert set(pairs) == {"sessionId", "name", "sha256"}
    values = {k: base64.b64decode(v, validate=True).decode() for k, v in pairs.items()}
    assert re.fullmatch(r"[0-9a-f]{64}", values["sha256"])


# -- batches -----------------------------------------------------------------------------------


def _batch_examples(spec: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The batch request example and the answer examples by name."""
    op = find_operation(spec, protocol.BATCH_PATH, "post")
    request = next(iter(op["requestBody"]["content"]["application/json"]["examples"].values()))
    answers = op["responses"]["200"]["content"]["application/json"]["examples"]
    return request["value"], {name: example["value"] for name, example in answers.items()}


def _item_session(item: dict[str, Any]) -> str:
    body = item["body"]
    return str(body["subject"]["sessionId"] if item["kind"] == "result" else body["sessionId"])


def test_batch_items_are_the_protocol_pushes_with_their_schemas(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["Batch"]["properties"]["items"]["maxItems"] == protocol.MAX_BATCH_ITEMS
    assert schemas["BatchResults"]["properties"]["results"]["maxItems"] == protocol.MAX_BATCH_ITEMS
    mapping = schemas["BatchItem"]["discriminator"]["mapping"]
    assert set(mapping) == set(protocol.PUSH_PATHS), "a batch takes exactly the outbox pushes"
    assert sorted(ref["$ref"] for ref in schemas["BatchItem"]["oneOf"]) == sorted(mapping.values())
    for kind, ref in mapping.items():
        item = resolve(spec, {"$ref": ref})["properties"]
        assert item["kind"]["const"] == kind
        push = find_operation(spec, protocol.PUSH_PATHS[kind], "post")
        single = push["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert item["body"]["$ref"] == single, f"{kind}: the body is not the push's own schema"
    # A batch has no key of its own: each item carries the one its own push would send.
    op = find_operation(spec, protocol.BATCH_PATH, "post")
    assert not [p for p in parameters(spec, protocol.BATCH_PATH, op) if p["in"] == "header"]
    assert {"200", "400", "401", "413", "429", "503"} <= set(op["responses"])


def test_the_batch_example_is_what_a_terminal_sends(
    spec: dict[str, Any], registry: Registry
) -> None:
    batch, answers = _batch_examples(spec)
    errors = [e.message for e in component(registry, "Batch").iter_errors(batch)]
    assert not errors, errors
    items = batch["items"]
    sessions = [_item_session(item) for item in items]
    assert len(set(sessions)) == len(sessions), "at most one item per session"
    for item in items:
        schema = find_operation(spec, protocol.PUSH_PATHS[item["kind"]], "post")["requestBody"]
        body_schema = schema["content"]["application/json"]["schema"]
        assert not list(validator(registry, body_schema).iter_errors(item["body"]))
        # The outbox's record ids (a consent's is its row id, which its body does not carry).
        record_id = {
            "result": "result",
            "review": str(item["body"].get("seq")),
            "tombstone": "tombstone",
        }.get(item["kind"])
        if record_id is not None:
            key = idempotency_key(item["kind"], _item_session(item), record_id)
            assert item["idempotencyKey"] == key, f"{item['kind']}: not the outbox's key"
    review = next(item["body"] for item in items if item["kind"] == "review")
    assert ("review", str(review["seq"])) in _open_sealed(review["sessionId"], review["sealed"])
    for name, answer in answers.items():
        errors = [e.message for e in component(registry, "BatchResults").iter_errors(answer)]
        assert not errors, f"{name}: {errors}"
        keys = [result["idempotencyKey"] for result in answer["results"]]
        assert keys == [item["idempotencyKey"] for item in items], f"{name}: not in item order"


class _Erp:
    """The reference server's endpoints in-process (no sockets), with one enrolled device."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(exist_ok=True)
        self.store = ErpStore(directory / "erp.db")
        keys = ServerKeys(signing=TEST_SIGNING_KEY, sealing=TEST_SEALING_KEY)
        self.api = ErpApi(self.store, keys, MediaUploads(self.store, directory), 3600.0)
        token = self.store.issue_enrolment_token(3600.0)
        credentials = self.store.enrol(token, "fair-hall-kiosk-03", "0.9.0", 3600.0)
        assert credentials is not None
        self.token = credentials.access_token

    def batch(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.token}", "content-type": "application/json"}
        request = Request(
            "POST", protocol.BATCH_PATH, headers, protocol.canonical({"items": items})
        )
        response = self.api.handle(request)
        assert response.status == 200, response.body
        answer: dict[str, Any] = json.loads(response.body)
        return answer


def _outcomes(answer: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (r["idempotencyKey"], r["status"], r.get("replayed"), r["response"].get("error"))
        for r in answer["results"]
    ]


def test_the_reference_server_answers_the_batch_examples_as_documented(
    spec: dict[str, Any], registry: Registry, tmp_path: Path
) -> None:
    batch, answers = _batch_examples(spec)
    items = batch["items"]
    results = component(registry, "BatchResults")

    # "backlog": the first two items were stored by a request whose answer was lost.
    erp = _Erp(tmp_path / "backlog")
    earlier = erp.batch(items[:2])
    answer = erp.batch(items)
    assert not list(results.iter_errors(answer))
    assert _outcomes(answer) == _outcomes(answers["backlog"])
    receipts = [r["response"]["receipt"] for r in answer["results"]]
    assert receipts[:2] == [r["response"]["receipt"] for r in earlier["results"]]
    assert len(erp.store.received()) == len(items), "replays store nothing new"
    erp.store.close()

    # "refused": the review's key was used with other bytes; the tombstone has no reason.
    erp = _Erp(tmp_path / "refused")
    review = next(i for i in items if i["kind"] == "review")
    erp.batch([{**review, "body": {**review["body"], "at": review["body"]["at"] + 1}}])
    sent = [
        {**i, "body": {k: v for k, v in i["body"].items() if k != "reason"}}
        if i["kind"] == "tombstone"
        else i
        for i in items
    ]
    answer = erp.batch(sent)
    assert not list(results.iter_errors(answer))
    assert _outcomes(answer) == _outcomes(answers["refused"])
    refused = [r["response"] for r in answer["results"] if r["status"] != 201]
    assert refused == [r["response"] for r in answers["refused"]["results"] if r["status"] != 201]
    erp.store.close()


class _InProcessClient(ErpClient):
    """The terminal's real client, its JSON calls answered by :class:`_Erp` (no sockets)."""

    def __init__(self, erp: _Erp) -> None:
        endpoint = "http://127.0.0.1:9"  # never dialled
        super().__init__(DeviceCredentials("kiosk-3f2a9c", "unused", endpoint), TlsSettings())
        self.erp = erp
        self.sent: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def call(self, method: str, path: str, *, body: dict[str, Any], key: str | None = None) -> Any:
        headers = {"authorization": f"Bearer {self.erp.token}"}
        if key is not None:
            headers[protocol.IDEMPOTENCY_KEY.lower()] = key
        response = self.erp.api.handle(Request(method, path, headers, protocol.canonical(body)))
        assert response.status in (200, 201), response.body
        answer = json.loads(response.body)
        self.sent.append((path, body, answer))
        return answer


def test_what_the_sync_worker_sends_is_what_the_batch_schemas_describe(
    registry: Registry, tmp_path: Path
) -> None:
    terminal = open_terminal(tmp_path / "terminal")
    terminal.keyring.server_key = TEST_SEALING_KEY.public_key()  # as enrolment does
    sessions = add_results(terminal, 60)  # a consent, then a sealed result, for each
    state = InterviewState(
        stage=Stage.GREETING, session_id="reviewed", position_id="swe-intern", language="en",
        questions=(PlannedQuestion("q", "behavioural", 30, 120, 1),),
    )  # fmt: skip
    terminal.create_session(state, "REV-0001", {"name": "Candidate R"}, 1.0)
    terminal.save_result(
        "reviewed", {"result": {"overall100": 70, "competencies": []}}, "scored", 1.0
    )
    data = {"competency": "c1", "score": 60, "reason": "more evidence"}
    terminal.add_review("reviewed", actor="u-recruiter-17", kind="override", data=data, now=2.0)
    terminal.close_session("reviewed", "completed", 2.0)
    retention.delete_session(
        terminal, sessions[0], actor="local-admin", reason="retention", now=3.0
    )
    client = _InProcessClient(_Erp(tmp_path / "erp"))
    worker = SyncWorker(terminal, client, clock=lambda: 10.0)

    worker.deliver_due()

    assert Outbox(terminal).status(10.0).pending == 0
    batch, answers = component(registry, "Batch"), component(registry, "BatchResults")
    kinds: set[str] = set()
    for path, body, answer in client.sent:
        assert path == protocol.BATCH_PATH
        errors = [f"{e.json_path}: {e.message}" for e in batch.iter_errors(body)]
        assert not errors, errors
        assert not list(answers.iter_errors(answer))
        assert len(body["items"]) <= protocol.MAX_BATCH_ITEMS
        touched = [_item_session(item) for item in body["items"]]
        assert len(set(touched)) == len(touched), "at most one item per session"
        assert {r["status"] for r in answer["results"]} == {201}
        for item in body["items"]:
            kinds.add(item["kind"])
            sealed = item["body"].get("sealed")
            if sealed:  # the Sealed description opens what the vault sealed
                assert _open_sealed(_item_session(item), sealed)
    assert kinds == set(protocol.PUSH_PATHS)
    largest = max(len(body["items"]) for _p, body, _a in client.sent)
    assert largest == 50, "the YAML says the terminal sends 50 items per request"
    terminal.close()
    client.erp.store.close()


def test_a_malformed_batch_is_refused_as_a_whole(spec: dict[str, Any], tmp_path: Path) -> None:
    erp = _Erp(tmp_path)
    headers = {"authorization": f"Bearer {erp.token}"}
    documented = find_operation(spec, protocol.BATCH_PATH, "post")["responses"]["400"]
    example = next(iter(documented["content"]["application/json"]["examples"].values()))
    malformed: list[Any] = [[], [{}] * (protocol.MAX_BATCH_ITEMS + 1), {"kind": "consent"}]
    for items in malformed:
        body = protocol.canonical({"items": items})
        response = erp.api.handle(Request("POST", protocol.BATCH_PATH, headers, body))
        assert response.status == 400
        assert json.loads(response.body) == example["value"]
    assert erp.store.received() == []
    erp.store.close()


# -- the module's own outputs and docstring ------------------------------------------------------


def test_error_bodies_from_the_protocol_match_the_error_schema(registry: Registry) -> None:
    body = json.loads(protocol.error_body("token_expired", "the access token has expired"))
    assert not list(component(registry, "Error").iter_errors(body))


def _bundle_data() -> dict[str, Any]:
    fast = Argon2Params(memory_kib=64, iterations=1, lanes=1)
    return {
        "config": {"retention_days": 90, "interview": {"inactivity_reset_seconds": 120}},
        "bank": json.loads(BANK_SAMPLE.read_text(encoding="utf-8")),
        "invitations": [
            {
                "code": "K7Q4M2",
                "candidateRef": "cand-000123",
                "positionId": "customer-manager",
                "name": "Alex Sample (synthetic)",
                "profile": {"experience_tags": ["sales"], "fresh_graduate": True},
                "validUntil": 1767830400,
                "eventId": "fair-2026-spring",
            }
        ],
        "accounts": [
            {
                "userId": "u-recruiter-17",
                "role": "recruiter",
                "departments": [],
                "pinHash": hash_pin("482916", params=fast),
                "totpSecret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            },
            {
                "userId": "u-head-2",
                "role": "department_head",
                "departments": ["sales"],
                "pinHash": hash_pin("730154", params=fast),
                "badgeHash": "ab" * 32,
            },
        ],
        "tombstones": [
            {"sessionId": "5d0c8e1f9a7b4c3d8e2f1a0b9c8d7e6f", "reason": "candidate request"},
            {"candidateRef": "cand-000123", "reason": "candidate request"},
        ],
    }


@pytest.mark.parametrize("kind", protocol.BUNDLE_KINDS)
def test_bundles_signed_by_the_protocol_match_the_schemas(registry: Registry, kind: str) -> None:
    data = _bundle_data()[kind]
    document = protocol.sign_bundle(
        TEST_SIGNING_KEY, kind=kind, version=3, issued_at=1.0e9, expires_at=2.0e9, data=data
    )
    assert not list(component(registry, "SignedBundle").iter_errors(document))
    payload = json.loads(protocol.unb64(document["payload"]))
    errors = [e.message for e in component(registry, "BundlePayload").iter_errors(payload)]
    assert not errors, errors
    if kind == "accounts":  # what the schema allows, the terminal takes
        assert len(parse_accounts(data)) == len(data)


_ACCOUNT = {
    "userId": "u-101",
    "role": "recruiter",
    "pinHash": "$argon2id$v=19$m=64,t=1,p=1$YWJjZA$YWJjZA",
    "badgeHash": "ab" * 32,
}


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("config", {"erp": {"endpoint": "https://evil.invalid"}}),
        ("config", {"data_dir": "/tmp/elsewhere"}),
        ("tombstones", [{"sessionId": "s1", "candidateRef": "c1", "reason": "both"}]),
        ("tombstones", [{"reason": "neither"}]),
        ("accounts", [{**_ACCOUNT, "role": "root"}]),
        ("accounts", [{k: v for k, v in _ACCOUNT.items() if k != "badgeHash"}]),  # no 2nd factor
        ("accounts", [{**_ACCOUNT, "userId": "U1"}]),
        ("accounts", [{**_ACCOUNT, "departments": ["sales"]}]),  # only heads have departments
        ("accounts", [{**_ACCOUNT, "role": "department_head"}]),  # a head without any
        ("invitations", [{"code": "K7Q4M2"}]),
        ("bank", {"schema_version": 1}),
    ],
)
def test_bundle_data_the_terminal_refuses_is_refused_by_the_schemas(
    registry: Registry, kind: str, data: Any
) -> None:
    payload = {"kind": kind, "version": 1, "issuedAt": 0, "expiresAt": 1, "deviceId": "*"}
    assert list(component(registry, "BundlePayload").iter_errors({**payload, "data": data}))
    if kind == "accounts":  # and the terminal refuses it too
        with pytest.raises(VaultError):
            parse_accounts(data)


def test_the_bank_schema_requires_what_the_bank_format_requires(spec: dict[str, Any]) -> None:
    bank_schema = json.loads(BANK_SCHEMA.read_text(encoding="utf-8"))
    documented = spec["components"]["schemas"]["BankData"]
    assert documented["required"] == bank_schema["required"]
    assert set(documented["properties"]) <= set(bank_schema["properties"])


def _docstring_bodies() -> dict[str, set[str]]:
    """Field names per body as listed in sync/protocol.py's docstring bullets."""
    doc = protocol.__doc__ or ""
    bodies: dict[str, set[str]] = {}
    for match in re.finditer(
        r"^- ([a-z ]+?)(?: \([^)]*\))?:\s(.*?)(?=^- |^\S|\Z)", doc, re.M | re.S
    ):
        bodies[match.group(1)] = set(re.findall(r'"(\w+)"', match.group(2)))
    sealed = re.search(r"``sealed`` is\s+``(\{.*?\})``", doc, re.S)
    assert sealed is not None
    bodies["sealed"] = set(re.findall(r'"(\w+)"', sealed.group(1)))
    return bodies


def _names(spec: dict[str, Any], schema: Any, seen: set[int] | None = None) -> set[str]:
    """Every property name and enum value reachable from ``schema``."""
    seen = set() if seen is None else seen
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or id(schema) in seen:
        return set()
    seen.add(id(schema))
    names = set(schema.get("properties", {})) | {str(v) for v in schema.get("enum", [])}
    children = [*schema.get("properties", {}).values(), schema.get("items")]
    for key in ("oneOf", "anyOf", "allOf"):
        children += schema.get(key, [])
    if "$ref" in schema:
        children.append({"$ref": schema["$ref"]})
    for child in children:
        if child is not None:
            names |= _names(spec, child, seen)
    return names


def test_the_body_fields_in_the_protocol_docstring_are_in_the_schemas(
    spec: dict[str, Any],
) -> None:
    schemas_for = {
        "consent": ["Consent"],
        "assessment report": ["AssessmentReport"],
        "review": ["Review"],
        "tombstone": ["Tombstone"],
        "audit entries": ["AuditEntries", "AuditReceipt"],
        "health": ["Health"],
        "sealed": ["Sealed"],
    }
    bodies = _docstring_bodies()
    assert set(bodies) == set(schemas_for), "a body was added to or removed from the docstring"
    for body, fields in bodies.items():
        documented: set[str] = set()
        for name in schemas_for[body]:
            documented |= _names(spec, {"$ref": f"#/components/schemas/{name}"})
        assert fields <= documented, f"{body}: {sorted(fields - documented)} not in the schema"
    every_push = {"Consent", "AssessmentReport", "Review", "Tombstone", "AuditEntries", "Health"}
    for name in every_push:  # "deviceId in each"
        assert "deviceId" in spec["components"]["schemas"][name]["properties"], name
