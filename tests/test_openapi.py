"""/openapi.json as served, checked by openapi-spec-validator and against real answers."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient
from openapi_spec_validator import validate


def test_openapi_is_valid_and_says_what_errors_look_like(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    validate(spec)  # raises on any violation of OpenAPI 3.1
    operations = [
        (path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
    ]
    ids = Counter(op["operationId"] for _, _, op in operations)
    assert [i for i, n in ids.items() if n > 1] == []
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, _method, op in operations:
        media = next(iter(op["responses"]["default"]["content"]))
        if path.startswith(("/api/3/action", "/api/action", "/open311/")):
            assert media == "application/json", path
        else:
            assert media == "application/problem+json", path
        if "422" in op["responses"]:
            assert op["responses"]["422"]["content"] == op["responses"]["default"]["content"]

    # What the document says is what the server answers.
    answer = client.get("/api/opendata/datasets/x/rows?limit=nope")
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) <= set(answer.json())
    ckan = client.get("/api/3/action/package_show")
    assert set(spec["components"]["schemas"]["CkanError"]["required"]) <= set(ckan.json())

    post = spec["paths"]["/open311/v2/requests.json"]["post"]
    form = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"api_key", "service_code", "lat", "long"} <= set(form["properties"])
    assert "requestBody" in spec["paths"]["/api/3/action/{action}"]["post"]


# The domains whose every JSON answer must be a named model (a `$ref`), not a bare dict.
NAMED_ANSWERS = ("/api/v1/services", "/open311/", "/api/licences", "/issuers/", "/.well-known/")


def test_every_json_answer_has_a_response_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    untyped, unnamed = [], []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                for media, content in response.get("content", {}).items():
                    if not status.startswith("2") or not media.split(";")[0].endswith("json"):
                        continue
                    where = f"{method.upper()} {path} {status} {media}"
                    schema = content.get("schema")
                    if not schema:
                        untyped.append(where)
                    elif path.startswith(NAMED_ANSWERS) and "$ref" not in str(schema):
                        unnamed.append(where)
    assert untyped == []
    assert unnamed == []
    # The Open311 list answers say what one service request holds.
    answer = spec["paths"]["/open311/v2/requests.json"]["get"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"]["items"]["$ref"].endswith("ServiceRequestOut")
