"""The client's signing page, /sign/<token>/."""

urlpatterns = []
