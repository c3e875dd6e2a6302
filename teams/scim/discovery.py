"""What the service says about itself (RFC 7644 §4, RFC 7643 §5–7): the features it has,
its two resource types, and the schema of each attribute it keeps."""

from django.urls import reverse

from teams.scim.filters import MAX_RESULTS
from teams.scim.resources import GROUP_SCHEMA, USER_SCHEMA

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def service_provider_config(request) -> dict:
    return {
        "schemas": [SPC_SCHEMA],
        "documentationUri": request.build_absolute_uri(reverse("scim_settings")),
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The organization's SCIM token, made by an organization admin on /org/scim/.",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": request.build_absolute_uri(reverse("scim_service_provider_config")),
        },
    }


def _resource_type(request, name: str, endpoint: str, schema: str) -> dict:
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "schema": schema,
        "meta": {
            "resourceType": "ResourceType",
            "location": request.build_absolute_uri(reverse("scim_resource_type", args=[name])),
        },
    }


def resource_types(request) -> list[dict]:
    return [
        _resource_type(request, "User", "/Users", USER_SCHEMA),
        _resource_type(request, "Group", "/Groups", GROUP_SCHEMA),
    ]


def _attribute(name: str, kind: str = "string", *, required=False, mutability="readWrite", sub=None, **more):
    attribute = {
        "name": name,
        "type": kind,
        "multiValued": more.pop("multi", False),
        "description": more.pop("description", ""),
        "required": required,
        "caseExact": more.pop("case_exact", False),
        "mutability": mutability,
        "returned": more.pop("returned", "default"),
        "uniqueness": more.pop("uniqueness", "none"),
    }
    if sub:
        attribute["subAttributes"] = sub
    return attribute


_USER_ATTRIBUTES = [
    _attribute(
        "userName",
        required=True,
        uniqueness="server",
        description="The person's email address, kept in lowercase; what they sign in with.",
    ),
    _attribute(
        "name",
        "complex",
        sub=[
            _attribute("formatted", description="The name shown in the app."),
            _attribute("givenName"),
            _attribute("familyName"),
        ],
    ),
    _attribute("displayName", description="Used as the name when no name is given."),
    _attribute(
        "emails",
        "complex",
        multi=True,
        mutability="readOnly",
        description="The userName, as a work email.",
        sub=[_attribute("value"), _attribute("type"), _attribute("primary", "boolean")],
    ),
    _attribute("active", "boolean", description="false deactivates the account (it is never deleted)."),
]
_GROUP_ATTRIBUTES = [
    _attribute("displayName", required=True, uniqueness="server"),
    _attribute(
        "members",
        "complex",
        multi=True,
        sub=[
            _attribute("value", mutability="immutable", description="The id of a user of this organization."),
            _attribute("display", mutability="readOnly"),
            _attribute("$ref", "reference", mutability="immutable"),
        ],
    ),
]


def schemas(request) -> list[dict]:
    described = [
        (USER_SCHEMA, "User", "A person of the organization", _USER_ATTRIBUTES),
        (GROUP_SCHEMA, "Group", "A group; mapped to a unit by an organization admin", _GROUP_ATTRIBUTES),
    ]
    return [
        {
            "schemas": [SCHEMA_SCHEMA],
            "id": uri,
            "name": name,
            "description": description,
            "attributes": attributes,
            "meta": {
                "resourceType": "Schema",
                "location": request.build_absolute_uri(reverse("scim_schema", args=[uri])),
            },
        }
        for uri, name, description, attributes in described
    ]
