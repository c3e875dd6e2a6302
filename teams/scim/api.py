"""The SCIM 2.0 endpoints under /scim/v2/: thin views over teams.scim.resources (reading and
writing SCIM's JSON) and teams.scim.provisioning (the writes).

Every request needs the organization's bearer token (teams.scim.tokens); a session is not
enough, so no CSRF token is asked for. A token sees only its own organization: any other
id is a 404.
"""

import json
from functools import wraps

from django.db.models import CharField, Value
from django.db.models.functions import Cast
from django.views.decorators.csrf import csrf_exempt

from teams.models import ScimGroup, User
from teams.scim import discovery, provisioning
from teams.scim.errors import ScimError, not_found, scim_response
from teams.scim.filters import (
    DEFAULT_COUNT,
    GROUP_CORE,
    GROUP_FILTERS,
    MAX_RESULTS,
    USER_CORE,
    USER_FILTERS,
    filter_q,
)
from teams.scim.resources import (
    LIST_SCHEMA,
    attribute_names,
    group_from_body,
    group_location,
    group_patch,
    group_resource,
    select_attributes,
    user_from_body,
    user_location,
    user_patch,
    user_resource,
)
from teams.scim.tokens import token_for_header


def scim_endpoint(*methods: str):
    """Token check, method check and SCIM errors for one endpoint; the view gets the token."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                token = token_for_header(request.headers.get("Authorization", ""))
                if token is None:
                    raise ScimError(401, "A valid bearer token is required: the organization's SCIM token.")
                if request.method not in methods:
                    error = ScimError(405, f"{request.method} is not allowed here; use {', '.join(methods)}.")
                    response = error.response()
                    response["Allow"] = ", ".join(methods)
                    return response
                return view(request, token, *args, **kwargs)
            except ScimError as error:
                return error.response()

        return wrapper

    return decorate


def _body(request) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        why = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise ScimError(
            400, f"The body is not valid JSON ({why}). Nothing was changed.", "invalidSyntax"
        ) from None
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a JSON object. Nothing was changed.", "invalidSyntax")
    return body


def _operations(request) -> list:
    return _body(request).get("Operations")


def _pk(scim_id: str, kind: str) -> int:
    if not scim_id.isdigit() or len(scim_id) > 18:
        raise not_found(kind, scim_id)
    return int(scim_id)


LAST_START = 2**31


def _page(request) -> tuple[int, int]:
    try:
        start = int(request.GET.get("startIndex", 1))
        count = int(request.GET.get("count", DEFAULT_COUNT))
    except ValueError:
        raise ScimError(400, "startIndex and count must be whole numbers.", "invalidValue") from None
    # Below 1 reads as 1 (RFC 7644 §3.4.2.4); past any list there can be, an empty page.
    return min(max(1, start), LAST_START), min(MAX_RESULTS, max(0, count))


def _list(request, queryset, filters: dict, uri: str, annotations: dict, resource) -> dict:
    if text := request.GET.get("filter"):
        matching = queryset.annotate(**annotations).filter(filter_q(text, filters, uri)).values("pk")
        queryset = queryset.filter(pk__in=matching)
    start, count = _page(request)
    total = queryset.count()
    page = list(queryset.order_by("pk")[start - 1 : start - 1 + count]) if count else []
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [_selected(request, resource(request, item)) for item in page],
    }


def _selected(request, resource: dict) -> dict:
    return select_attributes(resource, request.GET.get("attributes"), request.GET.get("excludedAttributes"))


# --- Users ------------------------------------------------------------------------------------


def _users(token):
    return User.objects.filter(organization=token.organization).select_related("scim")


def _user(token, scim_id: str) -> User:
    user = _users(token).filter(pk=_pk(scim_id, "user")).first()
    if user is None:
        raise not_found("user", scim_id)
    return user


def _user_answer(request, token, user_id: int, *, status: int = 200):
    user = _users(token).get(pk=user_id)
    return scim_response(
        _selected(request, user_resource(request, user)), status=status, location=user_location(request, user)
    )


@scim_endpoint("GET", "POST")
def users(request, token):
    if request.method == "POST":
        user = provisioning.user_create(token=token, changes=user_from_body(_body(request)))
        return _user_answer(request, token, user.pk, status=201)
    annotations = {"scim_id": Cast("pk", CharField()), "email_type": Value("work")}
    return scim_response(_list(request, _users(token), USER_FILTERS, USER_CORE, annotations, user_resource))


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request, token, scim_id: str):
    user_id = _user(token, scim_id).pk
    if request.method == "PUT":
        changes = user_from_body(_body(request))
        provisioning.user_update(token=token, user_id=user_id, change=lambda _: changes)
    elif request.method == "PATCH":
        operations = _operations(request)
        provisioning.user_update(token=token, user_id=user_id, change=lambda now: user_patch(now, operations))
    elif request.method == "DELETE":
        provisioning.user_deactivate(token=token, user_id=user_id)
        return scim_response(None, status=204)
    return _user_answer(request, token, user_id)


# --- Groups -----------------------------------------------------------------------------------


def _groups(token, request=None):
    groups = ScimGroup.objects.filter(organization=token.organization)
    return groups.prefetch_related("members") if request is not None and _wants_members(request) else groups


def _wants_members(request) -> bool:
    """Entra ID lists groups with excludedAttributes=members: then none are read."""
    if request.GET.get("attributes"):
        return "members" in attribute_names(request.GET["attributes"])
    return "members" not in attribute_names(request.GET.get("excludedAttributes"))


def _group_resource(request, group: ScimGroup) -> dict:
    return group_resource(request, group, members=_wants_members(request))


def _group(token, scim_id: str) -> ScimGroup:
    group = _groups(token).filter(pk=_pk(scim_id, "group")).first()
    if group is None:
        raise not_found("group", scim_id)
    return group


def _group_answer(request, token, group_id: int, *, status: int = 200):
    group = _groups(token, request).get(pk=group_id)
    return scim_response(
        _selected(request, _group_resource(request, group)),
        status=status,
        location=group_location(request, group),
    )


@scim_endpoint("GET", "POST")
def groups(request, token):
    if request.method == "POST":
        group = provisioning.group_create(token=token, changes=group_from_body(_body(request)))
        return _group_answer(request, token, group.pk, status=201)
    annotations = {"scim_id": Cast("pk", CharField()), "member_id": Cast("members__pk", CharField())}
    return scim_response(
        _list(request, _groups(token, request), GROUP_FILTERS, GROUP_CORE, annotations, _group_resource)
    )


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def group(request, token, scim_id: str):
    group_id = _group(token, scim_id).pk
    if request.method == "PUT":
        changes = group_from_body(_body(request))
        provisioning.group_update(token=token, group_id=group_id, change=lambda _: changes)
    elif request.method == "PATCH":
        operations = _operations(request)
        provisioning.group_update(
            token=token, group_id=group_id, change=lambda now: group_patch(now, operations)
        )
        return scim_response(None, status=204)
    elif request.method == "DELETE":
        provisioning.group_delete(token=token, group_id=group_id)
        return scim_response(None, status=204)
    return _group_answer(request, token, group_id)


# --- Discovery --------------------------------------------------------------------------------


def _listed(resources: list[dict]) -> dict:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": len(resources),
        "startIndex": 1,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


@scim_endpoint("GET")
def service_provider_config(request, token):
    return scim_response(discovery.service_provider_config(request))


@scim_endpoint("GET")
def resource_types(request, token):
    return scim_response(_listed(discovery.resource_types(request)))


@scim_endpoint("GET")
def resource_type(request, token, scim_id: str):
    for found in discovery.resource_types(request):
        if found["id"] == scim_id:
            return scim_response(found)
    raise not_found("resource type", scim_id)


@scim_endpoint("GET")
def schemas(request, token):
    return scim_response(_listed(discovery.schemas(request)))


@scim_endpoint("GET")
def schema(request, token, scim_id: str):
    for found in discovery.schemas(request):
        if found["id"] == scim_id:
            return scim_response(found)
    raise not_found("schema", scim_id)
