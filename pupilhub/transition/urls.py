from django.urls import path

from . import views

app_name = "transition"
S = "schools/<uuid:school>/"
urlpatterns = [
    path("operator/clusters/", views.operator_clusters, name="operator_clusters"),
    path(
        "operator/cluster-requests/<uuid:ask>/done",
        views.close_cluster_request,
        name="close_cluster_request",
    ),
    path(S + "clusters/", views.clusters, name="clusters"),
    path(S + "clusters/<uuid:membership>/decide/", views.decide, name="decide"),
    path(S + "transition/", views.transition, name="home"),
    path(S + "transition/requests/", views.request_list, name="requests"),
    path(S + "transition/requests/new/", views.request_create, name="request_create"),
    path(S + "transition/requests/<uuid:req>/", views.request_detail, name="request"),
    path(S + "transition/requests/<uuid:req>/receipt/", views.receipt, name="receipt"),
]
