"""The app's own 404 page, also while DEBUG is on (the embedded development mode).

With DEBUG, Django answers an unknown address with its technical page, which lists every URL
pattern of the app: useful to a developer, confusing to someone walking the demo, and not what the
product shows. `handler404` is not consulted while DEBUG is on, so this middleware swaps that page
for the one `templates/404.html` gives in production. DEBUG stays on for what it is for:
tracebacks of real errors (500s) in the browser. Pages that answer 404 on purpose with their own
text (a pulse link that opens nothing) are not touched: only Django's technical page is.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.defaults import page_not_found


class FriendlyNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # technical_404_response builds exactly an HttpResponseNotFound; render(..., status=404)
        # and page_not_found build other classes.
        if settings.DEBUG and type(response) is HttpResponseNotFound:
            return page_not_found(request, exception=None)
        return response
