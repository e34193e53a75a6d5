"""Count the existing contracts and signatures into the new counters."""

from django.db import migrations

from stats.counting import recount


def backfill(apps, schema_editor):
    recount(
        contract_model=apps.get_model("contracts", "Contract"),
        signature_model=apps.get_model("signatures", "Signature"),
        counts_model=apps.get_model("stats", "CompanyContractCounts"),
        daily_model=apps.get_model("stats", "DailySignatureCount"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_counters"),
        ("contracts", "0003_document_sha256_index"),
        ("signatures", "0003_document_sha256_index"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
