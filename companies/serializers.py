"""API shapes for companies and login; the rules themselves live in services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

from companies.models import Company


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers, booleans and objects instead of coercing."""

    default_error_messages = {"not_a_string": _("Expected a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    default_error_messages = {"not_a_string": _("Expected a string.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class LoginSerializer(TokenObtainPairSerializer):
    """Exchange an email (any case) and a password for an access/refresh pair."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"] = StrictCharField(write_only=True, max_length=254)
        self.fields["password"] = StrictCharField(
            write_only=True, trim_whitespace=False, max_length=4096
        )


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "email", "phone"]
        read_only_fields = fields


class CompanyRegisterSerializer(serializers.Serializer):
    name = StrictCharField(max_length=255)
    email = StrictEmailField(max_length=254)
    phone = StrictCharField(max_length=32, help_text="Any KZ form; stored as E.164.")
    password = StrictCharField(write_only=True, trim_whitespace=False, max_length=128)
    bin = StrictCharField(
        required=False, allow_blank=True, max_length=12, help_text="Optional BIN."
    )


class CompanyUpdateSerializer(serializers.Serializer):
    """PUT needs name, email and phone; PATCH any of them; password is optional."""

    name = StrictCharField(max_length=255)
    email = StrictEmailField(max_length=254)
    phone = StrictCharField(max_length=32)
    password = StrictCharField(
        required=False, write_only=True, trim_whitespace=False, max_length=128
    )
    bin = StrictCharField(required=False, allow_blank=True, max_length=12)
