from django.urls import path

from . import views

app_name = "privacy"
P = "schools/<uuid:school>/pupils/<uuid:pupil>/"
urlpatterns = [
    path("schools/<uuid:school>/retention/", views.retention_page, name="retention"),
    path(
        "schools/<uuid:school>/retention/leavers/<uuid:notice>/keep",
        views.keep_leaver,
        name="keep_leaver",
    ),
    path(P + "access-log/", views.pupil_access_log, name="access_log"),
    path(P + "subject-access.zip", views.subject_access_download, name="subject_access"),
    path(P + "deleted/", views.deleted_records, name="deleted"),
]
