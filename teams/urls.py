from django.contrib.auth import views as auth_views
from django.urls import path

from teams import accounts, sso_views, views
from teams.forms import ThrottledPasswordResetForm
from teams.org_settings import views as settings_views
from teams.sso_forms import SignInForm

urlpatterns = [
    path("org/import/", views.import_start, name="import_start"),
    path("org/import/<int:job_id>/", views.import_job, name="import_job"),
    path("org/settings/", settings_views.settings_organization, name="settings_organization"),
    path("org/settings/units/", settings_views.settings_units, name="settings_units"),
    path("org/settings/units/options/", settings_views.settings_unit_options, name="settings_unit_options"),
    path("org/settings/units/<int:unit_id>/", settings_views.settings_unit, name="settings_unit"),
    path(
        "org/settings/units/<int:unit_id>/delete/",
        settings_views.settings_unit_delete,
        name="settings_unit_delete",
    ),
    path("org/settings/people/", settings_views.settings_people, name="settings_people"),
    path("org/settings/people/add/", settings_views.settings_person_add, name="settings_person_add"),
    path("org/settings/people/<int:person_id>/", settings_views.settings_person, name="settings_person"),
    path(
        "org/settings/people/<int:person_id>/place/",
        settings_views.settings_person_place,
        name="settings_person_place",
    ),
    path(
        "org/settings/people/<int:person_id>/active/",
        settings_views.settings_person_active,
        name="settings_person_active",
    ),
    path(
        "org/settings/people/<int:person_id>/company-sign-in/",
        settings_views.settings_person_sso_unlink,
        name="settings_person_sso_unlink",
    ),
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
        name="login",
    ),
    path("login/sso/", sso_views.sso_start, name="sso_start"),
    path("login/sso/callback/", sso_views.sso_callback, name="sso_callback"),
    path("org/sso/", sso_views.sso_settings, name="sso_settings"),
    path("logout/", sso_views.sign_out, name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=ThrottledPasswordResetForm),
        name="password_reset",
    ),
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
    path("account/set-password/<uidb64>/<token>/", accounts.account_invitation, name="account_invitation"),
    path(
        "account/set-password/<uidb64>/<token>/renew/",
        accounts.account_invitation_renew,
        name="account_invitation_renew",
    ),
    path("account/claim/", accounts.account_claim, name="account_claim"),
    path("account/claim/sent/", accounts.account_claim_sent, name="account_claim_sent"),
    path("org/invitations/", accounts.invitations_page, name="invitations"),
    path("org/invitations/send-all/", accounts.invitations_send_all, name="invitations_send_all"),
    path("org/invitations/<int:person_id>/send/", accounts.invitation_resend, name="invitation_resend"),
]
