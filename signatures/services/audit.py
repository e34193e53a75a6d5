"""The contract's audit trail: each step with time, IP and device."""

from contracts.models import Contract
from signatures.models import AuditEvent, Signature


def record_audit_event(
    *,
    contract: Contract,
    kind: str,
    ip: str | None = None,
    user_agent: str = "",
    signature: Signature | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event to the contract's audit trail (shown on the certificate)."""
    return AuditEvent.objects.create(
        contract=contract,
        kind=kind,
        ip_address=ip or None,
        user_agent=(user_agent or "")[:512],
        signature=signature,
        detail=detail or {},
    )
