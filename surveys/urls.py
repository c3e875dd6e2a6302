from django.urls import path

from surveys import org_schedule, views

urlpatterns = [
    path("p/<str:token>/", views.pulse_answer, name="pulse_answer"),
    path("units/<int:unit_id>/pulses/", views.unit_pulses, name="unit_pulses"),
    path("units/<int:unit_id>/pulses/live/", views.unit_pulse_live, name="unit_pulse_live"),
    path("units/<int:unit_id>/pulses/schedule/", views.unit_schedule, name="unit_schedule"),
    path("units/<int:unit_id>/pulses/send-now/", views.unit_pulse_send_now, name="unit_pulse_send_now"),
    path("units/<int:unit_id>/pulses/close/", views.unit_pulse_close, name="unit_pulse_close"),
    path("org/settings/schedule/", org_schedule.settings_schedule, name="settings_schedule"),
]
