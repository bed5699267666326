from django.urls import path

from . import views

app_name = "billing"
urlpatterns = [
    path("schools/<uuid:school>/billing/", views.billing, name="billing"),
    path("schools/<uuid:school>/billing/invoices.csv", views.invoices_csv, name="csv"),
    path(
        "schools/<uuid:school>/billing/invoices/<uuid:invoice>.pdf", views.invoice_pdf, name="pdf"
    ),
]
