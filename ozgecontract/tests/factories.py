"""factory_boy factories shared by every app's tests."""

import factory
from django.core.files.base import ContentFile

from billing.models import CompanyBalance, TariffPlan
from companies.models import Company, User
from contracts.models import Contract, ContractField, refresh_signers
from signatures.models import Signature
from templates_app.models import Template

SAMPLE_DOCX = "templates_app/samples/repair-works-contract.docx"
PASSWORD = "Str0ng-Passw0rd!"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"ТОО Компания {n}")
    email = factory.Sequence(lambda n: f"company{n}@example.kz")
    phone = factory.Sequence(lambda n: f"+7701{n:07d}")

    @factory.post_generation
    def balance(obj, create, extracted, **kwargs):
        # Registration always creates a zero balance; factories do the same.
        if create:
            CompanyBalance.objects.create(company=obj, **(kwargs or {}))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.kz")
    company = factory.SubFactory(CompanyFactory)
    role = User.Role.OWNER

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Договор подряда {n}")
    file = factory.LazyFunction(
        lambda: ContentFile(open(SAMPLE_DOCX, "rb").read(), name="sample.docx")  # noqa: SIM115
    )
    fields = factory.LazyFunction(lambda: ["work", "summ"])


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    company = factory.SubFactory(CompanyFactory)
    template = factory.SubFactory(
        TemplateFactory, company=factory.SelfAttribute("..company")
    )
    number = factory.Sequence(lambda n: f"OC-{n:05d}")


class ContractFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractField

    contract = factory.SubFactory(ContractFactory)
    field_name = factory.Sequence(lambda n: f"field_{n}")
    field_type = ContractField.FieldType.TEXT


class SignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Signature

    contract = factory.SubFactory(ContractFactory)
    client_name = "Иванов Иван"
    client_iin = "850615300129"
    client_phone = "+77011234567"
    method = Signature.Method.SMS

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The signature services keep the contract's signer columns in step;
        # a factory writes around them, so it refreshes them itself.
        signature = super()._create(model_class, *args, **kwargs)
        refresh_signers(contract_ids=[signature.contract_id])
        return signature


class TariffPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TariffPlan

    name = factory.Sequence(lambda n: f"Тариф {n}")
    discount = 10
    from_count = factory.Sequence(lambda n: n * 1000 + 1)
    to_count = factory.LazyAttribute(lambda o: o.from_count + 499)
