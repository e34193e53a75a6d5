"""Balance and purchase pages, mounted at /dashboard/billing/."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("ledger/", views.ledger, name="ledger"),
    path("purchase/", views.purchase, name="purchase"),
    path("purchase/confirm/", views.purchase_confirm, name="purchase-confirm"),
    path("payments/", views.payment_list, name="payment-list"),
    path("payments/<int:payment_id>/", views.payment_detail, name="payment-detail"),
    path(
        "payments/<int:payment_id>/cancel/",
        views.payment_cancel,
        name="payment-cancel",
    ),
]
