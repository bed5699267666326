from django.urls import path

from . import views

app_name = "sen"
S = "schools/<uuid:school>/"
urlpatterns = [
    path(S + "pupils/<uuid:pupil>/plans/<uuid:plan>/review/", views.review_new, name="review"),
    path(S + "pupils/<uuid:pupil>/ehcp/", views.ehcp_page, name="ehcp"),
    path(S + "provision-library/", views.library_page, name="library"),
    path(S + "interventions/", views.intervention_list, name="interventions"),
    path(S + "interventions/<uuid:group>/", views.intervention_page, name="intervention"),
    path(S + "provision-map/impact/", views.impact_page, name="impact"),
    path(S + "sen-register/", views.register_page, name="register"),
    path("my/pupils/<uuid:link>/plans/", views.family_plans, name="family_plans"),
]
