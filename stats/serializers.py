"""JSON shape of the company statistics, exactly as the API document shows it."""

from rest_framework import serializers

from ozgecontract.serializers import UTCDateTimeField


class LastSignedContractSerializer(serializers.Serializer):
    contract_id = serializers.IntegerField()
    client_name = serializers.CharField()
    template_name = serializers.CharField()
    signed_at = UTCDateTimeField()
    status = serializers.CharField(help_text='Always "Подписан".')


class CompanyStatsSerializer(serializers.Serializer):
    company_id = serializers.IntegerField()
    total_signed = serializers.IntegerField()
    active_contracts = serializers.IntegerField(
        help_text="Contracts awaiting a signature and not past their deadline."
    )
    signed_this_month = serializers.IntegerField(
        help_text="Signed in the current calendar month, Asia/Almaty time."
    )
    last_signed_contracts = LastSignedContractSerializer(many=True)
