from django.urls import path

from . import views

app_name = "safeguarding"
S = "schools/<uuid:school>/"
ISSUE = S + "pupils/<uuid:pupil>/safeguarding-issues/<uuid:doc>/"
urlpatterns = [
    path(S + "concerns/raise/", views.raise_concern, name="raise"),
    path(S + "concerns/mine/", views.my_concerns, name="my_concerns"),
    path(S + "safeguarding/", views.issue_list, name="issues"),
    path(S + "safeguarding/summary/", views.summary_page, name="summary"),
    path(ISSUE + "tasks/new/", views.task_new, name="task_new"),
    path(ISSUE + "tasks/<uuid:task>/done/", views.task_done, name="task_done"),
    path(ISSUE + "referrals/new/", views.referral_new, name="referral_new"),
    path(
        ISSUE + "referrals/<uuid:ref>/response/", views.referral_response, name="referral_response"
    ),
    path(S + "pupils/<uuid:pupil>/chronology/", views.chronology_page, name="chronology"),
    path(S + "pupils/<uuid:pupil>/chronology.pdf", views.chronology_pdf, name="chronology_pdf"),
    path(S + "pupils/<uuid:pupil>/child-protection-file/", views.cp_file_new, name="cp_new"),
    path("child-protection-file/", views.cp_file_landing, name="cp_file_landing"),
    path("child-protection-file/<str:token>", views.cp_file, name="cp_file"),
    path("child-protection-file/<str:token>/pdf", views.cp_file_pdf, name="cp_file_pdf"),
    path(
        "child-protection-file/<str:token>/files/<str:file_id>",
        views.cp_file_attachment,
        name="cp_file_attachment",
    ),
    path(
        "child-protection-file/<str:token>/receipt", views.cp_file_receipt, name="cp_file_receipt"
    ),
]
