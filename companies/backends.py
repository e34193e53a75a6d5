"""Authentication backend: email and password, and one query per request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

UserModel = get_user_model()


class EmailBackend(ModelBackend):
    """Authenticate by email (the user model's USERNAME_FIELD) and password.

    The logged-in user is loaded with its company in one query: every
    dashboard page shows the company and scopes its reads by it.
    """

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("company").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
