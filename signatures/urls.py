from signatures.views import signing, verification

app_name = "signatures"

urlpatterns = [*signing.urlpatterns, *verification.urlpatterns]
