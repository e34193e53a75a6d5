"""The original API document (`seed/ozgecontract-api.md`) as data for tests.

Its paths, methods and JSON shapes are a contract with integrators: the
conformance tests call each route, the schema tests look each up in the
OpenAPI schema. A shape lists the keys the document shows; responses may
carry more, never fewer.
"""

COMPANY = frozenset({"id", "name", "email", "phone"})
TEMPLATE = frozenset({"id", "company_id", "name", "file_path", "created_at"})
CONTRACT = frozenset(
    {
        "id",
        "company_id",
        "template_id",
        "contract_token",
        "generated_pdf_path",
        "client_filled",
        "created_at",
    }
)
SIGNATURE = frozenset(
    {
        "id",
        "contract_id",
        "client_name",
        "client_iin",
        "client_phone",
        "signed_at",
        "method",
    }
)
CONTRACT_FIELD = frozenset({"contract_id", "field_name", "field_type"})
BALANCE = frozenset({"company_id", "sms_signatures", "ecp_signatures"})
TARIFF_PLAN = frozenset(
    {"id", "name", "discount", "from_count", "to_count", "is_active"}
)
PAYMENT_REQUEST = frozenset(
    {
        "id",
        "company_id",
        "tariff_plan_id",
        "sms_count",
        "ecp_count",
        "total_amount",
        "status",
        "payment_url",
        "payment_ref",
        "paid_at",
    }
)
STATS = frozenset(
    {
        "company_id",
        "total_signed",
        "active_contracts",
        "signed_this_month",
        "last_signed_contracts",
    }
)
LAST_SIGNED = frozenset(
    {"contract_id", "client_name", "template_name", "signed_at", "status"}
)

# Every route of the document: (method, path) -> (answer shape, is a list).
# A shape of None means the document shows no body (deletes answer 204).
SEED_ROUTES = {
    ("POST", "/companies/register"): (COMPANY, False),
    ("GET", "/companies"): (COMPANY, True),
    ("GET", "/companies/id/{id}"): (COMPANY, False),
    ("GET", "/companies/phone/{phone}"): (COMPANY, False),
    ("PUT", "/companies/{id}"): (COMPANY, False),
    ("DELETE", "/companies/{id}"): (None, False),
    ("POST", "/templates/upload"): (TEMPLATE, False),
    ("GET", "/templates/{id}"): (TEMPLATE, False),
    ("GET", "/templates/company/{company_id}"): (TEMPLATE, True),
    ("PUT", "/templates/{id}"): (TEMPLATE, False),
    ("DELETE", "/templates/{id}"): (None, False),
    ("POST", "/contracts"): (CONTRACT, False),
    ("GET", "/contracts/{id}"): (CONTRACT, False),
    # The document implies the Contract shape here; the lead chose to show the
    # client holding the link only what it needs (see the conformance tests).
    ("GET", "/contracts/token/{token}"): (frozenset({"id", "created_at"}), False),
    ("GET", "/contracts/company/{company_id}"): (CONTRACT, True),
    ("PUT", "/contracts/{id}"): (CONTRACT, False),
    ("DELETE", "/contracts/{id}"): (None, False),
    ("POST", "/signatures"): (SIGNATURE, False),
    ("POST", "/signatures/sign"): (SIGNATURE, False),
    ("GET", "/signatures/{id}"): (SIGNATURE, False),
    ("GET", "/signatures/contract/{contract_id}"): (SIGNATURE, True),
    ("DELETE", "/signatures/{id}"): (None, False),
    ("POST", "/contract-fields"): (CONTRACT_FIELD, False),
    ("GET", "/contract-fields/{contract_id}"): (CONTRACT_FIELD, True),
    ("POST", "/company-balances"): (BALANCE, False),
    ("GET", "/company-balances/{company_id}"): (BALANCE, False),
    ("PUT", "/company-balances/{company_id}"): (BALANCE, False),
    ("DELETE", "/company-balances/{company_id}"): (None, False),
    ("POST", "/tariff-plans"): (TARIFF_PLAN, False),
    ("GET", "/tariff-plans"): (TARIFF_PLAN, True),
    ("GET", "/tariff-plans/{id}"): (TARIFF_PLAN, False),
    ("PUT", "/tariff-plans/{id}"): (TARIFF_PLAN, False),
    ("DELETE", "/tariff-plans/{id}"): (None, False),
    ("POST", "/payment_requests"): (PAYMENT_REQUEST, False),
    ("GET", "/payment_requests/{id}"): (PAYMENT_REQUEST, False),
    ("GET", "/payment_requests/company/{company_id}"): (PAYMENT_REQUEST, True),
    ("PUT", "/payment_requests/{id}"): (PAYMENT_REQUEST, False),
    ("DELETE", "/payment_requests/{id}"): (None, False),
    ("GET", "/stats/company/{company_id}"): (STATS, False),
}

# DESIGN.md §3: routes a real product needs beside the document's.
DESIGN_ROUTES = {
    ("POST", "/auth/token"),
    ("POST", "/auth/token/refresh"),
    ("POST", "/signatures/otp"),
    ("PUT", "/contract-fields/{contract_id}"),
    ("GET", "/contracts/{id}/document"),
    ("GET", "/signatures/{id}/certificate"),
    ("GET", "/signatures/{id}/document"),
}
