"""Drug-test orders, random draws, collections, per-analyte results and standing schedules.

A draw row is written in two steps. The commit step, before the day, stores the site, day,
rate and ``commitment`` = SHA-256 of a fresh random seed, with the seed itself only sealed
(see ``rules.seal``) so nobody reading the database can learn it in advance. The draw step,
on the day, reveals the seed and stores everything the selection was computed from, so
anyone can recompute it later (``rules.verify``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from stepdown.kit.orm import Base, IdMixin, TimestampMixin, UTCDateTime, str_enum


class OrderReason(StrEnum):
    ADMISSION = "admission"
    SCHEDULED = "scheduled"
    FOR_CAUSE = "for_cause"
    RANDOM = "random"
    # A definitive (laboratory) test of one analyte on the specimen of an earlier order.
    CONFIRMATION = "confirmation"


class OrderStatus(StrEnum):
    ORDERED = "ordered"
    COLLECTED = "collected"
    REFUSED = "refused"
    MISSED = "missed"
    # A confirmation order once its definitive result is in (it has no collection of its own).
    RESULTED = "resulted"


class SpecimenType(StrEnum):
    URINE = "urine"
    ORAL_FLUID = "oral_fluid"
    BREATH = "breath"


class Analyte(StrEnum):
    """The panel the program reports on; each value names a drug class or a single drug."""

    ALCOHOL = "alcohol"  # ethanol on breath, EtG/EtS in urine
    AMPHETAMINES = "amphetamines"
    BENZODIAZEPINES = "benzodiazepines"
    BUPRENORPHINE = "buprenorphine"
    COCAINE = "cocaine"
    FENTANYL = "fentanyl"
    METHADONE = "methadone"
    OPIATES = "opiates"
    OXYCODONE = "oxycodone"
    CANNABINOIDS = "cannabinoids"

    @property
    def label(self) -> str:
        return ANALYTE_LABELS[self]


ANALYTE_LABELS: dict[Analyte, str] = {
    Analyte.ALCOHOL: "Alcohol / EtG",
    Analyte.AMPHETAMINES: "Amphetamines",
    Analyte.BENZODIAZEPINES: "Benzodiazepines",
    Analyte.BUPRENORPHINE: "Buprenorphine",
    Analyte.COCAINE: "Cocaine",
    Analyte.FENTANYL: "Fentanyl",
    Analyte.METHADONE: "Methadone",
    Analyte.OPIATES: "Opiates",
    Analyte.OXYCODONE: "Oxycodone",
    Analyte.CANNABINOIDS: "Cannabinoids (THC)",
}


class Method(StrEnum):
    PRESUMPTIVE = "presumptive"  # point-of-care cup or immunoassay screen
    DEFINITIVE = "definitive"  # laboratory chromatography / mass spectrometry


class ResultValue(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    INVALID = "invalid"  # adulterated, dilute, unreadable: needs a new specimen


class Interpretation(StrEnum):
    """What a result means given the client's medications on the collection day."""

    EXPECTED_POSITIVE = "expected_positive"
    UNEXPECTED_POSITIVE = "unexpected_positive"
    NEGATIVE = "negative"
    EXPECTED_POSITIVE_MISSING = "expected_positive_missing"
    RECOLLECT = "recollect"


class RandomTestDraw(IdMixin, TimestampMixin, Base):
    """One site's random selection for one program day, committed before it and revealed on it."""

    __tablename__ = "random_test_draw"
    __table_args__ = (UniqueConstraint("site_id", "day"),)

    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("site.id", ondelete="RESTRICT"))
    day: Mapped[date]
    rate_per_week: Mapped[float]
    program_days: Mapped[int]
    commitment: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the seed
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sealed_seed: Mapped[bytes] = mapped_column(LargeBinary(32))
    seed: Mapped[str | None] = mapped_column(String(64))  # hex; None until revealed
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    probability: Mapped[float | None]
    eligible: Mapped[list[str] | None] = mapped_column(JSON)  # client ids, sorted
    selected: Mapped[list[str] | None] = mapped_column(JSON)  # client ids, sorted
    draw_hash: Mapped[str | None] = mapped_column(String(64))


class StandingTestSchedule(IdMixin, TimestampMixin, Base):
    """A client's weekly test day over a half-open period ``[starts_on, ends_on)``.

    Changing the day ends the open row and starts a new one, so the history of what was
    ordered and why stays readable.
    """

    __tablename__ = "standing_test_schedule"

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    weekday: Mapped[int]  # 0 = Monday, as date.weekday()
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class TestOrder(IdMixin, TimestampMixin, Base):
    """An order for one client to give a specimen; random ones point at their draw, standing
    ones at their schedule, confirmations at the order whose specimen they confirm."""

    __tablename__ = "test_order"
    __table_args__ = (
        UniqueConstraint("draw_id", "client_id"),
        UniqueConstraint("schedule_id", "ordered_on"),
        UniqueConstraint("confirms_order_id", "confirms_analyte"),
    )
    __test__ = False  # not a pytest test class, despite the name

    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[OrderReason] = mapped_column(str_enum(OrderReason, "test_order_reason"))
    ordered_on: Mapped[date]
    draw_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("random_test_draw.id", ondelete="RESTRICT")
    )
    ordered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, "test_order_status"))
    note: Mapped[str] = mapped_column(String(500), default="")  # the cause of a for-cause test
    schedule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("standing_test_schedule.id", ondelete="RESTRICT")
    )
    confirms_order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("test_order.id", ondelete="RESTRICT")
    )
    confirms_analyte: Mapped[Analyte | None] = mapped_column(str_enum(Analyte, "test_analyte"))
    # Who marked it refused or missed, when, and what they noted.
    status_note: Mapped[str] = mapped_column(String(500), default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class TestCollection(IdMixin, TimestampMixin, Base):
    """The specimen given for an order: at most one per order."""

    __tablename__ = "test_collection"
    __test__ = False

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("test_order.id", ondelete="RESTRICT"), unique=True
    )
    client_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("client.id", ondelete="RESTRICT"), index=True
    )
    specimen_type: Mapped[SpecimenType] = mapped_column(str_enum(SpecimenType, "specimen_type"))
    observed: Mapped[bool]
    collector_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    chain_of_custody_id: Mapped[str] = mapped_column(String(60), default="")
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class AnalyteResult(IdMixin, TimestampMixin, Base):
    """One analyte's result on one specimen by one method, interpreted when entered.

    The interpretation is stored as decided (with the medications that explained it), since
    it is what staff saw and acted on, e.g. the confirmation order it raised.
    """

    __tablename__ = "test_result"
    __table_args__ = (UniqueConstraint("collection_id", "analyte", "method"),)

    collection_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("test_collection.id", ondelete="RESTRICT"), index=True
    )
    analyte: Mapped[Analyte] = mapped_column(str_enum(Analyte, "test_analyte"))
    method: Mapped[Method] = mapped_column(str_enum(Method, "test_method"))
    result: Mapped[ResultValue] = mapped_column(str_enum(ResultValue, "test_result_value"))
    value: Mapped[float | None]
    cutoff: Mapped[float | None]
    unit: Mapped[str] = mapped_column(String(20), default="")
    interpretation: Mapped[Interpretation] = mapped_column(
        str_enum(Interpretation, "test_interpretation")
    )
    explained_by: Mapped[str] = mapped_column(Text, default="")  # medication names
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
