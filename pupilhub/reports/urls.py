from django.urls import path

from . import views

app_name = "reports"
S = "schools/<uuid:school>/reports/"
urlpatterns = [
    path(S, views.report_list, name="list"),
    path(S + "<uuid:report>/", views.report_detail, name="detail"),
    path(S + "<uuid:report>/edit/", views.report_edit, name="edit"),
    path(S + "<uuid:report>/pupils/<uuid:pupil>.pdf", views.preview, name="preview"),
    path(S + "<uuid:report>/runs/<uuid:run>/", views.run_status, name="run"),
    path(S + "<uuid:report>/runs/<uuid:run>.pdf", views.run_pdf, name="run_pdf"),
    path("my/pupils/<uuid:link>/reports/<uuid:report>.pdf", views.my_report, name="mine"),
]
