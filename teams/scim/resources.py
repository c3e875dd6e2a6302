"""Users and groups as SCIM resources (RFC 7643), and what a request body asks to change.

Reading a body never writes: it yields the changes (`UserChanges`, `GroupChanges`),
checked, and teams.scim.provisioning writes them in one transaction. Attributes the
product doesn't keep (titles, phone numbers, the enterprise extension, ...) are accepted
and ignored, as identity providers send many of them by default.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.urls import reverse

from teams.importing.checking import text_problem
from teams.models import ScimGroup, ScimUser, User, normalize_email_address
from teams.scim.errors import ScimError, invalid_value

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
NAME_MAX = 150
EXTERNAL_ID_MAX = 255
GROUP_NAME_MAX = 255


def _stamp(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _location(request, name: str, pk: int) -> str:
    return request.build_absolute_uri(reverse(name, args=[str(pk)]))


def user_location(request, user: User) -> str:
    return _location(request, "scim_user", user.pk)


def group_location(request, group: ScimGroup) -> str:
    return _location(request, "scim_group", group.pk)


def user_resource(request, user: User) -> dict:
    extra = getattr(user, "scim", None) or ScimUser(user=user)
    name = {"formatted": user.name} if user.name else {}
    if extra.given_name:
        name["givenName"] = extra.given_name
    if extra.family_name:
        name["familyName"] = extra.family_name
    resource = {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": user.email,
        "displayName": user.name or user.email,
        "name": name,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": user.is_active,
        "meta": {
            "resourceType": "User",
            "created": _stamp(user.date_joined),
            "lastModified": _stamp(max(user.date_joined, extra.updated_at) if extra.pk else user.date_joined),
            "location": user_location(request, user),
        },
    }
    if extra.external_id:
        resource["externalId"] = extra.external_id
    return resource


def group_resource(request, group: ScimGroup, *, members: bool = True) -> dict:
    resource = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.pk),
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": _stamp(group.created_at),
            "lastModified": _stamp(group.updated_at),
            "location": group_location(request, group),
        },
    }
    if group.external_id:
        resource["externalId"] = group.external_id
    if members:
        resource["members"] = [
            {"value": str(user.pk), "display": user.name or user.email, "$ref": user_location(request, user)}
            for user in group.members.all()
        ]
    return resource


def attribute_names(text: str | None) -> set[str]:
    """The top-level attributes an `attributes=` or `excludedAttributes=` parameter names."""
    parts = (text or "").split(",")
    return {part.strip().rsplit(":", 1)[-1].split(".")[0].lower() for part in parts if part.strip()}


def select_attributes(resource: dict, attributes: str | None, excluded: str | None) -> dict:
    """`attributes=` keeps only the attributes named, `excludedAttributes=` drops them
    (top-level names; id, schemas and meta always stay)."""
    always = {"id", "schemas", "meta"}
    if attributes:
        keep = attribute_names(attributes) | always
        return {key: value for key, value in resource.items() if key.lower() in keep}
    if excluded:
        drop = attribute_names(excluded) - always
        return {key: value for key, value in resource.items() if key.lower() not in drop}
    return resource


# --- Reading what a request asks --------------------------------------------------------------


def _strip_schema(path: str, schema: str) -> str:
    if path.lower().startswith(schema.lower() + ":"):
        return path[len(schema) + 1 :]
    return path


def _text(value, what: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid_value(f"{what} must be a string.")
    text = value.strip()
    problem = text_problem(text, what, limit)
    if problem:
        raise invalid_value(problem)
    return text


def _boolean(value, what: str) -> bool:
    # Entra ID sends "True" and "False" as strings.
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{what} must be true or false.")


def user_name_to_email(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid_value("userName is required: the person's email address.")
    email = normalize_email_address(value)
    try:
        validate_email(email)
    except ValidationError:
        raise invalid_value(
            f"userName {value!r} is not an email address; it must be the person's email."
        ) from None
    if len(email) > 254:
        raise invalid_value("userName is longer than an email address can be (254 characters).")
    return email


@dataclass
class UserChanges:
    """The person as the request leaves them: starts from what is stored (PATCH) or from
    nothing (POST, PUT), then each attribute the request names is set."""

    email: str = ""
    active: bool = True
    external_id: str = ""
    given_name: str = ""
    family_name: str = ""
    formatted: str | None = None
    display_name: str | None = None
    name: str = ""
    name_touched: bool = False

    @classmethod
    def of(cls, user: User) -> "UserChanges":
        extra = getattr(user, "scim", None) or ScimUser()
        return cls(
            email=user.email,
            active=user.is_active,
            external_id=extra.external_id,
            given_name=extra.given_name,
            family_name=extra.family_name,
            name=user.name,
        )

    def final_name(self) -> str:
        if not self.name_touched:
            return self.name
        joined = " ".join(part for part in (self.given_name, self.family_name) if part)
        return self.formatted or joined or self.display_name or ""

    def set(self, path: str, value, *, merge: bool = False) -> None:
        """One attribute, by its SCIM path (`name.givenName`, `emails[type eq "work"].value`, ...).
        `merge` (a PATCH add) keeps the parts of `name` the value leaves out."""
        key = _strip_schema(path.strip(), USER_SCHEMA).lower()
        if key == "username":
            self.email = user_name_to_email(value)
        elif key == "active":
            self.active = _boolean(value, "active")
        elif key == "externalid":
            self.external_id = _text(value, "externalId", EXTERNAL_ID_MAX)
        elif key == "displayname":
            self.display_name = _text(value, "displayName", NAME_MAX)
            self.name_touched = True
        elif key == "name":
            if value is None:
                value = {}
            if not isinstance(value, dict):
                raise invalid_value("name must be an object (givenName, familyName, formatted).")
            if not merge:
                self.given_name = self.family_name = ""
                self.formatted = None
            self.name_touched = True
            for sub, part in value.items():
                self.set(f"name.{sub}", part)
        elif key == "name.givenname":
            self.given_name = _text(value, "name.givenName", NAME_MAX)
            self.name_touched = True
        elif key == "name.familyname":
            self.family_name = _text(value, "name.familyName", NAME_MAX)
            self.name_touched = True
        elif key == "name.formatted":
            self.formatted = _text(value, "name.formatted", NAME_MAX)
            self.name_touched = True
        elif key in ("id", "schemas", "meta", "groups", "password"):
            pass  # given by us, read-only, or not kept (no one signs in with a provisioned password)
        # Anything else (emails, phoneNumbers, title, extensions, ...) is not kept: the
        # address is userName's.

    def remove(self, path: str) -> None:
        key = _strip_schema(path.strip(), USER_SCHEMA).lower()
        if key in ("username", "active"):
            raise ScimError(400, f"{path} can't be removed.", "mutability")
        self.set(path, None)

    def check_name(self) -> str:
        name = self.final_name()
        if len(name) > NAME_MAX:
            raise invalid_value(f"The name is {len(name)} characters long; at most {NAME_MAX} are allowed.")
        return name


def user_from_body(body: dict) -> UserChanges:
    """POST and PUT: the whole person as the body gives them."""
    changes = UserChanges(name_touched=True)
    if "userName" not in body:
        raise invalid_value("userName is required: the person's email address.")
    for key, value in body.items():
        changes.set(key, value)
    changes.check_name()
    return changes


def user_patch(changes: UserChanges, operations: list) -> UserChanges:
    """PATCH (RFC 7644 §3.5.2) as Okta and Entra ID send it: with a path, or without one
    and the attributes in `value` (whose keys may themselves be paths, `name.givenName`)."""
    for op, path, value in _operations(operations):
        if op == "remove":
            if not path:
                raise ScimError(400, "A remove operation needs a path.", "noTarget")
            changes.remove(path)
        elif path:
            changes.set(path, value, merge=op == "add")
        else:
            if not isinstance(value, dict):
                raise invalid_value(f"An {op} without a path needs an object of attributes as its value.")
            for key, part in value.items():
                changes.set(key, part, merge=op == "add")
    changes.check_name()
    return changes


def _operations(operations) -> list[tuple[str, str | None, object]]:
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "PATCH needs a list of Operations.", "invalidSyntax")
    read = []
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation must be an object with op, path and value.", "invalidSyntax")
        op = str(operation.get("op", "")).lower()  # Entra ID writes "Replace", "Add"
        if op not in ("add", "replace", "remove"):
            raise ScimError(
                400, f"Unknown operation {operation.get('op')!r}: add, replace or remove.", "invalidSyntax"
            )
        path = operation.get("path")
        if path is not None and not isinstance(path, str):
            raise ScimError(400, "An operation's path must be a string.", "invalidPath")
        read.append((op, path or None, operation.get("value")))
    return read


# --- Groups -----------------------------------------------------------------------------------

# `members[value eq "12"]`, or several joined with `or`, as Okta removes members.
_MEMBER_FILTER = re.compile(r'^members\[\s*(value\s+eq\s+"[^"]*"(\s+or\s+value\s+eq\s+"[^"]*")*)\s*\]$', re.I)
_MEMBER_VALUE = re.compile(r'value\s+eq\s+"([^"]*)"', re.I)


@dataclass
class GroupChanges:
    display_name: str = ""
    external_id: str = ""
    members: set[str] = field(default_factory=set)  # SCIM ids of users, checked by provisioning

    @classmethod
    def of(cls, group: ScimGroup) -> "GroupChanges":
        return cls(
            display_name=group.display_name,
            external_id=group.external_id,
            members={str(pk) for pk in group.members.values_list("pk", flat=True)},
        )

    def set(self, path: str, value, op: str = "replace") -> None:
        key = _strip_schema(path.strip(), GROUP_SCHEMA).lower()
        if key == "displayname":
            name = _text(value, "displayName", GROUP_NAME_MAX)
            if not name:
                raise invalid_value("displayName can't be empty.")
            self.display_name = name
        elif key == "externalid":
            self.external_id = _text(value, "externalId", EXTERNAL_ID_MAX)
        elif key == "members":
            ids = _member_ids(value)
            self.members = self.members | ids if op == "add" else ids
        elif key in ("id", "schemas", "meta"):
            pass
        # Other attributes are not kept.

    def remove(self, path: str, value) -> None:
        key = _strip_schema(path.strip(), GROUP_SCHEMA)
        if key.lower() == "members":
            # Entra ID names the members in the value; without one, everyone goes.
            self.members = self.members - _member_ids(value) if value not in (None, []) else set()
            return
        matched = _MEMBER_FILTER.match(key)
        if matched:
            self.members -= set(_MEMBER_VALUE.findall(matched.group(1)))
        elif key.lower() == "externalid":
            self.external_id = ""
        elif key.lower() == "displayname":
            raise ScimError(400, "displayName can't be removed.", "mutability")
        else:
            raise ScimError(400, f"Can't remove {path!r}.", "invalidPath")


def _member_ids(value) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, dict) and "value" in item for item in value):
        raise invalid_value('members must be a list of {"value": "<user id>"}.')
    return {str(item["value"]) for item in value}


def group_from_body(body: dict) -> GroupChanges:
    changes = GroupChanges()
    if not body.get("displayName"):
        raise invalid_value("displayName is required.")
    for key, value in body.items():
        changes.set(key, value)
    return changes


def group_patch(changes: GroupChanges, operations: list) -> GroupChanges:
    for op, path, value in _operations(operations):
        if op == "remove":
            if not path:
                raise ScimError(400, "A remove operation needs a path.", "noTarget")
            changes.remove(path, value)
        elif path:
            changes.set(path, value, op)
        else:
            if not isinstance(value, dict):
                raise invalid_value(f"An {op} without a path needs an object of attributes as its value.")
            for key, part in value.items():
                changes.set(key, part, op)
    return changes
