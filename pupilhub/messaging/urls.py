from django.urls import path

from . import views

app_name = "messaging"
S = "schools/<uuid:school>/messages/"
urlpatterns = [
    path(S, views.message_list, name="list"),
    path(S + "new/", views.compose, name="compose"),
    path(S + "new/count/", views.count, name="count"),
    path(S + "<uuid:message>/", views.detail, name="detail"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("unsubscribe/<str:token>/undo", views.resubscribe, name="resubscribe"),
]
