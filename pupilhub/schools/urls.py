from django.urls import path

from . import views

app_name = "schools"
urlpatterns = [
    path("schools/", views.switch, name="switch"),
    path("operator/", views.operator, name="operator"),
    path("operator/holds/<uuid:hold>/lift", views.lift_hold, name="lift_hold"),
    path("operator/handovers/", views.propose_handover, name="propose_handover"),
    path("operator/support/", views.set_support, name="set_support"),
    path(
        "handovers/<uuid:handover>/<str:decision>",
        views.decide_handover,
        name="decide_handover",
    ),
    path("schools/<uuid:school>/", views.dashboard, name="dashboard"),
    path("schools/<uuid:school>/staff/", views.staff, name="staff"),
    path("schools/<uuid:school>/staff/<uuid:membership>/", views.staff_edit, name="staff_edit"),
    path("schools/<uuid:school>/audit/", views.audit_log, name="audit"),
    path(
        "schools/<uuid:school>/audit/exports/<uuid:job>/", views.audit_export, name="audit_export"
    ),
    path(
        "schools/<uuid:school>/audit/exports/<uuid:job>/file",
        views.audit_export_file,
        name="audit_export_file",
    ),
    path("schools/<uuid:school>/api-keys/", views.api_keys_page, name="api_keys"),
    path(
        "schools/<uuid:school>/api-keys/<uuid:key>/revoke",
        views.revoke_api_key,
        name="revoke_api_key",
    ),
]
