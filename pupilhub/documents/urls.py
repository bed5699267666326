from django.urls import path

from . import provision_map, views

app_name = "documents"
P = "schools/<uuid:school>/pupils/<uuid:pupil>/"
urlpatterns = [
    path(P + "files/<uuid:doc>/download", views.file_download, name="download"),
    path(P + "passports/<uuid:doc>/pdf", views.passport_pdf, name="passport_pdf"),
    path(P + "<slug:kind>/new/", views.doc_edit, name="new"),
    path(P + "<slug:kind>/<uuid:doc>/history/", views.doc_history, name="history"),
    path(P + "<slug:kind>/<uuid:doc>/", views.doc_detail, name="detail"),
    path(P + "<slug:kind>/<uuid:doc>/edit/", views.doc_edit, name="edit"),
    path(P + "<slug:kind>/<uuid:doc>/delete/", views.doc_delete, name="delete"),
    path("schools/<uuid:school>/provision-map/", provision_map.page, name="provision_map"),
    path(
        "schools/<uuid:school>/provision-map.csv",
        provision_map.csv_export,
        name="provision_map_csv",
    ),
    path(
        "schools/<uuid:school>/provision-map.pdf",
        provision_map.pdf_export,
        name="provision_map_pdf",
    ),
]
