from django.urls import path

from purpose import views

urlpatterns = [
    path("units/<int:unit_id>/purpose/edit/", views.purpose_edit, name="purpose_edit"),
    path("units/<int:unit_id>/purpose/history/", views.purpose_history, name="purpose_history"),
    path("units/<int:unit_id>/purpose/v<int:version>/", views.purpose_version, name="purpose_version"),
]
