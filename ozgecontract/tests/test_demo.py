import io
import re

from django.core.management import call_command

from billing.models import CompanyBalance, TariffPlan
from companies.models import Company, User
from contracts.models import Contract
from ozgecontract.management.commands.demo import VALUES
from templates_app.models import Template


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def test_demo_is_idempotent_and_prints_the_login_and_link(db, settings):
    settings.SITE_URL = "http://localhost:4000"

    first = run_demo()
    second = run_demo()

    contract = Contract.objects.get()
    assert Company.objects.count() == 1
    assert User.objects.filter(is_staff=True).count() == 1
    assert TariffPlan.objects.count() == 3
    assert CompanyBalance.objects.get().sms_signatures == 20
    for output in (first, second):
        assert "demo@ozgecontract.kz / Demo-Passw0rd!" in output
        assert str(contract.contract_token) in output
        assert f"http://localhost:4000/sign/{contract.contract_token}/" in output
    assert contract.status == "pending"
    assert contract.document_sha256
    labelled = contract.fields.get(field_name="company_work")
    assert (labelled.label, labelled.required) == ("Наименование подрядчика", True)
    assert contract.fields.get(field_name="summ").value == "1 500 000"


def test_every_field_of_the_demo_contract_has_a_russian_label(db):
    run_demo()
    contract = Contract.objects.get()

    labels = dict(contract.fields.values_list("field_name", "label"))
    settings = contract.template.field_settings

    assert set(labels) == set(contract.template.fields)
    assert all(settings[name]["label"] for name in contract.template.fields)
    assert all(re.search("[А-Яа-яЁё]", label) for label in labels.values())
    assert labels["summ"] == "Цена договора, тенге"
    assert labels["nds"] == "НДС"
    assert labels["work"] == "Работы по договору"


def test_a_second_run_duplicates_no_template_or_field(db):
    run_demo()
    contract = Contract.objects.get()
    fields = list(contract.fields.values_list("pk", "field_name", "label"))
    settings = contract.template.field_settings

    run_demo()

    assert Template.objects.count() == 1
    assert Contract.objects.get() == contract
    assert list(contract.fields.values_list("pk", "field_name", "label")) == fields
    assert Template.objects.get().field_settings == settings


def test_a_demo_loaded_before_the_labels_gets_them_and_keeps_the_companys(db):
    run_demo()
    contract = Contract.objects.get()
    template = contract.template
    # As an earlier demo left it: company fields unlabelled, one label edited.
    old = {k: v for k, v in template.field_settings.items() if k not in VALUES}
    old["company_work"] = {**old["company_work"], "label": "Подрядчик (ТОО/ИП)"}
    Template.objects.filter(pk=template.pk).update(field_settings=old)
    contract.fields.filter(field_name__in=VALUES).update(label="")
    contract.fields.filter(field_name="company_work").update(label="Подрядчик")

    run_demo()

    template.refresh_from_db()
    assert template.field_settings["summ"]["label"] == "Цена договора, тенге"
    assert template.field_settings["company_work"]["label"] == "Подрядчик (ТОО/ИП)"
    labels = dict(contract.fields.values_list("field_name", "label"))
    assert labels["summ"] == "Цена договора, тенге"
    assert labels["company_work"] == "Подрядчик"


def test_after_the_demo_contract_is_signed_a_new_one_from_the_demo_template_is_shown(
    db,
):
    from ozgecontract.tests.factories import ContractFactory

    run_demo()
    demo = Contract.objects.get()
    Contract.objects.filter(pk=demo.pk).update(status=Contract.Status.SIGNED)
    # A contract the company made from another template, as the walk-through does.
    other = ContractFactory(company=demo.company)

    output = run_demo()

    shown = Contract.objects.exclude(pk__in=[demo.pk, other.pk]).get()
    assert shown.template_id == demo.template_id
    assert str(shown.contract_token) in output
    assert str(other.contract_token) not in output
