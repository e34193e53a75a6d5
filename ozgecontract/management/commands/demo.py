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
        template = company.templates.filter(name="Договор подряда (демо)").first()
        if template is not None:
            return template
        owner = company.users.filter(role=User.Role.OWNER).first()
        upload = ContentFile(SAMPLE.read_bytes(), name=SAMPLE.name)
        template = upload_template(
            company=company, name="Договор подряда (демо)", file=upload, user=owner
        )
        settings_by_name = {
            name: {"label": label, "type": kind, "required": required}
            for name, (label, kind, required) in CLIENT_FIELDS.items()
            if name in template.fields
        }
        save_field_settings(template=template, settings=settings_by_name, user=owner)
        template.refresh_from_db()
        return template

    def _contract(self, company: Company, template: Template) -> Contract:
        contract = (
            company.contracts.filter(status=Contract.Status.PENDING)
            .order_by("id")
            .first()
        )
        if contract is not None:
            return contract
        owner = company.users.filter(role=User.Role.OWNER).first()
        values = {k: v for k, v in VALUES.items() if k in template.fields}
        return create_contract(
            company=company, template=template, user=owner, values=values
        )

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
