"""Where a form may send the browser back to: only a path on this site."""

from django.utils.http import url_has_allowed_host_and_scheme


def local_path(request, target: str) -> str | None:
    """`target` when it is a path on this site ("/org/…"), else None.

    Anything else is refused, not only other hosts (an open redirect): `redirect()` takes a bare
    word for the name of a view, so "next=abc" would end in a server error.
    """
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return None
    return target
