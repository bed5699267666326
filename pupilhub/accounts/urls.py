from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("login/resend-verification/", views.resend_verification, name="resend_verification"),
    path("login/code/", views.code_view, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("account/security/", views.security_view, name="security"),
    path("reset-password/", views.reset_request_view, name="password_reset"),
    path("reset-password/new/", views.reset_confirm_view, name="password_reset_new"),
    path("reset-password/<str:token>", views.legacy_reset_link, name="password_reset_confirm"),
    path("invitations/", views.invitation_landing, name="invitation_landing"),
    path("invitations/<str:token>", views.invitation_view, name="invitation"),
    path("confirm-email/", views.confirm_email_landing, name="confirm_email_landing"),
    path("confirm-email/<str:token>", views.confirm_email_view, name="confirm_email"),
    path("second-factor/setup/", views.enrol_link_view, name="enrol_link"),
]
