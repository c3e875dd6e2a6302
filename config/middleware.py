"""Guards every request passes: bad input stops here, private pages are never cached, and
browser features no page uses are refused.

`RequestGuardMiddleware` runs before anything reads the body, the session or
the database, so nothing past it meets a NUL byte (which PostgreSQL refuses
with an error that would be a 500), a lone surrogate (which can't be encoded
to UTF-8 at all), bytes that are not UTF-8 (which Django would quietly turn
into U+FFFD and store), a file nobody asked for, or a body too big to read.
Each refusal is a 4xx with a page that says what was wrong.
"""

import re
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers

# NUL ends a C string (PostgreSQL refuses it in text); U+D800..U+DFFF alone are
# not characters and can't be written as UTF-8.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

UNSTORABLE_TEXT = (
    "This request carried characters no page here accepts (a NUL byte or broken Unicode). "
    "Nothing was saved; please type the text again."
)
NOT_UTF8 = "This form was not sent as UTF-8 text, so it can't be read. Nothing was saved."
NO_FILES = "This form takes no files. Nothing was saved; send it again without the attachment."
MALFORMED = "This request is malformed and can't be read. Nothing was saved."


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self.refusal(request)
        if refusal is not None:
            return refusal
        return self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponse | None:
        length = _content_length(request)
        if length is None:
            return _refuse(request, MALFORMED)
        upload_limit = _upload_limit(request)
        if length > (upload_limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE):
            # Said from the header alone: a 200 MB body is never read.
            return _too_big(request, upload_limit)
        if _UNSTORABLE.search(request.path_info) or _has_unstorable_header(request):
            return _refuse(request, UNSTORABLE_TEXT)
        if not _is_utf8_query(_raw(request.META.get("QUERY_STRING", ""))):
            return _refuse(request, NOT_UTF8)
        _drop_unstorable_cookies(request)
        try:
            if upload_limit is not None:
                return self._upload_refusal(request)
            return self._form_refusal(request)
        except RequestDataTooBig:
            return _too_big(request)
        except TooManyFilesSent:
            return _refuse(request, NO_FILES)
        except (SuspiciousOperation, BadRequest, MultiPartParserError, UnreadablePostError):
            # Too many fields, a multipart body without a boundary, a body cut short.
            return _refuse(request, MALFORMED)

    def _form_refusal(self, request: HttpRequest) -> HttpResponse | None:
        if request.method == "POST" and request.content_type in FORM_TYPES:
            body = request.body  # read first (within the limit), so the form is parsed from it
            if request.FILES:
                # No view here takes a file; the body limit above bounds what was parsed.
                return _refuse(request, NO_FILES)
            if request.content_type == "multipart/form-data":
                # Files are refused, so the whole body is field text and must be UTF-8.
                if not _is_utf8(body):
                    return _refuse(request, NOT_UTF8)
            elif not _is_utf8_query(body):
                return _refuse(request, NOT_UTF8)
        if _any_unstorable(request.GET.lists()) or _any_unstorable(request.POST.lists()):
            return _refuse(request, UNSTORABLE_TEXT)
        return None

    def _upload_refusal(self, request: HttpRequest) -> HttpResponse | None:
        """A view that takes a file: Django parses the body (the file spooled, within the view's
        limit); its fields are held to the same rules, the file is the view's to check."""
        if request.method == "POST" and request.content_type not in FORM_TYPES:
            return None
        if _any_unstorable(request.GET.lists()) or _any_unstorable(request.POST.lists()):
            return _refuse(request, UNSTORABLE_TEXT)
        return None


def _upload_limit(request: HttpRequest) -> int | None:
    """The body limit of a view that takes a file (`upload_limit_setting` names the setting)."""
    if request.method != "POST":
        return None
    try:
        setting = getattr(resolve(request.path_info).func, "upload_limit_setting", None)
    except Resolver404:
        return None
    return getattr(settings, setting) if setting else None


class NoStoreMiddleware:
    """Every page of the app is someone's private data: no browser or proxy keeps a copy.

    Static files never reach it (WhiteNoise answers them first, with their own
    long cache headers). A view that sets its own Cache-Control keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class PermissionsPolicyMiddleware:
    """Refuses the browser features no page uses (settings.PERMISSIONS_POLICY), which Django has
    no setting for; Content-Security-Policy and the other headers come from django-csp and Django."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def _refuse(request: HttpRequest, problem: str, *, status: int = 400) -> HttpResponse:
    return render(request, "400.html", {"problem": problem}, status=status)


def _too_big(request: HttpRequest, upload_limit: int | None = None) -> HttpResponse:
    if upload_limit is not None:
        problem = (
            f"This file is larger than the {upload_limit / 1024 / 1024:.0f} MB this page takes. Nothing was "
            "read or saved. Split the file, or ask an operator to run manage.py import_people with it."
        )
        return _refuse(request, problem, status=413)
    limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
    problem = f"This request is larger than this site accepts ({limit_kb} KB). Nothing was saved."
    # The body is left unread: the WSGI server drains or drops it (a WSGI app may not
    # set hop-by-hop headers such as Connection).
    return _refuse(request, problem, status=413)


def _content_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(raw)
    except ValueError:
        return None
    return length if length >= 0 else None


def _raw(value: str) -> bytes:
    """WSGI carries raw bytes as latin-1 text; the test client may pass wider text."""
    try:
        return value.encode("iso-8859-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8_query(data: bytes) -> bool:
    """Both the bytes and what their %-escapes stand for must be UTF-8."""
    if not _is_utf8(data):
        return False
    try:
        parse_qsl(data.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def _any_unstorable(lists: Iterable[tuple[str, list[str]]]) -> bool:
    return any(
        _UNSTORABLE.search(key) or any(isinstance(v, str) and _UNSTORABLE.search(v) for v in values)
        for key, values in lists
    )


def _has_unstorable_header(request: HttpRequest) -> bool:
    # Headers are logged and some are stored (the login audit keeps the user agent).
    return any(
        key.startswith("HTTP_") and key != "HTTP_COOKIE" and isinstance(value, str) and "\x00" in value
        for key, value in request.META.items()
    )


def _drop_unstorable_cookies(request: HttpRequest) -> None:
    """A cookie that can't be stored is treated as absent, so a bad one can't lock a browser out."""
    cookies = request.COOKIES
    if any(_UNSTORABLE.search(key) or _UNSTORABLE.search(value) for key, value in cookies.items()):
        request.COOKIES = {
            key: value
            for key, value in cookies.items()
            if not (_UNSTORABLE.search(key) or _UNSTORABLE.search(value))
        }
