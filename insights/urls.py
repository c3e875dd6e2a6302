from django.urls import path

from insights import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.org_dashboard, name="org_dashboard"),
    path("dashboard/units/<int:unit_id>/", views.org_dashboard_children, name="org_dashboard_children"),
    path("dashboard/cascade/", views.cascade_view, name="cascade"),
    path("dashboard/export.csv", views.org_dashboard_csv, name="org_dashboard_csv"),
    path("units/<int:unit_id>/dashboard/", views.team_dashboard, name="team_dashboard"),
    path("units/<int:unit_id>/dashboard/answers/<slug:key>/mark/", views.answer_mark, name="answer_mark"),
]
