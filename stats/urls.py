"""The dashboard home, mounted at /dashboard/."""

from django.urls import path

from stats import views

app_name = "stats"

urlpatterns = [
    path("", views.overview, name="overview"),
]
