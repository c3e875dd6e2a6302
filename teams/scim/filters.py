"""The `filter` query parameter, as identity providers send it, into a Django Q.

scim2-filter-parser (by the makers of django-scim2) lexes and parses the filter and
transpiles it to a Q over the attribute map given. Its transpiler drops attributes it
has no mapping for, which would quietly widen `userName eq "x" and title eq "y"`; here
an attribute we can't filter on is refused instead (400 invalidFilter).
"""

from django.db.models import Q
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser, SCIMParserError
from scim2_filter_parser.transpilers.django_q_object import Transpiler

from teams.scim.errors import ScimError

# A page of results holds at most this many; `count` asks for fewer.
MAX_RESULTS = 200
DEFAULT_COUNT = 100

USER_CORE = "urn:ietf:params:scim:schemas:core:2.0:user"
GROUP_CORE = "urn:ietf:params:scim:schemas:core:2.0:group"

# (attribute, sub-attribute, schema URI) -> field or annotation (teams.scim.resources).
USER_FILTERS = {
    ("id", None, None): "scim_id",
    ("userName", None, None): "email",
    ("externalId", None, None): "scim__external_id",
    ("active", None, None): "is_active",
    ("displayName", None, None): "name",
    ("name", "formatted", None): "name",
    ("name", "givenName", None): "scim__given_name",
    ("name", "familyName", None): "scim__family_name",
    ("emails", None, None): "email",
    ("emails", "value", None): "email",
    ("emails", "type", None): "email_type",
}
GROUP_FILTERS = {
    ("id", None, None): "scim_id",
    ("displayName", None, None): "display_name",
    ("externalId", None, None): "external_id",
    ("members", None, None): "member_id",
    ("members", "value", None): "member_id",
}


class _Transpiler(Transpiler):
    def __init__(self, attr_map, uri: str):
        # Attributes may also be written with their schema's URN in front.
        full = dict(attr_map)
        full.update({(name, sub, uri): field for (name, sub, _), field in attr_map.items()})
        super().__init__(full)

    def visit_AttrPath(self, node):
        field = super().visit_AttrPath(node)
        if field is None:
            name = node.attr_name if isinstance(node.attr_name, str) else "that attribute"
            sub = f".{node.sub_attr.value}" if node.sub_attr else ""
            raise ScimError(400, f"Filtering on {name}{sub} is not supported.", "invalidFilter")
        return field


def filter_q(text: str, attr_map: dict, uri: str) -> Q:
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
        q = _Transpiler(attr_map, uri).transpile(tree)
    except ScimError:
        raise
    except (SCIMParserError, ValueError, NotImplementedError, AttributeError, TypeError) as error:
        raise ScimError(400, f"The filter can't be read ({error}).", "invalidFilter") from None
    if not isinstance(q, Q):
        raise ScimError(400, "The filter can't be read.", "invalidFilter")
    return q
