"""The OpenAPI 3.1 document of the open-data API (``/api/v1/openapi.json``), kept as data.

The allowed values of the filters come from :mod:`grants.register` (sorts, states, themes) and
the organisation kinds from the model, so the document cannot drift from what the API accepts.
Focus areas and municipalities are reference data an administrator may change, so they are
documented as strings with examples rather than as enums. A test checks that every ``/api/v1``
route is documented here and nothing else is, and schemathesis checks the answers against the
schemas below (which forbid undocumented fields).
"""

from __future__ import annotations

from typing import Any

from grants.models import OrganisationKind
from grants.register import (
    MAX_PER_PAGE,
    PER_PAGE,
    PUBLIC_STATE_LABELS,
    SEARCH_LIMIT,
    SORTS,
    THEMES,
)
from grants.threesixty import CURRENCY

VERSION = "1.0.0"
REFERENCE_PATTERN = "^PF-[0-9]{4}-[0-9]{4,}$"
"""Case references look like ``PF-2025-0007``; anything else is a 404 like an unknown one."""

CACHE_NOTE = (
    " Svaret har `ETag`, `Last-Modified` och `Cache-Control: public, max-age=60`; skicka "
    "`If-None-Match` med en tidigare `ETag` så blir svaret 304 utan innehåll om inget ändrats."
)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def _object(properties: dict[str, Any], *, required: list[str] | None = None,
            description: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
KRONOR = {"type": "integer", "description": "Hela kronor."}
DATE = {"type": "string", "format": "date"}
URL = {"type": "string", "format": "uri"}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


def _register_parameters(*, csv: bool = False) -> list[dict[str, Any]]:
    paging_note = " CSV-filen har alltid alla träffar; värdet kontrolleras men används inte." \
        if csv else ""
    return [
        _query("insatsomrade", "Insatsområdets kod (se `focus_areas[].code`).",
               {"type": "string", "maxLength": 40, "examples": ["leisure"]}),
        _query("kommun", "Kommunens fyrsiffriga kod enligt SCB, till exempel 1881 för Kumla.",
               {"type": "string", "maxLength": 10, "examples": ["1881"]}),
        _query("ar", "Budgetår som piloten fått pengar beviljade för.",
               {"type": "integer", "minimum": 2000, "maximum": 2100}),
        _query("status", "Pilotens läge: " + "; ".join(
            f"`{code}` = {label}" for code, label in PUBLIC_STATE_LABELS.items()) + ".",
            {"type": "string", "enum": list(PUBLIC_STATE_LABELS)}),
        _query("organisation", "Sökande organisations typ: " + "; ".join(
            f"`{kind.value}` = {kind.label}" for kind in OrganisationKind) + ".",
            {"type": "string", "enum": [kind.value for kind in OrganisationKind]}),
        _query("q", "Fritext i titel, sammanfattning och publicerade lärdomar (alla ord ska "
                    "finnas; svensk ordstamsökning i PostgreSQL).",
               {"type": "string", "maxLength": SEARCH_LIMIT}),
        _query("sortering", "Ordning: " + "; ".join(
            f"`{code}` = {label}" for code, label in SORTS.items()) + " (standard: `senaste`).",
            {"type": "string", "enum": list(SORTS)}),
        _query("sida", "Sidnummer från 1; en sida efter den sista ger en tom lista." + paging_note,
               {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
        _query("per_sida", f"Piloter per sida, högst {MAX_PER_PAGE} (standard {PER_PAGE})."
               + paging_note, {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
    ]


def _learning_parameters(*, csv: bool = False) -> list[dict[str, Any]]:
    paging_note = " CSV-filen har alltid alla träffar; värdet kontrolleras men används inte." \
        if csv else ""
    return [
        _query("insatsomrade", "Insatsområdets kod.",
               {"type": "string", "maxLength": 40, "examples": ["leisure"]}),
        _query("tema", "Bara lärdomar som säger något under temat: " + "; ".join(
            f"`{code}` = {label}" for code, label in THEMES.items()) + ".",
            {"type": "string", "enum": list(THEMES)}),
        _query("sida", "Sidnummer från 1; en sida efter den sista ger en tom lista." + paging_note,
               {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
        _query("per_sida", f"Lärdomar per sida, högst {MAX_PER_PAGE} (standard {PER_PAGE})."
               + paging_note, {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
    ]


IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False,
    "description": "En `ETag` från ett tidigare svar: samma innehåll ger 304 utan innehåll.",
    "schema": {"type": "string"},
}
CACHE_HEADERS = {
    "ETag": {"description": "Kontrollsumma av innehållet.", "schema": STRING},
    "Last-Modified": {"description": "När det senast ändrade i svaret ändrades (annars nu).",
                      "schema": STRING},
    "Cache-Control": {"description": "`public, max-age=60`.", "schema": STRING},
}


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "headers": CACHE_HEADERS,
            "content": {"application/json": {"schema": schema}}}


def _csv_response(description: str, filename: str) -> dict[str, Any]:
    return {
        "description": description + " UTF-8 med byte order mark (så öppnar Excel filen rätt), "
                       "semikolon mellan fälten, en rad per post med rubrikrad först; belopp i "
                       "hela kronor utan mellanslag, datum som ÅÅÅÅ-MM-DD.",
        "headers": {**CACHE_HEADERS, "Content-Disposition": {
            "description": f"`attachment; filename={filename}`", "schema": STRING}},
        "content": {"text/csv": {"schema": STRING}},
    }


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


NOT_MODIFIED = {"description": "Inget har ändrats sedan `If-None-Match`: inget innehåll.",
                "headers": CACHE_HEADERS}
BAD_FILTER = _error("Ett okänt filtervärde, en okänd parameter eller ett ogiltigt sidnummer; "
                    "meddelandet säger vilket, på svenska.")


def _get(summary: str, description: str, responses: dict[str, Any], *,
         parameters: list[dict[str, Any]] | None = None, operation_id: str,
         tags: list[str], security: list[dict[str, list[str]]] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "description": description,
                                 "operationId": operation_id, "tags": tags,
                                 "parameters": parameters or [], "responses": responses}
    if security is not None:
        operation["security"] = security
    return {"get": operation}


def _schemas() -> dict[str, Any]:
    code_name = _object({"code": STRING, "name": STRING})
    granted_year = _object({"year": INTEGER, "amount": KRONOR})
    pilot = {
        "reference": {"type": "string", "description": "Ärendets referens, t.ex. PF-2025-0007."},
        "title": STRING,
        "summary": STRING,
        "organisation": _ref("Organisation"),
        "municipalities": {"type": "array", "items": code_name},
        "focus_areas": {"type": "array", "items": code_name},
        "state": {"type": "string", "enum": list(PUBLIC_STATE_LABELS)},
        "state_label": {"type": "string", "description": "Läget på klarspråk."},
        "granted": {"type": "array", "items": granted_year,
                    "description": "Beviljat per budgetår enligt gällande beslut."},
        "granted_total": KRONOR,
        "currency": {"type": "string", "const": CURRENCY},
        "decision_date": _nullable(DATE),
        "project_start": _nullable(DATE),
        "project_end": _nullable(DATE),
    }
    optional_text = _nullable(STRING)
    indicator = _object({
        "name": STRING, "unit": STRING, "baseline": STRING, "target": STRING,
        "by_sex": {"type": "boolean"}, "outcome": optional_text, "outcome_girls": optional_text,
        "outcome_boys": optional_text,
    })
    participants = {
        "type": ["object", "null"],
        "properties": {"girls": INTEGER, "boys": INTEGER, "other": INTEGER},
        "required": ["girls", "boys", "other"], "additionalProperties": False,
        "description": "Deltagare enligt den godkända uppföljningsrapporten, efter kön.",
    }
    scale_up = {
        "type": ["object", "null"],
        "properties": {"organisation": STRING, "unit": STRING, "from": _nullable(DATE),
                       "financing": STRING, "changes": STRING},
        "required": ["organisation", "unit", "from", "financing", "changes"],
        "additionalProperties": False,
        "description": "Hur piloten blev ordinarie verksamhet (ur godkänd rapport).",
    }
    links = _object({"self": URL, "next": _nullable(URL), "prev": _nullable(URL), "csv": URL})
    page = {"total": INTEGER, "page": INTEGER, "per_page": INTEGER, "pages": INTEGER,
            "links": links}
    location = _object({"name": STRING, "countryCode": STRING, "geoCode": STRING,
                        "geoCodeType": STRING})
    organisation_360 = _object({"id": STRING, "name": STRING})
    return {
        "Error": _object({"error": {"type": "string", "description": "Vad som är fel, på "
                                                                    "svenska."}}),
        "Pots": _object({
            "pots": {"type": "array", "items": _object({
                "year": INTEGER, "reserved": KRONOR, "committed": KRONOR, "paid": KRONOR,
                "remaining": KRONOR})},
            "currency": {"type": "string", "const": CURRENCY},
        }),
        "Ledger": _object({
            "entries": {"type": "array", "items": _object({
                "id": INTEGER, "date": DATE, "year": INTEGER, "kind": STRING,
                "kind_label": STRING, "amount": KRONOR, "case_reference": optional_text,
                "organisation": optional_text, "payment_date": _nullable(DATE),
                "payment_kind": optional_text, "payment_kind_label": optional_text,
                "payment_reference": STRING, "note": STRING, "recorded_by": optional_text,
            })},
            "page": INTEGER, "pages": INTEGER, "total": INTEGER,
        }),
        "Organisation": _object({
            "name": STRING,
            "org_number": {"type": "string", "description": "Organisationsnummer."},
            "kind": {"type": "string", "enum": [kind.value for kind in OrganisationKind]},
            "kind_label": STRING,
        }),
        "Pilot": _object(pilot, description="En pilot i registret (från beviljad och framåt)."),
        "PilotDetail": _object({
            **pilot,
            "indicators": {"type": "array", "items": indicator},
            "participants": participants,
            "learnings": {"type": "array", "items": _object({
                "report": STRING, "published": DATE, "worked": STRING, "not_worked": STRING,
                "for_others": STRING})},
            "scale_up": scale_up,
        }, description="Hela pilotens offentliga uppgifter: resultatindikatorer med utfall, "
                       "deltagare, publicerade lärdomar och hur den infördes."),
        "PilotPage": _object({"pilots": {"type": "array", "items": _ref("Pilot")}, **page}),
        "Learning": _object({
            "reference": STRING, "title": STRING, "organisation": STRING,
            "focus_areas": {"type": "array", "items": STRING},
            "report": STRING, "published": DATE, "worked": STRING, "not_worked": STRING,
            "for_others": STRING,
            "themes": {"type": "array", "items": {"type": "string", "enum": list(THEMES)}},
            "links": _object({"pilot": URL, "page": URL}),
        }),
        "LearningPage": _object({"learnings": {"type": "array", "items": _ref("Learning")},
                                 **page}),
        "ThreeSixtyGivingPackage": {
            "type": "object",
            "description": "Ett paket enligt 360Giving Data Standard (version 1.4).",
            "required": ["grants"],
            "properties": {
                "version": STRING, "title": STRING, "downloadURL": URL,
                "modified": {"type": "string", "format": "date-time"},
                "publisher": _object({"identifier": STRING, "name": STRING}),
                "grants": {"type": "array", "items": _ref("ThreeSixtyGivingGrant")},
            },
            "additionalProperties": False,
        },
        "ThreeSixtyGivingGrant": {
            "type": "object",
            "required": ["id", "title", "description", "currency", "amountAwarded",
                         "awardDate", "recipientOrganization", "fundingOrganization"],
            "properties": {
                "id": STRING, "title": STRING, "description": STRING,
                "currency": {"type": "string", "const": CURRENCY},
                "amountAwarded": INTEGER,
                "awardDate": DATE,
                "plannedDates": {"type": "array", "items": _object(
                    {"startDate": DATE, "endDate": DATE})},
                "recipientOrganization": {"type": "array", "items": organisation_360,
                                          "minItems": 1},
                "fundingOrganization": {"type": "array", "items": organisation_360,
                                        "minItems": 1},
                "grantProgramme": {"type": "array", "items": _object({"code": STRING,
                                                                       "title": STRING})},
                "fromOpenCall": {"type": "string", "enum": ["Yes", "No"]},
                "beneficiaryLocation": {"type": "array", "items": location},
                "classifications": {"type": "array", "items": _object(
                    {"vocabulary": STRING, "code": STRING, "title": STRING})},
                "url": URL,
                "dataSource": URL,
                "dateModified": {"type": "string", "format": "date-time"},
            },
            "additionalProperties": False,
        },
        "OpenAPI": {"type": "object", "required": ["openapi", "info", "paths"]},
    }


def document() -> dict[str, Any]:
    """The whole OpenAPI document (a new dict each call)."""
    pilot_responses = {"200": _json_response("En sida piloter.", _ref("PilotPage")),
                       "304": NOT_MODIFIED, "400": BAD_FILTER}
    learning_responses = {"200": _json_response("En sida lärdomar.", _ref("LearningPage")),
                          "304": NOT_MODIFIED, "400": BAD_FILTER}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pilotfonden – öppna data",
            "version": VERSION,
            "description": (
                "Region Örebro läns Pilotfond: vilka piloter fonden stöder, vad de fått, vad de "
                "lärt sig och hur mycket pengar som finns kvar. Allt under `/api/v1/` är "
                "öppet utan inloggning och utan personuppgifter, utom huvudboken "
                "(`/api/v1/ledger`) som bara ekonomi och administratörer läser. Svaren är JSON "
                "i UTF-8 (CSV där det står så); fel ges som `{\"error\": \"...\"}` på svenska. "
                "Bara GET. Samma uppgifter som de öppna sidorna `/piloter` och `/larande`."
            ),
        },
        "tags": [{"name": "Register", "description": "Piloterna och vad de lärt sig."},
                 {"name": "Ekonomi", "description": "Fondens pengar."},
                 {"name": "Om API:et"}],
        "paths": {
            "/api/v1/pots": _get(
                "Fondens pengar per budgetår",
                "Per budgetår: avsatt, beviljat (netto efter återförda medel), utbetalt och "
                "kvar att bevilja, i hela kronor." + CACHE_NOTE,
                {"200": _json_response("Potterna.", _ref("Pots")), "304": NOT_MODIFIED},
                parameters=[IF_NONE_MATCH], operation_id="pots", tags=["Ekonomi"]),
            "/api/v1/ledger": _get(
                "Huvudboken (inloggad ekonomi eller administratör)",
                "Fondens rörelser i bokföringsordning, 100 per sida. Kräver inloggning som "
                "ekonomi eller administratör (sessionskakan från inloggningen): utan inloggning "
                "svarar den 401, med en annan roll 403, alltid som JSON och aldrig som "
                "omdirigering till inloggningssidan. Svaret cachas inte "
                "(`Cache-Control: private, no-store`).",
                {"200": {"description": "En sida av huvudboken.",
                         "content": {"application/json": {"schema": _ref("Ledger")}}},
                 "400": _error("Ogiltigt budgetår eller sidnummer."),
                 "401": _error("Inte inloggad."),
                 "403": _error("Inloggad, men inte som ekonomi eller administratör.")},
                parameters=[
                    _query("ar", "Bara ett budgetår.", {"type": "integer"}),
                    _query("sida", "Sidnummer från 1.", {"type": "integer", "minimum": 1}),
                ],
                operation_id="ledger", tags=["Ekonomi"], security=[{"session": []}]),
            "/api/v1/pilots": _get(
                "Registret över piloter",
                "Piloterna från beviljad och framåt, filtrerade, sorterade och sidindelade som "
                "på sidan `/piloter`. Ett okänt värde eller en okänd parameter ger 400." +
                CACHE_NOTE,
                pilot_responses, parameters=[*_register_parameters(), IF_NONE_MATCH],
                operation_id="pilots", tags=["Register"]),
            "/api/v1/pilots.csv": _get(
                "Registret som CSV",
                "Alla piloter som matchar filtren (inte sidindelat). Kolumner: referens, "
                "titel, organisation, organisationsnummer, organisationstyp, kommuner, "
                "insatsområden, status, beviljat totalt, beviljat per år (\"2025: 100000; "
                "2026: 50000\"), projektstart, projektslut, länk till pilotens sida.",
                {"200": _csv_response("Piloterna.", "piloter.csv"), "304": NOT_MODIFIED,
                 "400": BAD_FILTER},
                parameters=[*_register_parameters(csv=True), IF_NONE_MATCH],
                operation_id="pilotsCsv", tags=["Register"]),
            "/api/v1/pilots/{reference}": _get(
                "En pilot",
                "Pilotens hela offentliga uppgifter. En referens som inte finns och en som "
                "inte är offentlig (ett utkast, ett avslag) ger samma 404." + CACHE_NOTE,
                {"200": _json_response("Piloten.", _ref("PilotDetail")), "304": NOT_MODIFIED,
                 "404": _error("Ingen offentlig pilot med den referensen.")},
                parameters=[
                    {"name": "reference", "in": "path", "required": True,
                     "description": "Ärendets referens, t.ex. PF-2025-0007.",
                     "schema": {"type": "string", "pattern": REFERENCE_PATTERN}},
                    IF_NONE_MATCH,
                ],
                operation_id="pilot", tags=["Register"]),
            "/api/v1/learnings": _get(
                "Publicerade lärdomar",
                "Lärdomar ur godkända rapporter som piloterna valt att publicera, nyast först, "
                "som på sidan `/larande`." + CACHE_NOTE,
                learning_responses, parameters=[*_learning_parameters(), IF_NONE_MATCH],
                operation_id="learnings", tags=["Register"]),
            "/api/v1/learnings.csv": _get(
                "Lärdomarna som CSV",
                "Alla publicerade lärdomar som matchar filtren. Kolumner: referens, titel, "
                "organisation, insatsområden, rapport, publicerad, det här fungerade, det här "
                "fungerade inte, det här bör andra veta, länk till pilotens sida.",
                {"200": _csv_response("Lärdomarna.", "lardomar.csv"), "304": NOT_MODIFIED,
                 "400": BAD_FILTER},
                parameters=[*_learning_parameters(csv=True), IF_NONE_MATCH],
                operation_id="learningsCsv", tags=["Register"]),
            "/api/v1/360giving.json": _get(
                "Beviljade piloter enligt 360Giving",
                "Alla piloter som fått stöd (eller de som registrets filter väljer, som för "
                "CSV-filen) som ett paket enligt 360Giving Data Standard: "
                "valuta SEK, belopp i hela kronor, organisationer med identifierare enligt "
                "org-id.guide (SE-ON + organisationsnummer), kommuner med SCB:s kommunkod. "
                "Inga personuppgifter." + CACHE_NOTE,
                {"200": _json_response("Paketet.", _ref("ThreeSixtyGivingPackage")),
                 "304": NOT_MODIFIED, "400": BAD_FILTER},
                parameters=[*_register_parameters(csv=True), IF_NONE_MATCH],
                operation_id="threeSixtyGiving",
                tags=["Register"]),
            "/api/v1/openapi.json": _get(
                "Det här dokumentet",
                "Beskrivningen av API:et enligt OpenAPI 3.1.",
                {"200": _json_response("OpenAPI-dokumentet.", _ref("OpenAPI")),
                 "304": NOT_MODIFIED},
                parameters=[IF_NONE_MATCH], operation_id="openapi", tags=["Om API:et"]),
        },
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "Sessionskakan som inloggningen på /logga-in sätter."},
            },
        },
    }
