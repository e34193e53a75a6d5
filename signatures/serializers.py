"""JSON shapes of the signatures API (the seed's Signature, plus file URLs)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ozgecontract.serializers import UTCDateTimeField, UTCModelSerializer
from ozgecontract.validators import normalize_phone, validate_iin
from signatures.models import Signature
from signatures.services import CODE_DIGITS, normalize_method

# A detached CMS over a PDF holds certificates and a signature, not the PDF:
# a few kilobytes, so one megabyte of base64 is plenty.
CMS_MAX_LENGTH = 1_000_000


def _django_errors(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(next(iter(exc.message_dict.values())))
    return serializers.ValidationError(exc.messages)


class MethodField(serializers.CharField):
    """`sms` or `ecp`; the seed's spelling `esp` is read as `ecp`."""

    def to_internal_value(self, data):
        try:
            return normalize_method(super().to_internal_value(data))
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc


class IinField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 12)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            validate_iin(value)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc
        return value


class MobilePhoneField(serializers.CharField):
    """A Kazakhstan mobile number in any usual spelling; stored as E.164."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            return normalize_phone(value, mobile_only=True)
        except DjangoValidationError as exc:
            raise _django_errors(exc) from exc


class SignatureSerializer(UTCModelSerializer):
    """The seed's Signature; the file URLs are null until the contract is signed.

    A public caller (by contract token) gets the token URLs it may open;
    company callers get `/signatures/{id}/...`.
    """

    contract_id = serializers.IntegerField(read_only=True)
    certificate_url = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Signature
        fields = [
            "id",
            "contract_id",
            "client_name",
            "client_iin",
            "client_phone",
            "signed_at",
            "method",
            "certificate_url",
            "document_url",
        ]
        read_only_fields = fields

    def _url(self, signature, *, by_id: str, public_name: str) -> str | None:
        if not signature.is_signed:
            return None
        if self.context.get("public"):
            path = reverse(
                public_name, kwargs={"token": signature.contract.contract_token}
            )
        else:
            path = reverse(by_id, kwargs={"pk": signature.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_certificate_url(self, signature) -> str | None:
        return self._url(
            signature,
            by_id="signature-certificate",
            public_name="contract-token-certificate",
        )

    def get_document_url(self, signature) -> str | None:
        return self._url(
            signature,
            by_id="signature-document",
            public_name="contract-token-signed-document",
        )


class ExpectedSignerSerializer(serializers.Serializer):
    """Who is to sign a contract, recorded by the company before signing."""

    contract_id = serializers.IntegerField(min_value=1)
    client_name = serializers.CharField(max_length=255)
    client_iin = IinField()
    client_phone = MobilePhoneField()
    method = MethodField(help_text="sms or ecp (esp is read as ecp)")


class ContractRefSerializer(serializers.Serializer):
    """Names the contract: by its signing token (anyone) or id (company staff)."""

    contract_token = serializers.UUIDField(required=False)
    contract_id = serializers.IntegerField(min_value=1, required=False)

    def validate(self, attrs):
        if ("contract_token" in attrs) == ("contract_id" in attrs):
            raise serializers.ValidationError(
                {"contract_token": ["Send either contract_token or contract_id."]}
            )
        return attrs


class SigningCodeRequestSerializer(ContractRefSerializer):
    client_phone = MobilePhoneField()


class SigningCodeSentSerializer(serializers.Serializer):
    expires_at = UTCDateTimeField()
    resend_after = serializers.IntegerField(
        help_text="Seconds to wait before another code may be requested."
    )
    client_phone = serializers.CharField(help_text="The number, partly hidden.")


class SignSerializer(ContractRefSerializer):
    """The seed's sign body plus the contract reference and the proof."""

    company_id = serializers.IntegerField(min_value=1, required=False)
    client_name = serializers.CharField(max_length=255)
    client_iin = IinField()
    client_phone = MobilePhoneField()
    method = MethodField(help_text="sms or ecp (esp is read as ecp)")
    otp_code = serializers.RegexField(
        rf"^\d{{{CODE_DIGITS}}}$",
        required=False,
        help_text="The 6-digit code sent by SMS (method sms).",
        error_messages={"invalid": _("Enter the 6-digit code sent by SMS.")},
    )
    cms = serializers.CharField(
        required=False,
        max_length=CMS_MAX_LENGTH,
        trim_whitespace=True,
        help_text="Detached CMS signature of the contract PDF, base64 (method ecp).",
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if attrs["method"] == Signature.Method.SMS and not attrs.get("otp_code"):
            raise serializers.ValidationError(
                {"otp_code": [_("Enter the code sent by SMS.")]}
            )
        if attrs["method"] == Signature.Method.ECP and not attrs.get("cms"):
            raise serializers.ValidationError(
                {"cms": [_("Attach the CMS signature (base64).")]}
            )
        return attrs
