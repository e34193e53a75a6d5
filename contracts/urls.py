"""Contract pages, mounted at /dashboard/contracts/."""

from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.contract_list, name="contract-list"),
    path("new/", views.contract_new, name="contract-new"),
    path("bulk/", views.contract_bulk, name="contract-bulk"),
    path("bulk/rows/", views.contract_bulk_rows, name="contract-bulk-rows"),
    path("<int:contract_id>/", views.contract_detail, name="contract-detail"),
    path(
        "<int:contract_id>/send-link/",
        views.contract_send_link,
        name="contract-send-link",
    ),
    path("<int:contract_id>/cancel/", views.contract_cancel, name="contract-cancel"),
    path(
        "<int:contract_id>/document.pdf",
        views.contract_document,
        name="contract-document",
    ),
    path(
        "<int:contract_id>/certificate.pdf",
        views.contract_certificate,
        name="contract-certificate",
    ),
    path(
        "<int:contract_id>/signed.pdf",
        views.contract_signed_document,
        name="contract-signed-document",
    ),
]
