from django.contrib import admin
from django.db import connection
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """For load balancers and container health checks: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request):
    """Browsers and bookmarks ask for /favicon.ico before reading any page's <link rel=icon>."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("", include("teams.urls")),
    path("", include("teams.scim.urls")),
    path("", include("purpose.urls")),
    path("", include("surveys.urls")),
    path("", include("insights.urls")),
]
