from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("purpose.urls")),
    path("", include("surveys.urls")),
    path("", include("teams.urls")),
]
