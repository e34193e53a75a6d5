"""API shapes for contracts and contract fields (the document's, plus a few)."""

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings

from contracts.links import signing_url
from contracts.models import Contract, ContractField
from ozgecontract.serializers import UTCDateTimeField, UTCModelSerializer


class ContractSerializer(UTCModelSerializer):
    company_id = serializers.IntegerField(read_only=True)
    template_id = serializers.IntegerField(read_only=True)
    contract_token = serializers.UUIDField(read_only=True)
    generated_pdf_path = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        source="current_status",
        choices=Contract.Status.choices,
        read_only=True,
        help_text="A pending contract past its deadline shows as expired.",
    )
    signing_url = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "company_id",
            "template_id",
            "contract_token",
            "generated_pdf_path",
            "client_filled",
            "created_at",
            "status",
            "number",
            "document_sha256",
            "signing_url",
        ]
        read_only_fields = fields

    def get_signing_url(self, contract) -> str:
        return signing_url(contract)


# The columns `contract_rows` reads, in its order.
CONTRACT_ROW_COLUMNS = (
    "id",
    "company_id",
    "template_id",
    "contract_token",
    "generated_pdf",
    "client_filled",
    "created_at",
    "status",
    "expires_at",
    "number",
    "document_sha256",
)
# Any UUID gives the same link around it: its characters need no quoting.
_LINK_PLACEHOLDER = str(uuid.UUID(int=0))


def contract_rows(rows: Iterable[tuple], *, now: datetime | None = None) -> list[dict]:
    """Shape `CONTRACT_ROW_COLUMNS` tuples exactly as `ContractSerializer` does.

    A list of contracts spends most of its time in DRF's per-row field
    objects and model instances; plain rows give the same JSON several times
    faster. `contracts/tests/test_contract_rows.py` holds the two equal.
    """
    now = now or timezone.now()
    link_start, link_end = reverse(
        "signatures:signing-entry", args=[_LINK_PLACEHOLDER]
    ).split(_LINK_PLACEHOLDER)
    link_start = f"{settings.SITE_URL}{link_start}"
    time_format = api_settings.DATETIME_FORMAT
    pending, expired = Contract.Status.PENDING, Contract.Status.EXPIRED
    answer = []
    for (
        pk,
        company_id,
        template_id,
        token,
        pdf,
        client_filled,
        created_at,
        status,
        expires_at,
        number,
        document_sha256,
    ) in rows:
        if status == pending and expires_at is not None and expires_at <= now:
            status = expired
        token = str(token)
        answer.append(
            {
                "id": pk,
                "company_id": company_id,
                "template_id": template_id,
                "contract_token": token,
                "generated_pdf_path": pdf or "",
                "client_filled": client_filled,
                "created_at": created_at.astimezone(UTC).strftime(time_format),
                "status": status,
                "number": number,
                "document_sha256": document_sha256,
                "signing_url": f"{link_start}{token}{link_end}",
            }
        )
    return answer


class ContractCreateSerializer(serializers.Serializer):
    company_id = serializers.IntegerField(required=False, allow_null=True)
    template_id = serializers.IntegerField()
    number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Left out: the next number of the company, e.g. OC-2026-000123.",
    )
    fields = serializers.DictField(
        child=serializers.CharField(),
        required=False,
        help_text='Field types by placeholder, e.g. {"summ": "number"}; '
        "a placeholder not named is text.",
    )
    values = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        required=False,
        help_text="Field values by placeholder, checked by type.",
    )
    expires_at = UTCDateTimeField(required=False, allow_null=True)
    generated_pdf_path = serializers.CharField(required=False, allow_blank=True)
    client_filled = serializers.BooleanField(required=False, default=False)


class ContractUpdateSerializer(serializers.Serializer):
    number = serializers.CharField(required=False, max_length=64)
    client_filled = serializers.BooleanField(required=False)
    generated_pdf_path = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The PDF of a contract of the same company.",
    )
    expires_at = UTCDateTimeField(required=False, allow_null=True)


class ContractFieldSerializer(UTCModelSerializer):
    contract_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ContractField
        fields = [
            "id",
            "contract_id",
            "field_name",
            "field_type",
            "label",
            "required",
            "value",
        ]
        read_only_fields = fields


class ContractFieldCreateSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField()
    field_name = serializers.CharField(trim_whitespace=False)
    field_type = serializers.CharField(default=ContractField.FieldType.TEXT)
    label = serializers.CharField(required=False, allow_blank=True, default="")
    required = serializers.BooleanField(required=False, default=False)
    value = serializers.JSONField(required=False, allow_null=True, default=None)


class FieldValuesSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text='Values by field name, e.g. {"client_name": "Иванов Иван"}.',
    )


class PublicFieldSerializer(UTCModelSerializer):
    class Meta:
        model = ContractField
        fields = ["field_name", "field_type", "label", "required", "value"]
        read_only_fields = fields


class PublicContractSerializer(UTCModelSerializer):
    """What the client holding the link needs, and nothing internal."""

    company_name = serializers.CharField(source="company.name", read_only=True)
    status = serializers.ChoiceField(
        source="current_status", choices=Contract.Status.choices, read_only=True
    )
    fields = PublicFieldSerializer(many=True, read_only=True)
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "number",
            "company_name",
            "status",
            "fields",
            "document_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_document_url(self, contract) -> str:
        path = reverse("contract-token-document", args=[contract.contract_token])
        return f"{settings.SITE_URL}{path}"


# The columns `public_contract_data` reads of each field, in its order.
PUBLIC_FIELD_COLUMNS = ("field_name", "field_type", "label", "required", "value")


def public_contract_data(contract: Contract, fields: Iterable[tuple]) -> dict:
    """Shape a contract and its `PUBLIC_FIELD_COLUMNS` rows as the public serializer.

    The same JSON as `PublicContractSerializer`, without a field object per
    value; `contracts/tests/test_contract_rows.py` holds the two equal.
    """
    path = reverse("contract-token-document", args=[contract.contract_token])
    return {
        "id": contract.pk,
        "number": contract.number,
        "company_name": contract.company.name,
        "status": contract.current_status,
        "fields": [
            dict(zip(PUBLIC_FIELD_COLUMNS, field, strict=True)) for field in fields
        ],
        "document_url": f"{settings.SITE_URL}{path}",
        "created_at": contract.created_at.astimezone(UTC).strftime(
            api_settings.DATETIME_FORMAT
        ),
    }
