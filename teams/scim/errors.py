"""SCIM's error responses (RFC 7644 §3.12): every refusal is JSON an identity provider can show."""

import json

from django.http import HttpResponse

CONTENT_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def scim_response(document: dict | None, *, status: int = 200, location: str | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document) if document is not None else b"", content_type=CONTENT_TYPE, status=status
    )
    if location:
        response["Location"] = location
    return response


class ScimError(Exception):
    """A refusal: `status`, a plain `detail` for the admin reading the provider's log, and
    where the spec has one, a `scim_type` (invalidFilter, invalidValue, uniqueness, ...)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def response(self) -> HttpResponse:
        document = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            document["scimType"] = self.scim_type
        response = scim_response(document, status=self.status)
        if self.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="SCIM"'
        return response


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def not_found(kind: str, scim_id: str) -> ScimError:
    return ScimError(404, f"No {kind} with id {scim_id!r} in this organization.")
