from django.urls import path

from purpose import views

urlpatterns = [
    path("org/", views.org_chart, name="org_chart"),
    path("org/units/<int:unit_id>/children/", views.org_chart_children, name="org_chart_children"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:unit_id>/stage/", views.unit_stage, name="unit_stage"),
    path("units/<int:unit_id>/purpose/edit/", views.purpose_edit, name="purpose_edit"),
    path("units/<int:unit_id>/purpose/history/", views.purpose_history, name="purpose_history"),
    path("units/<int:unit_id>/purpose/v<int:version>/", views.purpose_version, name="purpose_version"),
]
