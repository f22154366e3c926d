"""The granted pilots as a 360Giving Data Standard package (``/api/v1/360giving.json``).

360Giving is a UK standard for publishing grants as open data (a JSON package
``{"grants": [...]}``, schema version 1.4). This module turns the register's public record of
each pilot (:class:`grants.register.PublicPilot`, nothing else) into 360Giving grants, so the
export can never say more than the register does: no contact persons, e-mail addresses, phone
numbers, street addresses, reviewers or scores, because the register holds none of them.

How a Swedish fund fits a UK standard — the choices, each kept in one constant:

- **Grant ids** are ``<prefix>-<case reference>``: 360Giving asks every publisher to put its own
  prefix before its internal ids, and issues that prefix (``360G-…``) when the publisher
  registers. ``GRANT_ID_PREFIX`` is our placeholder (``360G-regionorebrolan-PF-2025-0007``):
  replace it by the prefix 360Giving issues to Region Örebro län *before* the file is first
  published — a published id must never change afterwards.
- **Organisation ids** follow org-id.guide: list code + the organisation's number in that list.
  Org-id.guide's list for the Swedish organisationsnummer (whoever issued it: Bolagsverket, the
  Tax Agency for associations, SCB for municipalities and regions) is ``SE-ON``; the older code
  ``SE-BLV`` (Bolagsverket) is deprecated there and listed as a former prefix of ``SE-ON``. The
  list's guidance and examples write the number as ``000000-0000`` (``SE-ON-556091-2148``), which
  is also how the register stores it, so the id is ``SE-ON-`` + the number as it is.
- **The funder** is Region Örebro län, organisationsnummer 232100-0164.
- **amountAwarded** is the pilot's granted total as the register shows it (the amounts of the
  decision in force: an approved amendment replaces the original), in whole kronor, currency SEK;
  the same figure as ``granted_total`` in ``/api/v1/pilots`` and in the CSV.
- **awardDate** is the day of the grant decision (the first one, not a later amendment);
  **plannedDates** the project period of the decision in force.
- **beneficiaryLocation** lists the pilot's municipalities with SCB's four-digit municipality
  code. 360Giving's ``geoCodeType`` codelist only names UK (ONS) geographies, so the type is our
  own self-describing ``GEO_CODE_TYPE``; ``countryCode`` is ``SE``.
- **classifications** carry the focus areas (insatsområden) under our own vocabulary name;
  **grantProgramme** names the fund; **fromOpenCall** is "Yes" (anyone eligible may apply).
- **url** is the pilot's public page, **dataSource** its record in this API, **dateModified**
  the last change of the pilot's record.
- The package also names its publisher, schema version and download address. An empty fund gives
  ``{"grants": []}`` (360Giving's package schema wants at least one grant: publish once there is
  one). No licence is stated: choosing one is the region's decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from grants.register import PublicPilot

SCHEMA_VERSION = "1.4"
GRANT_ID_PREFIX = "360G-regionorebrolan"
"""Placeholder until 360Giving issues the region its prefix (see the module docstring)."""
ORG_ID_LIST = "SE-ON"
"""Org-id.guide's list code for Swedish organisationsnummer (SE-BLV is its deprecated name)."""
FUNDER_NAME = "Region Örebro län"
FUNDER_ORG_NUMBER = "232100-0164"
CURRENCY = "SEK"
COUNTRY = "SE"
GEO_CODE_TYPE = "SE-SCB-KOMMUNKOD"
"""SCB's four-digit municipality code (kommunkod), e.g. 1881 for Kumla."""
FOCUS_AREA_VOCABULARY = "pilotfonden-insatsomrade"
PROGRAMME_CODE = "pilotfonden"
PROGRAMME_TITLE = "Pilotfonden – Kraftsamling barn och unga"
PACKAGE_TITLE = "Pilotfonden: beviljade piloter"


def grant_id(reference: str) -> str:
    """The 360Giving id of the pilot with case reference ``reference``."""
    return f"{GRANT_ID_PREFIX}-{reference}"


def org_id(org_number: str) -> str:
    """The org-id.guide identifier of a Swedish organisation (``SE-ON-232100-0164``)."""
    return f"{ORG_ID_LIST}-{org_number}"


FUNDER_ID = org_id(FUNDER_ORG_NUMBER)


def grant(pilot: PublicPilot, *, page_url: str, source_url: str) -> dict[str, Any]:
    """One pilot as a 360Giving grant. ``page_url`` is its public page, ``source_url`` its
    record in the API."""
    data: dict[str, Any] = {
        "id": grant_id(pilot.reference),
        "title": pilot.title,
        "description": pilot.summary.strip() or pilot.title,
        "currency": CURRENCY,
        "amountAwarded": pilot.granted_total,
        "awardDate": pilot.decision_date.isoformat() if pilot.decision_date else None,
        "recipientOrganization": [{"id": org_id(pilot.organisation_number),
                                   "name": pilot.organisation}],
        "fundingOrganization": [{"id": FUNDER_ID, "name": FUNDER_NAME}],
        "grantProgramme": [{"code": PROGRAMME_CODE, "title": PROGRAMME_TITLE}],
        "fromOpenCall": "Yes",
        "beneficiaryLocation": [{"name": name, "countryCode": COUNTRY, "geoCode": code,
                                 "geoCodeType": GEO_CODE_TYPE}
                                for code, name in pilot.municipalities],
        "classifications": [{"vocabulary": FOCUS_AREA_VOCABULARY, "code": code, "title": name}
                            for code, name in pilot.focus_areas],
        "url": page_url,
        "dataSource": source_url,
    }
    if pilot.project_start and pilot.project_end:
        data["plannedDates"] = [{"startDate": pilot.project_start.isoformat(),
                                 "endDate": pilot.project_end.isoformat()}]
    if pilot.updated is not None:
        data["dateModified"] = _timestamp(pilot.updated)
    return data


def package(pilots: Iterable[PublicPilot], *, page_url: Callable[[str], str],
            source_url: Callable[[str], str], download_url: str) -> dict[str, Any]:
    """The 360Giving package of ``pilots``; the callables give a reference's public page and
    API record."""
    grants = [grant(p, page_url=page_url(p.reference), source_url=source_url(p.reference))
              for p in pilots]
    data: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "title": PACKAGE_TITLE,
        "publisher": {"identifier": FUNDER_ID, "name": FUNDER_NAME},
        "downloadURL": download_url,
    }
    modified = [g["dateModified"] for g in grants if "dateModified" in g]
    if modified:
        data["modified"] = max(modified)
    data["grants"] = grants
    return data


def _timestamp(moment: datetime) -> str:
    """A full date-time in UTC (the database keeps times in UTC)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
