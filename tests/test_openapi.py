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
