"""What a benefits snapshot means for each level of care, as admissions reads it to a caller:
the in-network copay or coinsurance, the deductible and out-of-pocket left, and whether the
payer wants an authorization first. Pure: it reads a snapshot, nothing else.

A figure the payer did not return stays ``None`` and is shown as "not returned by payer",
never as $0: a caller told "no copay" who then owes one has been misled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from stepdown.coverage.benefits import (
    Accumulator,
    BenefitsSnapshot,
    CoverageStatus,
    Network,
    NetworkBenefits,
    ServiceBenefits,
)
from stepdown.coverage.rules import LEVEL_SERVICE_TYPES

NOT_RETURNED = "not returned by payer"
# Networks read in this order: a program in the plan's network bills in network; a benefit
# the payer tied to no network applies either way.
_NETWORKS = (Network.IN, Network.NOT_APPLICABLE, Network.UNSPECIFIED)


@dataclass(frozen=True)
class LevelBenefits:
    level: str
    service_type: str | None  # the code whose benefits these are; None if none returned
    status: CoverageStatus | None
    copay: str
    deductible_total: str
    deductible_remaining: str
    out_of_pocket_remaining: str
    authorization_required: bool | None
    carve_out: str | None

    @property
    def authorization(self) -> str:
        return {True: "required", False: "not required", None: NOT_RETURNED}[
            self.authorization_required
        ]


def money(value: Decimal | None) -> str:
    return NOT_RETURNED if value is None else f"${value:,.2f}"


def _first(service: ServiceBenefits, pick: str) -> object:
    for network in _NETWORKS:
        found: NetworkBenefits | None = service.network(network)
        value = getattr(found, pick, None) if found is not None else None
        if value is not None:
            return value
    return None


def _individual(accumulators: tuple[Accumulator, ...] | None) -> Accumulator | None:
    """The individual figure where the payer gave several coverage levels."""
    if not accumulators:
        return None
    return next((a for a in accumulators if a.coverage_level in (None, "IND")), accumulators[0])


def _copay(service: ServiceBenefits) -> str:
    copays = _first(service, "copays")
    if isinstance(copays, tuple) and copays and copays[0].amount is not None:
        return money(copays[0].amount)
    rates = _first(service, "coinsurance")
    if isinstance(rates, tuple) and rates and rates[0].rate is not None:
        return f"{_percent(rates[0].rate)}% coinsurance"
    return NOT_RETURNED


def _answered(snapshot: BenefitsSnapshot, level: str) -> ServiceBenefits | None:
    """The most specific service type the payer answered for: with a status, or carved out
    to another payer (a carve-out has no status of its own here)."""
    for code in LEVEL_SERVICE_TYPES[level]:
        service = snapshot.service(code)
        if service is not None and (service.status is not None or service.carve_outs):
            return service
    return None


def _accumulator(
    service: ServiceBenefits, plan: ServiceBenefits | None, pick: str
) -> Accumulator | None:
    """A deductible or out-of-pocket figure of the service, else of the plan as a whole
    (payers mostly report both at service type 30)."""
    for source in (service, plan):
        if source is None:
            continue
        found = _first(source, pick)
        individual = _individual(found if isinstance(found, tuple) else None)
        if individual is not None:
            return individual
    return None


def _percent(rate: Decimal) -> str:
    value = rate * 100
    return f"{int(value)}" if value == value.to_integral_value() else f"{value.normalize():f}"


def by_level(snapshot: BenefitsSnapshot) -> list[LevelBenefits]:
    """One line per level of care the program bills, from the most specific service type
    the payer answered for (``rules.LEVEL_SERVICE_TYPES``)."""
    lines = []
    for level in LEVEL_SERVICE_TYPES:
        service = _answered(snapshot, level)
        if service is None:
            lines.append(
                LevelBenefits(
                    level,
                    None,
                    None,
                    NOT_RETURNED,
                    NOT_RETURNED,
                    NOT_RETURNED,
                    NOT_RETURNED,
                    None,
                    None,
                )
            )
            continue
        plan = snapshot.service("30")
        deductible = _accumulator(service, plan, "deductibles")
        out_of_pocket = _accumulator(service, plan, "out_of_pocket")
        auth = _first(service, "authorization_required")
        carve = service.carve_outs[0] if service.carve_outs else None
        lines.append(
            LevelBenefits(
                level=level,
                service_type=service.code,
                status=service.status,
                copay=_copay(service),
                deductible_total=money(deductible.total if deductible else None),
                deductible_remaining=money(deductible.remaining if deductible else None),
                out_of_pocket_remaining=money(out_of_pocket.remaining if out_of_pocket else None),
                authorization_required=auth if isinstance(auth, bool) else None,
                carve_out=(
                    " ".join(x for x in (carve.name, carve.phone) if x) or carve.entity
                    if carve
                    else None
                ),
            )
        )
    return lines
