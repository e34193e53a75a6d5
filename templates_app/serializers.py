"""API shapes for templates, as in the API document plus the placeholders found."""

from rest_framework import serializers

from ozgecontract.serializers import UTCDateTimeField


class TemplateSerializer(serializers.Serializer):
    """{"id","company_id","name","file_path","created_at","fields"}."""

    id = serializers.IntegerField(read_only=True)
    company_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    file_path = serializers.CharField(read_only=True)
    created_at = UTCDateTimeField(read_only=True)
    fields = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Placeholders found in the DOCX, in document order.",
    )


class TemplateUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A .docx of at most 10 MB.")
    name = serializers.CharField(max_length=255)
    company_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Your own company (may be left out); admins must give it.",
    )


class TemplateUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False)
    file_path = serializers.CharField(
        max_length=255,
        required=False,
        help_text="The file of another template of the same company.",
    )
