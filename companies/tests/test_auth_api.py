import pytest
from rest_framework_simplejwt.tokens import AccessToken

from companies.services import LOGIN_FAILURE_LIMIT
from ozgecontract.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_owner_gets_tokens_that_open_the_api(anonymous, owner):
    response = anonymous.post(
        "/auth/token", {"email": owner.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}
    assert AccessToken(response.json()["access"])["user_id"] == str(owner.pk)
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert anonymous.get(f"/companies/{owner.company_id}").status_code == 200


def test_login_ignores_the_case_of_the_email(anonymous, owner):
    response = anonymous.post(
        "/auth/token",
        {"email": "OWNER@Example.KZ", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 200


def test_login_accepts_a_trailing_slash(anonymous, owner):
    response = anonymous.post(
        "/auth/token/", {"email": owner.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


def test_wrong_password_is_401_in_the_error_shape(anonymous, owner):
    response = anonymous.post(
        "/auth/token", {"email": owner.email, "password": "wrong"}, format="json"
    )

    assert response.status_code == 401
    assert response.json() == {
        "detail": "No active account found with the given credentials",
        "code": "no_active_account",
    }


def test_unknown_email_is_401(anonymous, db):
    response = anonymous.post(
        "/auth/token",
        {"email": "nobody@example.kz", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 401


def test_inactive_user_cannot_log_in(anonymous, company):
    user = UserFactory(company=company, is_active=False, email="gone@example.kz")

    response = anonymous.post(
        "/auth/token", {"email": user.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 401


def test_missing_fields_are_400_with_fields(anonymous, db):
    response = anonymous.post("/auth/token", {}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"email", "password"}


def test_wrong_types_are_400(anonymous, db):
    response = anonymous.post(
        "/auth/token", {"email": 12, "password": ["x"]}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"email", "password"}


def test_malformed_json_is_400(anonymous, db):
    response = anonymous.post(
        "/auth/token", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_repeated_failures_lock_the_login_with_retry_after(anonymous, owner):
    for _ in range(LOGIN_FAILURE_LIMIT):
        anonymous.post(
            "/auth/token", {"email": owner.email, "password": "nope"}, format="json"
        )

    response = anonymous.post(
        "/auth/token", {"email": owner.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert 0 < int(response["Retry-After"]) <= 15 * 60


def test_a_success_clears_earlier_failures(anonymous, owner):
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        anonymous.post(
            "/auth/token", {"email": owner.email, "password": "nope"}, format="json"
        )
    anonymous.post(
        "/auth/token", {"email": owner.email, "password": PASSWORD}, format="json"
    )

    anonymous.post(
        "/auth/token", {"email": owner.email, "password": "nope"}, format="json"
    )
    response = anonymous.post(
        "/auth/token", {"email": owner.email, "password": PASSWORD}, format="json"
    )

    assert response.status_code == 200


def test_failed_login_is_logged_without_the_password(anonymous, owner, caplog):
    with caplog.at_level("WARNING", logger="ozgecontract.security"):
        anonymous.post(
            "/auth/token",
            {"email": owner.email, "password": "Secret-Guess-1"},
            format="json",
        )

    assert "login failed" in caplog.text
    assert "Secret-Guess-1" not in caplog.text


def test_refresh_gives_a_new_access_token(anonymous, owner):
    tokens = anonymous.post(
        "/auth/token", {"email": owner.email, "password": PASSWORD}, format="json"
    ).json()

    response = anonymous.post(
        "/auth/token/refresh", {"refresh": tokens["refresh"]}, format="json"
    )

    assert response.status_code == 200
    assert AccessToken(response.json()["access"])["user_id"] == str(owner.pk)


def test_refresh_with_a_bad_token_is_401(anonymous, db):
    response = anonymous.post(
        "/auth/token/refresh", {"refresh": "not-a-token"}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_bad_bearer_token_is_401(anonymous, db):
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer garbage")

    response = anonymous.get("/companies")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
