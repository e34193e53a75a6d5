import io

from django.core.management import call_command

from billing.models import CompanyBalance, TariffPlan
from companies.models import Company, User
from contracts.models import Contract


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
