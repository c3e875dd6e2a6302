from django.urls import path

from purpose import dashboard_views, views

urlpatterns = [
    path("units/<int:unit_id>/purpose/edit/", views.purpose_edit, name="purpose_edit"),
    path("units/<int:unit_id>/purpose/history/", views.purpose_history, name="purpose_history"),
    path("units/<int:unit_id>/purpose/v<int:version>/", views.purpose_version, name="purpose_version"),
    path("dashboard/", dashboard_views.org_dashboard, name="org_dashboard"),
    path(
        "dashboard/units/<int:unit_id>/",
        dashboard_views.org_dashboard_children,
        name="org_dashboard_children",
    ),
    path("dashboard/cascade/", dashboard_views.cascade_view, name="cascade"),
    path("dashboard/export.csv", dashboard_views.org_dashboard_csv, name="org_dashboard_csv"),
    path("units/<int:unit_id>/dashboard/", dashboard_views.team_dashboard, name="team_dashboard"),
]
