from django.urls import path

from . import views

app_name = "pupils"
urlpatterns = [
    path("schools/<uuid:school>/pupils/", views.pupil_list, name="list"),
    path("schools/<uuid:school>/pupils/new/", views.pupil_edit, name="create"),
    path("schools/<uuid:school>/pupils/import/", views.pupil_import, name="import"),
    path(
        "schools/<uuid:school>/pupils/import-template.csv",
        views.import_template,
        name="import_template",
    ),
    path("schools/<uuid:school>/pupils/ctf/", views.ctf_export, name="ctf"),
    path("schools/<uuid:school>/year-end/", views.year_end, name="year_end"),
    path("schools/<uuid:school>/pupils/<uuid:pupil>/", views.pupil_detail, name="detail"),
    path("schools/<uuid:school>/pupils/<uuid:pupil>/edit/", views.pupil_edit, name="edit"),
]
