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
    path("units/<int:unit_id>/results/", views.team_results_page, name="team_results"),
    path("r/<str:token>/", views.results_link, name="results_link"),
    path("units/<int:unit_id>/talk/", views.talk_it_through, name="talk_it_through"),
    path("units/<int:unit_id>/talk/replies/", views.talk_reply, name="talk_reply"),
    path("units/<int:unit_id>/talk/actions/", views.talk_action_add, name="talk_action_add"),
    path("units/<int:unit_id>/talk/held/", views.talk_held, name="talk_held"),
    path("units/<int:unit_id>/talk/proposals/", views.talk_proposals_use, name="talk_proposals_use"),
    path("units/<int:unit_id>/actions/status/", views.action_status, name="action_status"),
]
