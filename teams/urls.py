from django.contrib.auth import views as auth_views
from django.urls import path

from teams import views

urlpatterns = [
    path("", views.home, name="home"),
    path("org/", views.org_chart, name="org_chart"),
    path("org/units/<int:unit_id>/children/", views.org_chart_children, name="org_chart_children"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
