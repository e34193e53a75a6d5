"""Template pages, mounted at /dashboard/templates/."""

from django.urls import path

from templates_app import views

app_name = "templates_app"

urlpatterns = [
    path("", views.template_list, name="template-list"),
    path("upload/", views.template_upload, name="template-upload"),
    path("<int:template_id>/", views.template_detail, name="template-detail"),
    path("<int:template_id>/fields/", views.template_fields, name="template-fields"),
    path("<int:template_id>/rename/", views.template_rename, name="template-rename"),
    path("<int:template_id>/delete/", views.template_delete, name="template-delete"),
    path(
        "<int:template_id>/preview.pdf",
        views.template_preview,
        name="template-preview",
    ),
]
