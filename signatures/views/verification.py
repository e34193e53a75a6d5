"""Public verification of signed PDFs: /verify/ (page) and POST /verify (API)."""

urlpatterns = []
