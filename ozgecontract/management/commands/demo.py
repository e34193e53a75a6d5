"""Load the demo: a company with a login and balance, tariff plans, the sample
template and a pending contract with its signing link. Safe to run again: what
exists is reused, and the login, token and link are printed each time.
"""

import logging
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction

from billing.models import TariffPlan
from billing.services import set_balance
from companies.models import Company, User
from companies.services import register_company
from contracts.models import Contract
from contracts.services import create_contract, ensure_contract_document
from templates_app.fields import save_field_settings
from templates_app.models import Template
from templates_app.services import upload_template

logger = logging.getLogger(__name__)

SAMPLE = Path(
    settings.BASE_DIR, "templates_app", "samples", "repair-works-contract.docx"
)
COMPANY = {
    "name": "ТОО «Демо Ремонт»",
    "email": "demo@ozgecontract.kz",
    "phone": "+77010000001",
    "password": "Demo-Passw0rd!",
    "bin": "940140000385",
}
ADMIN = {"email": "admin@ozgecontract.kz", "password": "Admin-Passw0rd!"}
TARIFFS = [
    ("Старт", Decimal("0"), 1, 49),
    ("Базовый", Decimal("10"), 50, 199),
    ("Бизнес", Decimal("15"), 200, 1000),
]
# Values the company fills in ahead of time; the client fills the rest.
VALUES = {
    "work": "ремонт офисного помещения",
    "work_name": "Ремонтные работы",
    "summ": "1 500 000",
    "nds": "без НДС",
    "ist_fin": "собственные средства",
}


# Every placeholder of the sample has a Russian label, (label, type, required):
# a field without one is shown by its name ("Summ", "Nds"), which a Russian or
# Kazakh client cannot read. These are the company's, filled from VALUES.
COMPANY_FIELDS = {
    "work": ("Работы по договору", "text", False),
    "work_name": ("Наименование работ", "text", False),
    "summ": ("Цена договора, тенге", "text", False),
    "nds": ("НДС", "text", False),
    "ist_fin": ("Источник финансирования", "text", False),
}
# The sample's contractor («Подрядчик») is the client: these are the fields the
# client fills on the signing page, with the labels and rules it is shown.
CLIENT_FIELDS = {
    "company_work": ("Наименование подрядчика", "text", True),
    "company_work_schief": ("Руководитель подрядчика (ФИО, должность)", "text", True),
    "company_work_schief_sm": (
        "Подпись: фамилия и инициалы руководителя",
        "text",
        True,
    ),
    "company_work_ua": ("Юридический адрес", "text", True),
    "company_work_fa": ("Фактический адрес", "text", False),
    "company_work_phone": ("Телефон подрядчика", "phone", True),
    "company_work_mail": ("Электронная почта", "email", True),
    "company_work_inn": ("БИН/ИИН подрядчика", "iin", True),
    "company_work_kpp": ("КПП (если есть)", "text", False),
    "company_work_ogrn": ("ОГРН (если есть)", "text", False),
    "company_work_okpo": ("ОКПО (если есть)", "text", False),
    "company_work_bank": ("Банк", "text", True),
    "company_work_bik": ("БИК банка", "text", True),
    "company_work_rs": ("Расчётный счёт (IBAN)", "text", True),
    "company_work_ks": ("Корреспондентский счёт", "text", False),
}
FIELDS = {**COMPANY_FIELDS, **CLIENT_FIELDS}
TEMPLATE_NAME = "Договор подряда (демо)"


class Command(BaseCommand):
    help = "Load idempotent demo data and print the demo login and signing link."

    def handle(self, *args, **options):
        with transaction.atomic():
            admin = self._admin()
            company, created = self._company()
            if created:
                set_balance(
                    company_id=company.pk,
                    sms_signatures=20,
                    ecp_signatures=20,
                    user=admin,
                    note="demo",
                )
            self._tariffs()
            template = self._template(company)
            contract = self._contract(company, template)
        ensure_contract_document(contract=contract)
        self._print(contract)

    def _admin(self) -> User:
        admin = User.objects.filter(email__iexact=ADMIN["email"]).first()
        if admin is None:
            admin = User.objects.create_superuser(ADMIN["email"], ADMIN["password"])
        return admin

    def _company(self) -> tuple[Company, bool]:
        company = Company.objects.filter(email__iexact=COMPANY["email"]).first()
        if company is not None:
            return company, False
        return register_company(**COMPANY), True

    def _tariffs(self) -> None:
        if TariffPlan.objects.exists():
            return
        for name, discount, low, high in TARIFFS:
            TariffPlan.objects.create(
                name=name, discount=discount, from_count=low, to_count=high
            )

    def _template(self, company: Company) -> Template:
        owner = company.users.filter(role=User.Role.OWNER).first()
        template = company.templates.filter(name=TEMPLATE_NAME).first()
        if template is None:
            upload = ContentFile(SAMPLE.read_bytes(), name=SAMPLE.name)
            template = upload_template(
                company=company, name=TEMPLATE_NAME, file=upload, user=owner
            )
        self._label_template_fields(template, owner)
        return template

    def _label_template_fields(self, template: Template, owner: User) -> None:
        """Label each sample field still without a label.

        A demo loaded by an earlier version lacks some labels; what the company
        has since set (a label, a type) is kept.
        """
        saved = template.field_settings or {}
        missing = {
            name: {
                "type": kind,
                "required": required,
                **(saved.get(name) or {}),
                "label": label,
            }
            for name, (label, kind, required) in FIELDS.items()
            if name in template.fields and not (saved.get(name) or {}).get("label")
        }
        if not missing:
            return
        save_field_settings(template=template, settings=missing, user=owner)
        template.refresh_from_db()

    def _contract(self, company: Company, template: Template) -> Contract:
        # The demo template's own pending contract: once it is signed (the
        # README's walk-through signs it), a new one is made, never a contract
        # the company made from another template.
        contract = (
            company.contracts.filter(status=Contract.Status.PENDING, template=template)
            .order_by("id")
            .first()
        )
        if contract is not None:
            self._label_contract_fields(contract)
            return contract
        owner = company.users.filter(role=User.Role.OWNER).first()
        values = {k: v for k, v in VALUES.items() if k in template.fields}
        return create_contract(
            company=company, template=template, user=owner, values=values
        )

    def _label_contract_fields(self, contract: Contract) -> None:
        """Label the demo contract's fields made before their labels existed."""
        for field in contract.fields.filter(label="", field_name__in=FIELDS):
            field.label = FIELDS[field.field_name][0]
            field.save(update_fields=["label"])

    def _print(self, contract: Contract) -> None:
        link = f"{settings.SITE_URL}/sign/{contract.contract_token}/"
        lines = [
            "",
            "OzgeContract demo is ready.",
            f"  Dashboard login:  {COMPANY['email']} / {COMPANY['password']}",
            f"  Platform admin:   {ADMIN['email']} / {ADMIN['password']}  (/admin/)",
            f"  Contract:         #{contract.pk} {contract.number}",
            f"  Contract token:   {contract.contract_token}",
            f"  Signing link:     {link}",
            f"  SMS backend:      {settings.SMS_BACKEND} (codes appear in the log"
            " with 'console', as JSON files in SMS_FILE_PATH with 'file')",
            "",
        ]
        self.stdout.write("\n".join(lines))
