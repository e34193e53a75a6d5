app_name = "signatures"

urlpatterns = []
