"""Authentication backend: email and password, and one query per request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import router

from companies.models import Company
from ozgecontract.prepared import PreparedRead, columns_of, instance_from

UserModel = get_user_model()

_USER_COLUMNS = columns_of(UserModel)
_user_with_company = PreparedRead(
    lambda pk: UserModel._default_manager.filter(pk=pk).values_list(
        *_USER_COLUMNS, *columns_of(Company, through="company")
    ),
    pk=(UserModel._meta.pk, -7_265_301),
)


class EmailBackend(ModelBackend):
    """Authenticate by email (the user model's USERNAME_FIELD) and password.

    The logged-in user is loaded with its company in one prepared query
    (`ozgecontract.prepared`): every dashboard page shows the company and
    scopes its reads by it.
    """

    def get_user(self, user_id):
        user = load_user_with_company(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def load_user_with_company(user_id) -> UserModel | None:
    """Return the user `user_id` with its company loaded (or None), as the ORM would."""
    using = router.db_for_read(UserModel)
    rows = _user_with_company.rows(using=using, pk=user_id)
    if not rows:
        return None
    user = instance_from(UserModel, rows[0][: len(_USER_COLUMNS)], using=using)
    company_values = rows[0][len(_USER_COLUMNS) :]
    if user.company_id is not None:
        user.company = instance_from(Company, company_values, using=using)
    return user
