from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("reset-password/", views.reset_request_view, name="password_reset"),
    path("reset-password/<str:token>", views.reset_confirm_view, name="password_reset_confirm"),
    path("set-password/<str:token>", views.set_password_view, name="set_password"),
]
