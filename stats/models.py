"""Counters behind the statistics, kept in the transaction of each state change.

Counting 10,000 contracts on every dashboard visit costs more than the whole
page; the services that create, cancel, delete and sign contracts add to
these rows instead (`stats.services`), and the statistics read a few rows.
"""

from django.db import models


class CompanyContractCounts(models.Model):
    """A company's signed contracts and its pending ones, with or without deadline.

    Whether a pending contract with a deadline is still active depends on
    the time of reading, so only how many there are is counted here.
    """

    company = models.OneToOneField(
        "companies.Company",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    signed = models.IntegerField(db_default=0)
    pending_open = models.IntegerField(
        db_default=0, help_text="Pending contracts without a deadline."
    )
    pending_dated = models.IntegerField(
        db_default=0, help_text="Pending contracts with a deadline, past or not."
    )

    class Meta:
        verbose_name_plural = "company contract counts"

    def __str__(self):
        return f"contract counts of company {self.company_id}"


class DailySignatureCount(models.Model):
    """Completed signatures of a company per Asia/Almaty day and method."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(help_text="The Asia/Almaty calendar day.")
    method = models.CharField(max_length=8)
    count = models.IntegerField(db_default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "day", "method"],
                name="daily_signature_count_unique",
            ),
        ]

    def __str__(self):
        return f"{self.company_id} {self.day} {self.method}: {self.count}"
