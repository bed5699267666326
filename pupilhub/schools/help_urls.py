from django.urls import path

from . import help as help_pages

app_name = "help"
urlpatterns = [
    path("help/", help_pages.index, name="index"),
    path("help/<slug:area>/", help_pages.page, name="page"),
]
