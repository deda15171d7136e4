"""How the Open311 API is described in /openapi.json: its error array and POST form."""

from __future__ import annotations

from onceonly.core.openapi import register_error_shape

register_error_shape(
    "/open311/",
    "Open311Errors",
    {
        "type": "array",
        "description": "GeoReport v2 errors",
        "items": {
            "type": "object",
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
            "required": ["code", "description"],
        },
    },
)
_FORM_FIELDS = (
    "api_key", "service_code", "jurisdiction_id", "description", "address_string",
    "lat", "long", "media_url", "attribute[urgency]", "first_name", "last_name",
    "phone", "email", "device_id", "account_id",
)  # fmt: skip
POST_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {name: {"type": "string"} for name in _FORM_FIELDS},
                    "required": ["api_key", "service_code"],
                }
            }
        },
    }
}
