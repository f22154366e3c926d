"""Organisations that apply (municipalities, region units, associations, companies)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from grants.db import Base, UTCDateTime, sql_in, utcnow
from grants.identifiers import normalise_organisation_number


class OrganisationKind(StrEnum):
    MUNICIPALITY = "municipality"
    REGION_UNIT = "region_unit"
    ASSOCIATION = "association"
    COMPANY = "company"

    @property
    def label(self) -> str:
        return {
            OrganisationKind.MUNICIPALITY: "Kommun",
            OrganisationKind.REGION_UNIT: "Regionens egen verksamhet",
            OrganisationKind.ASSOCIATION: "Förening eller annan organisation i civilsamhället",
            OrganisationKind.COMPANY: "Företag",
        }[self]


class Municipality(Base):
    """A municipality in Örebro län: reference data, seeded and editable (never hard-coded)."""

    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(sa.String(4), primary_key=True)
    """SCB's four-digit municipality code."""
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    active: Mapped[bool] = mapped_column(default=True)


class Organisation(Base):
    __tablename__ = "organisation"
    __table_args__ = (sa.CheckConstraint(f"kind IN ({sql_in(OrganisationKind)})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    org_number: Mapped[str] = mapped_column(sa.String(11), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    municipality_code: Mapped[str | None] = mapped_column(sa.ForeignKey("municipality.code"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    municipality: Mapped[Municipality | None] = relationship(lazy="joined")

    @validates("org_number")
    def _normalise(self, _key: str, value: str) -> str:
        return normalise_organisation_number(value)

    @property
    def kind_label(self) -> str:
        return OrganisationKind(self.kind).label

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.org_number} {self.name!r}>"
