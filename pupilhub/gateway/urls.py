from django.urls import path

from . import views

app_name = "gateway"
S = "schools/<uuid:school>/"
urlpatterns = [
    path(S + "gateway/", views.gateway_home, name="home"),
    path(S + "gateway/keys/", views.keys_download, name="keys"),
    path(S + "gateway/types/<uuid:lt>/", views.licence_type_edit, name="licence_type"),
    path(S + "gateway/users/", views.external_users, name="users"),
    path(S + "tracking/", views.tracking, name="tracking"),
    path(S + "tracking/marksheet/", views.marksheet, name="marksheet"),
    path("gateway/<uuid:school>/", views.school_login, name="school_login"),
    path("gateway/<uuid:school>/register/", views.register, name="register"),
    path("join/<str:code>", views.join, name="join"),
    path("verify-email/", views.verify_email_landing, name="verify_email_landing"),
    path("verify-email/<str:token>", views.verify_email, name="verify_email"),
    path("my/", views.my_pupils, name="my_pupils"),
    path("my/add/", views.add_pupil, name="add_pupil"),
    path("my/pupils/<uuid:link>/", views.pupil_view, name="pupil"),
    path("my/account/", views.account, name="account"),
]
