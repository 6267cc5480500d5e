"""Synthetic units to plan: a realistic Swedish orthopaedic clinic, and regions of its variants.

:func:`orthopaedic_clinic` is the reference example (``examples/ortopedi``): a mid-sized county
hospital clinic (Ortopedkliniken) for the 52 ISO weeks of a year, with its theatres, outpatient
and plaster rooms, a 28-bed ward, 140 staff and a year of weekly care need. The catalogue
(competences, shifts, rooms, activities, product groups and their volumes) is hand-written
below; only the people (names, employment rates, absences) and the noise on the weekly
volumes are drawn at random, from a fixed seed.

:func:`region` makes many variants of that clinic, each scaled by its own size factor (staff,
rooms, beds and care need together), for scaling curves and strategic roll-ups;
:func:`write_region` saves them as unit folders.

Figures are plausible for a Swedish clinic rather than taken from one: mean process times in
minutes per person, teams in persons (a fraction of a person is a share of the activity's
time, e.g. an anaesthesiologist covering two theatres is 0.5), bed-day care in minutes per
patient and day over the whole day (three shifts, handovers included).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np

from engine.io import save_unit
from models.unit import (
    ActivityKind,
    ActivityType,
    BedChange,
    Calendar,
    CareGuarantee,
    Competence,
    DateRange,
    OpeningHours,
    ProductGroup,
    Room,
    RoomType,
    ShiftType,
    Unit,
    Ward,
    WardStaffing,
    Weekday,
)

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    import numpy.typing as npt

__all__ = ["SUMMER_WEEKS", "WARD_ID", "orthopaedic_clinic", "region", "write_region"]

Season = Literal["elective", "outpatient", "hip_fracture", "fracture"]

# --------------------------------------------------------------------------------------------
# The catalogue of the reference clinic


class _Profession(NamedTuple):
    id: str
    name: str
    non_clinical_share: float
    """Research, teaching, supervision, meetings and administration."""
    staff: int
    """Head count in the reference clinic."""
    prefix: str
    """Staff ids are ``<prefix>-001``, ..."""
    rates: tuple[float, float, float, float, float]
    """Weights of :data:`_EMPLOYMENT_RATES`."""


_EMPLOYMENT_RATES = (1.0, 0.9, 0.8, 0.75, 0.5)
_DOCTORS = (0.84, 0.05, 0.07, 0.02, 0.02)
_NURSES = (0.50, 0.16, 0.18, 0.11, 0.05)
_OTHERS = (0.64, 0.12, 0.14, 0.06, 0.04)

_PROFESSIONS = (
    _Profession("ortopedkirurg", "Orthopaedic surgeon (ortopedkirurg)", 0.20, 22, "ok", _DOCTORS),
    _Profession("anestesiolog", "Anaesthesiologist (anestesiolog)", 0.15, 3, "al", _DOCTORS),
    _Profession("operationssjukskoterska", "Theatre nurse (operationssjuksköterska)", 0.06, 9,
                "op", _NURSES),
    _Profession("anestesisjukskoterska", "Anaesthesia nurse (anestesisjuksköterska)", 0.06, 6,
                "an", _NURSES),
    _Profession("sjukskoterska", "Registered nurse, ward and outpatient (sjuksköterska)", 0.05,
                34, "ssk", _NURSES),
    _Profession("underskoterska", "Assistant nurse (undersköterska)", 0.04, 40, "usk", _NURSES),
    _Profession("fysioterapeut", "Physiotherapist (fysioterapeut)", 0.10, 12, "ft", _OTHERS),
    _Profession("arbetsterapeut", "Occupational therapist (arbetsterapeut)", 0.10, 3, "at",
                _OTHERS),
    _Profession("gipstekniker", "Plaster technician (gipstekniker)", 0.05, 3, "gt", _OTHERS),
    _Profession("medicinsk_sekreterare", "Medical secretary (medicinsk sekreterare)", 0.05, 8,
                "ms", _OTHERS),
)  # fmt: skip

_ROUND_THE_CLOCK = {"sjukskoterska", "underskoterska"}
"""Ward professions: their hours are not reduced by public holidays."""

_SHIFTS = (
    ("dag", "Day (dag)", "07:00", "16:00", 480, False),
    ("operation", "Theatre day (operationsdag)", "07:15", "16:15", 480, False),
    ("mottagning", "Outpatient day (mottagningsdag)", "08:00", "16:30", 480, False),
    ("kvall", "Evening (kväll)", "13:30", "22:00", 480, False),
    ("natt", "Night (natt)", "21:30", "07:30", 570, True),
    ("helg", "Weekend day (helgdag)", "07:00", "15:30", 480, False),
)

_ROOM_TYPES = (
    ("operationssal", "Operating theatre (operationssal)", 0.85),
    ("mottagningsrum", "Outpatient room (mottagningsrum)", 0.80),
    ("gipsrum", "Plaster room (gipsrum)", 0.75),
    ("behandlingsrum", "Physio and OT treatment room (behandlingsrum)", 0.80),
    ("traningssal", "Physio gym (träningssal)", 0.80),
)

_ROOM_CHANGEOVER = {
    # room type: turnover minutes after each activity, overtime minutes allowed past closing
    "operationssal": (20, 30),
    "mottagningsrum": (5, 0),
    "gipsrum": (10, 0),
    "behandlingsrum": (5, 0),
}
"""Cleaning between activities, and how long a theatre may run over, for the room schedule."""

LAMINAR_FLOW = "laminart_flode"
C_ARM = "genomlysning"
_EQUIPMENT = {
    "op_hoftprotes": (LAMINAR_FLOW,),
    "op_knaprotes": (LAMINAR_FLOW,),
    "op_protesrevision": (LAMINAR_FLOW,),
    "op_hoftfraktur": (C_ARM,),
    "op_fraktur": (C_ARM,),
    "op_rygg": (C_ARM,),
}
"""Equipment an operation needs: arthroplasty under a laminar-flow ceiling (ultraclean air),
fracture and spine surgery with a mobile X-ray (C-arm). The first half of the theatres have
laminar flow and all but the first a C-arm (the only theatre of a small clinic has both)."""
_SETUP = {"op_protesrevision": 20}
"""Minutes of room preparation before an activity (the revision's instrument sets)."""

WARD_ID = "avdelning"
_WARD_BEDS = 28
_WARD_SUMMER_BEDS = 20
"""Staffed beds in weeks 27-32."""
_WARD_CHRISTMAS_BEDS = 24
"""Staffed beds in the week after Christmas (ISO week 52)."""

# Teams, persons per activity.
_OR_2 = {
    "ortopedkirurg": 2.0,
    "anestesiolog": 0.5,
    "anestesisjukskoterska": 1.0,
    "operationssjukskoterska": 2.0,
    "underskoterska": 1.0,
    "medicinsk_sekreterare": 0.2,
}
"""A theatre team with two surgeons (often a specialist and a resident)."""
_OR_1 = _OR_2 | {"ortopedkirurg": 1.0, "operationssjukskoterska": 1.0}
"""A smaller theatre team: one surgeon, one theatre nurse."""
_OR_BLOCK = {
    "ortopedkirurg": 1.0,
    "anestesisjukskoterska": 0.5,
    "operationssjukskoterska": 1.0,
    "underskoterska": 1.0,
    "medicinsk_sekreterare": 0.2,
}
"""Surgery under a regional block: the anaesthesia nurse shares two theatres, no physician."""
_SURGEON_VISIT = {"ortopedkirurg": 1.0, "underskoterska": 0.5, "medicinsk_sekreterare": 0.75}
"""A surgeon's visit: an assistant nurse for half of it, and the secretary's booking, referral
handling and dictation."""


class _Activity(NamedTuple):
    id: str
    name: str
    kind: ActivityKind
    minutes: float
    team: Mapping[str, float]
    room_type: str | None = None
    ward: str | None = None


_ACTIVITIES = (
    # Outpatient clinic (mottagning)
    _Activity("nybesok_lakare", "New visit, surgeon", "new_visit", 30, _SURGEON_VISIT,
              "mottagningsrum"),
    _Activity("aterbesok_lakare", "Return visit, surgeon", "return_visit", 20, _SURGEON_VISIT,
              "mottagningsrum"),
    _Activity("videobesok_lakare", "Video visit, surgeon", "video_visit", 15,
              {"ortopedkirurg": 1.0, "medicinsk_sekreterare": 0.5}),
    _Activity("akut_bedomning", "Emergency department assessment, surgeon", "new_visit", 30,
              {"ortopedkirurg": 1.0}),
    _Activity("aterbesok_sjukskoterska", "Nurse-led return visit", "return_visit", 30,
              {"sjukskoterska": 1.0}, "mottagningsrum"),
    _Activity("telefon_sjukskoterska", "Telephone follow-up, nurse", "return_visit", 15,
              {"sjukskoterska": 1.0}),
    _Activity("preop_anestesi", "Pre-operative anaesthesia assessment", "new_visit", 30,
              {"anestesiolog": 1.0}, "mottagningsrum"),
    _Activity("preop_sjukskoterska", "Pre-operative nurse visit (inskrivning)", "new_visit", 45,
              {"sjukskoterska": 1.0, "medicinsk_sekreterare": 0.3}, "mottagningsrum"),
    _Activity("nybesok_fysioterapeut", "New visit, physiotherapist", "new_visit", 45,
              {"fysioterapeut": 1.0}, "behandlingsrum"),
    _Activity("aterbesok_fysioterapeut", "Return visit, physiotherapist", "return_visit", 30,
              {"fysioterapeut": 1.0}, "behandlingsrum"),
    _Activity("videobesok_fysioterapeut", "Video visit, physiotherapist", "video_visit", 20,
              {"fysioterapeut": 1.0}),
    # Theatre (operation)
    _Activity("op_hoftprotes", "Total hip arthroplasty", "operation", 120, _OR_2,
              "operationssal"),
    _Activity("op_knaprotes", "Total knee arthroplasty", "operation", 110, _OR_2,
              "operationssal"),
    _Activity("op_protesrevision", "Revision arthroplasty", "operation", 200,
              _OR_2 | {"anestesiolog": 0.75}, "operationssal"),
    _Activity("op_hoftfraktur", "Hip fracture surgery", "operation", 90, _OR_2, "operationssal"),
    _Activity("op_fraktur", "Fracture fixation (osteosyntes)", "operation", 95, _OR_2,
              "operationssal"),
    _Activity("op_artroskopi", "Arthroscopy and ligament reconstruction", "operation", 55, _OR_1,
              "operationssal"),
    _Activity("op_axel", "Shoulder surgery", "operation", 90, _OR_2, "operationssal"),
    _Activity("op_hand", "Hand surgery", "operation", 40, _OR_BLOCK, "operationssal"),
    _Activity("op_fot", "Foot and ankle surgery", "operation", 75, _OR_1, "operationssal"),
    _Activity("op_rygg", "Spine surgery", "operation", 160, _OR_2, "operationssal"),
    _Activity("op_materialuttag", "Implant removal", "operation", 35, _OR_1, "operationssal"),
    _Activity("uppvak", "Post-anaesthesia recovery (uppvak)", "procedure", 120,
              {"anestesisjukskoterska": 0.5, "underskoterska": 0.25}),
    # Procedures (åtgärder)
    _Activity("gipsning", "Plaster cast application", "procedure", 30, {"gipstekniker": 1.0},
              "gipsrum"),
    _Activity("gipsskena", "Splint in the emergency department", "procedure", 25,
              {"gipstekniker": 1.0}),
    _Activity("gipsbyte", "Plaster change or removal", "procedure", 20, {"gipstekniker": 1.0},
              "gipsrum"),
    _Activity("reponering", "Closed fracture reduction", "procedure", 40,
              {"ortopedkirurg": 1.0, "gipstekniker": 1.0, "sjukskoterska": 1.0}, "gipsrum"),
    _Activity("ledinjektion", "Joint injection or aspiration", "procedure", 15,
              {"ortopedkirurg": 1.0, "sjukskoterska": 1.0}, "mottagningsrum"),
    _Activity("sarvard", "Wound check and suture removal", "procedure", 20,
              {"sjukskoterska": 1.0}, "mottagningsrum"),
    # Rehabilitation (therapy)
    _Activity("fysioterapi", "Physiotherapy session", "therapy", 45, {"fysioterapeut": 1.0},
              "behandlingsrum"),
    # A group of eight for 80 minutes: 10 minutes of physiotherapist and gym per patient.
    _Activity("fysioterapi_grupp", "Group training, per patient", "therapy", 10,
              {"fysioterapeut": 1.0}, "traningssal"),
    _Activity("arbetsterapi", "Hand therapy and splinting", "therapy", 45,
              {"arbetsterapeut": 1.0}, "behandlingsrum"),
    _Activity("fysioterapi_avdelning", "Mobilisation on the ward", "therapy", 30,
              {"fysioterapeut": 1.0}),
    _Activity("arbetsterapi_avdelning", "ADL assessment on the ward", "therapy", 45,
              {"arbetsterapeut": 1.0}),
    # Bed-days (vårddygn): minutes of assistant nurse care per patient and day; the other
    # professions as shares of that (0.1 x 300 = 30 minutes of a surgeon's ward round).
    _Activity("vardygn", "Bed-day, post-operative care", "bed_day", 300,
              {"underskoterska": 1.0, "sjukskoterska": 1.0, "ortopedkirurg": 0.1,
               "medicinsk_sekreterare": 0.05}, ward=WARD_ID),
    _Activity("vardygn_fraktur", "Bed-day, hip fracture (geriatric) care", "bed_day", 360,
              {"underskoterska": 1.0, "sjukskoterska": 0.85, "ortopedkirurg": 0.08,
               "medicinsk_sekreterare": 0.04}, ward=WARD_ID),
)  # fmt: skip


class _Group(NamedTuple):
    id: str
    name: str
    mix: Mapping[str, float]
    """Activities per patient."""
    weekly: float
    """Patients in an ordinary week of the reference clinic."""
    season: Season
    waiting_weeks: float = 0.0
    """Size of the waiting list at the start, in weeks of ordinary need."""


_GROUPS = (
    _Group("hoftprotes", "Hip arthroplasty, elective (höftprotes)",
           {"nybesok_lakare": 1, "preop_anestesi": 1, "preop_sjukskoterska": 1,
            "op_hoftprotes": 1, "uppvak": 1, "vardygn": 3.5, "fysioterapi_avdelning": 3,
            "arbetsterapi_avdelning": 1, "aterbesok_lakare": 1, "fysioterapi": 2},
           10.0, "elective", 14),
    _Group("knaprotes", "Knee arthroplasty, elective (knäprotes)",
           {"nybesok_lakare": 1, "preop_anestesi": 1, "preop_sjukskoterska": 1,
            "op_knaprotes": 1, "uppvak": 1, "vardygn": 2.5, "fysioterapi_avdelning": 3,
            "arbetsterapi_avdelning": 0.5, "aterbesok_lakare": 1, "fysioterapi": 3,
            "fysioterapi_grupp": 6},
           9.0, "elective", 16),
    _Group("protesrevision", "Revision arthroplasty (protesrevision)",
           {"nybesok_lakare": 1, "preop_anestesi": 1, "preop_sjukskoterska": 1,
            "op_protesrevision": 1, "uppvak": 1, "vardygn": 5, "fysioterapi_avdelning": 5,
            "arbetsterapi_avdelning": 1, "aterbesok_lakare": 2, "fysioterapi": 3},
           1.5, "elective", 10),
    _Group("artroskopi", "Arthroscopy and sports injuries (artroskopi)",
           {"nybesok_lakare": 1, "op_artroskopi": 1, "uppvak": 1, "videobesok_lakare": 1,
            "fysioterapi": 2, "fysioterapi_grupp": 6},
           10.0, "elective", 12),
    _Group("axel", "Shoulder surgery (axelkirurgi)",
           {"nybesok_lakare": 1, "preop_anestesi": 0.5, "op_axel": 1, "uppvak": 1, "vardygn": 1,
            "fysioterapi_avdelning": 1, "aterbesok_lakare": 1, "fysioterapi": 4,
            "fysioterapi_grupp": 6},
           6.5, "elective", 14),
    _Group("hand", "Hand surgery (handkirurgi)",
           {"nybesok_lakare": 1, "op_hand": 1, "uppvak": 0.2, "sarvard": 1, "arbetsterapi": 4,
            "aterbesok_lakare": 0.5, "videobesok_lakare": 0.5},
           13.0, "elective", 8),
    _Group("fot", "Foot and ankle surgery (fotkirurgi)",
           {"nybesok_lakare": 1, "preop_anestesi": 0.3, "op_fot": 1, "uppvak": 1, "vardygn": 0.5,
            "gipsning": 1, "gipsbyte": 1, "aterbesok_lakare": 1, "fysioterapi": 2},
           7.0, "elective", 12),
    _Group("rygg", "Spine surgery (ryggkirurgi)",
           {"nybesok_lakare": 1, "preop_anestesi": 1, "preop_sjukskoterska": 1, "op_rygg": 1,
            "uppvak": 1, "vardygn": 3, "fysioterapi_avdelning": 3, "arbetsterapi_avdelning": 1,
            "aterbesok_lakare": 1, "fysioterapi": 3},
           3.5, "elective", 18),
    _Group("hoftfraktur", "Hip fracture (höftfraktur)",
           {"akut_bedomning": 1, "op_hoftfraktur": 1, "uppvak": 1, "vardygn_fraktur": 6,
            "fysioterapi_avdelning": 5, "arbetsterapi_avdelning": 2, "telefon_sjukskoterska": 1,
            "aterbesok_lakare": 0.3},
           8.0, "hip_fracture"),
    _Group("frakturkirurgi", "Fracture surgery, other (frakturkirurgi)",
           {"akut_bedomning": 1, "gipsskena": 0.5, "op_fraktur": 1, "uppvak": 1, "vardygn": 1.5,
            "gipsning": 1, "gipsbyte": 1.5, "sarvard": 1, "aterbesok_lakare": 1.5,
            "fysioterapi": 3, "arbetsterapi": 0.5},
           12.0, "fracture"),
    _Group("gipsbehandling", "Fracture care in plaster (gipsbehandling)",
           {"akut_bedomning": 0.5, "gipsskena": 0.7, "nybesok_lakare": 1, "reponering": 0.3,
            "gipsning": 1, "gipsbyte": 1.2, "aterbesok_lakare": 1, "aterbesok_fysioterapeut": 0.5,
            "arbetsterapi": 0.3},
           32.0, "fracture"),
    _Group("akutkonsult", "Emergency consultation, not admitted (akutkonsult)",
           {"akut_bedomning": 1, "gipsskena": 0.2, "telefon_sjukskoterska": 0.3},
           30.0, "fracture"),
    _Group("materialuttag", "Implant removal (materialuttag)",
           {"aterbesok_lakare": 1, "op_materialuttag": 1, "uppvak": 0.5, "sarvard": 1},
           3.5, "elective", 20),
    _Group("nybesok", "New referral, consultation (nybesök)",
           {"nybesok_lakare": 1, "ledinjektion": 0.3, "videobesok_lakare": 0.3,
            "nybesok_fysioterapeut": 0.2},
           80.0, "outpatient", 6),
    _Group("aterbesok", "Follow-up of known patients (återbesök)",
           {"aterbesok_lakare": 0.6, "aterbesok_sjukskoterska": 0.3, "videobesok_lakare": 0.3,
            "telefon_sjukskoterska": 0.4, "ledinjektion": 0.1},
           90.0, "outpatient", 4),
    _Group("fysioterapi", "Physiotherapy on referral (fysioterapi)",
           {"nybesok_fysioterapeut": 1, "fysioterapi": 3, "fysioterapi_grupp": 5,
            "videobesok_fysioterapeut": 1},
           14.0, "outpatient", 5),
)  # fmt: skip

_WEEKDAYS_OPEN = ["mon", "tue", "wed", "thu", "fri"]


class _RoomKind(NamedTuple):
    room_type: str
    prefix: str
    """Room ids are ``<prefix>1``, ``<prefix>2``, ..."""
    name: str
    rooms: int
    """Rooms in the reference clinic."""
    start: str
    end: str


_ROOMS = (
    _RoomKind("operationssal", "op", "Operationssal", 4, "07:30", "16:00"),
    _RoomKind("mottagningsrum", "mott", "Mottagningsrum", 8, "08:00", "16:30"),
    _RoomKind("gipsrum", "gips", "Gipsrum", 2, "08:00", "16:30"),
    _RoomKind("behandlingsrum", "beh", "Behandlingsrum", 8, "08:00", "16:30"),
    _RoomKind("traningssal", "gym", "Träningssal", 1, "07:30", "18:00"),
)

SUMMER_WEEKS = range(27, 33)
"""ISO weeks 27-32: the core of the Swedish summer (vacation, closed theatres, fewer beds)."""

# Summer vacation: 4 or 5 consecutive weeks in one of two staggered periods (weeks 26-29 or
# 30-33; 25-29 or 30-34 for five weeks), so that about half of each profession is away in any
# summer week. Each period has three of its weeks inside weeks 27-32: blocks of four weeks all
# inside weeks 27-32 would all contain weeks 29 and 30, leaving no one at work then.
_SUMMER_PERIODS = {4: (26, 30), 5: (25, 30)}
_FIFTH_WEEKS = (51, 52, 8, 44, 9, 1, 10, 13)
"""Christmas, New Year, the winter sports weeks, the autumn school holiday and Easter."""

_FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Emma", "Johanna", "Linnea", "Elin", "Ida",
    "Malin", "Sofia", "Hanna", "Kristina", "Lena", "Ingrid", "Maja", "Frida", "Helena",
    "Camilla", "Petra", "Ulrika", "Therese", "Annika", "Jenny", "Louise", "Matilda", "Cecilia",
    "Agnes", "Elsa", "Lars", "Erik", "Anders", "Johan", "Per", "Karl", "Magnus", "Peter",
    "Mikael", "Fredrik", "Daniel", "Oskar", "Gustav", "Henrik", "Jonas", "Mattias", "Niklas",
    "Olof", "Björn", "Emil", "Viktor", "Axel", "Nils", "Hugo", "Ali", "Mohammed", "Amir",
    "Leila", "Yasmin", "Aida",
)  # fmt: skip
_SURNAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson",
    "Lindqvist", "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg",
    "Wallin", "Engström", "Danielsson", "Håkansson", "Eklund", "Lundin", "Gunnarsson",
    "Holm", "Samuelsson", "Fransson", "Hassan", "Ali", "Nyström", "Åberg",
)  # fmt: skip
_TOWNS = (
    "Borås", "Eskilstuna", "Falun", "Gävle", "Halmstad", "Helsingborg", "Jönköping",
    "Kalmar", "Karlskrona", "Karlstad", "Kristianstad", "Linköping", "Luleå", "Lund",
    "Norrköping", "Skövde", "Sundsvall", "Trollhättan", "Umeå", "Uppsala", "Västerås",
    "Växjö", "Visby", "Örebro", "Östersund",
)  # fmt: skip


class _Catalogue(NamedTuple):
    """What every variant of the clinic shares, validated once."""

    competences: list[Competence]
    shift_types: list[ShiftType]
    room_types: list[RoomType]
    activity_types: list[ActivityType]
    product_groups: list[ProductGroup]


_FEWER_ON_FRIDAYS: dict[Weekday, float] = {
    "mon": 1.0, "tue": 1.0, "wed": 1.0, "thu": 1.0, "fri": 0.6,
}  # fmt: skip
_WEEKDAY_PROFILES: dict[str, dict[Weekday, float]] = {
    # visits thin out on Fridays; joint replacements too, so that the patients are not in the
    # ward over a weekend with fewer staff
    "new_visit": _FEWER_ON_FRIDAYS,
    "return_visit": _FEWER_ON_FRIDAYS,
    "op_hoftprotes": _FEWER_ON_FRIDAYS,
    "op_knaprotes": _FEWER_ON_FRIDAYS,
}

_WARD_STAFFING = (
    # shift, competence, patients per person, minimum
    ("dag", "sjukskoterska", 6.0, 2),
    ("dag", "underskoterska", 5.0, 2),
    ("kvall", "sjukskoterska", 8.0, 2),
    ("kvall", "underskoterska", 7.0, 2),
    ("natt", "sjukskoterska", 14.0, 1),
    ("natt", "underskoterska", 12.0, 1),
)
"""The ward's staffing key (bemanningsnyckel)."""


def _activity_shift(activity: _Activity) -> str | None:
    """Operations on the theatre day, outpatient work on the outpatient day, the rest on the
    day shift; bed-days are staffed by the ward's staffing key instead."""
    if activity.kind == "bed_day":
        return None
    if activity.kind == "operation":
        return "operation"
    if activity.room_type == "mottagningsrum" or activity.kind == "video_visit":
        return "mottagning"
    return "dag"


def _catalogue() -> _Catalogue:
    return _Catalogue(
        competences=[
            Competence(
                id=p.id,
                name=p.name,
                non_clinical_share=p.non_clinical_share,
                round_the_clock=p.id in _ROUND_THE_CLOCK,
            )
            for p in _PROFESSIONS
        ],
        shift_types=[
            ShiftType.model_validate(
                {"id": i, "name": n, "start": s, "end": e, "paid_minutes": paid, "night": night}
            )
            for i, n, s, e, paid, night in _SHIFTS
        ],
        room_types=[
            RoomType(
                id=i,
                name=n,
                utilisation=u,
                turnover_minutes=_ROOM_CHANGEOVER.get(i, (0, 0))[0],
                max_overtime_minutes=_ROOM_CHANGEOVER.get(i, (0, 0))[1],
            )
            for i, n, u in _ROOM_TYPES
        ],
        activity_types=[
            ActivityType(
                id=a.id,
                name=a.name,
                kind=a.kind,
                mean_process_time=a.minutes,
                team=dict(a.team),
                room_type=a.room_type,
                ward=a.ward,
                shift=_activity_shift(a),
                weekday_profile=_WEEKDAY_PROFILES.get(a.id, _WEEKDAY_PROFILES.get(a.kind, {})),
                equipment=list(_EQUIPMENT.get(a.id, ())),
                setup_minutes=_SETUP.get(a.id, 0),
            )
            for a in _ACTIVITIES
        ],
        product_groups=[ProductGroup(id=g.id, name=g.name, mix=dict(g.mix)) for g in _GROUPS],
    )


# --------------------------------------------------------------------------------------------
# Seasons


def _week_days(year: int, week: int, first: int = 1, last: int = 7) -> tuple[date, date]:
    """The dates of weekdays ``first`` to ``last`` (1 = Monday) of ISO week ``week``."""
    return date.fromisocalendar(year, week, first), date.fromisocalendar(year, week, last)


def _weeks(year: int, first: int, last: int) -> tuple[date, date]:
    """Monday of ISO week ``first`` to Sunday of ISO week ``last``."""
    return date.fromisocalendar(year, first, 1), date.fromisocalendar(year, last, 7)


def _season(profile: Season, weeks: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Share of an ordinary week's patients, per ISO week number.

    Planned care follows the theatres and the staff: about 40 % in the closed summer weeks,
    little at Christmas. Fractures follow the weather: a winter peak (ice) in February and a
    trough in summer; hip fractures less so than wrist and ankle fractures.
    """
    w = weeks.astype(float)
    if profile in ("hip_fracture", "fracture"):
        amplitude = 0.12 if profile == "hip_fracture" else 0.25
        factor = 1.0 + amplitude * np.cos(2 * np.pi * (w - 6) / 52)
        return np.asarray(factor, dtype=float)
    planned = {
        1: 0.75, 25: 0.9, 26: 0.75, 27: 0.6, 28: 0.4, 29: 0.4, 30: 0.4, 31: 0.4, 32: 0.6,
        33: 0.75, 34: 0.9, 51: 0.85, 52: 0.35,
    }  # fmt: skip
    outpatient = planned | {28: 0.5, 29: 0.5, 30: 0.5, 31: 0.5, 52: 0.4, 1: 0.8}
    table = planned if profile == "elective" else outpatient
    return np.array([table.get(int(week), 1.0) for week in weeks])


# --------------------------------------------------------------------------------------------
# Rooms and the ward


def _rooms(scale: float, year: int) -> list[Room]:
    """Rooms of a clinic ``scale`` times the reference, with maintenance and summer closures.

    Half of the theatres (rounded down) close in weeks 28-31, as do a quarter of the outpatient
    rooms; one theatre closes a week in March for ventilation service and one outpatient room
    two weeks in November for renovation.
    """
    summer = _closure(_weeks(year, 28, 31), "summer closure (sommarstängning)")
    service = _closure(_week_days(year, 10, 1, 5), "ventilation service")
    renovation = _closure(_weeks(year, 45, 46), "renovation")
    rooms: list[Room] = []
    for kind in _ROOMS:
        count = max(1, round(kind.rooms * scale))
        opening = [OpeningHours.model_validate(
            {"weekdays": _WEEKDAYS_OPEN, "start": kind.start, "end": kind.end}
        )]  # fmt: skip
        summer_closed = {
            "operationssal": count // 2,
            "mottagningsrum": count // 4,
        }.get(kind.room_type, 0)
        for number in range(1, count + 1):
            closures: list[DateRange] = []
            if number > count - summer_closed:
                closures.append(summer)
            if kind.room_type == "operationssal" and number == min(3, count):
                closures.insert(0, service)
            if kind.room_type == "mottagningsrum" and number == min(5, count):
                closures.append(renovation)
            equipment: list[str] = []
            if kind.room_type == "operationssal":
                if number <= (count + 1) // 2:
                    equipment.append(LAMINAR_FLOW)
                if number > 1 or count == 1:
                    equipment.append(C_ARM)
            rooms.append(
                Room(
                    id=f"{kind.prefix}{number}",
                    name=f"{kind.name} {number}",
                    room_type=kind.room_type,
                    opening=opening,
                    closures=closures,
                    equipment=equipment,
                )
            )
    return rooms


def _closure(days: tuple[date, date], reason: str) -> DateRange:
    return DateRange(start=days[0], end=days[1], reason=reason)


def _ward(scale: float, year: int) -> Ward:
    beds = max(4, round(_WARD_BEDS * scale))
    summer_beds = min(beds, max(2, round(_WARD_SUMMER_BEDS * scale)))
    christmas_beds = min(beds, max(3, round(_WARD_CHRISTMAS_BEDS * scale)))
    return Ward(
        id=WARD_ID,
        name="Orthopaedic ward (ortopedavdelning)",
        beds=beds,
        target_occupancy=0.85,
        staffing=[
            WardStaffing(shift=s, competence=c, patients_per_staff=n, minimum=m)
            for s, c, n, m in _WARD_STAFFING
        ],
        bed_changes=[
            _bed_change(_weeks(year, 27, 32), summer_beds),
            _bed_change(_weeks(year, 52, 52), christmas_beds),
        ],
    )


def _bed_change(days: tuple[date, date], beds: int) -> BedChange:
    return BedChange(start=days[0], end=days[1], beds=beds)


# --------------------------------------------------------------------------------------------
# People


def _staff(rng: np.random.Generator, counts: list[int], year: int) -> list[dict[str, Any]]:
    """Staff members as documents (validated with the unit): rates, names and absences."""
    horizon_end = date.fromisocalendar(year, 52, 7)
    staff: list[dict[str, Any]] = []
    for profession, count in zip(_PROFESSIONS, counts, strict=True):
        rates = rng.choice(len(_EMPLOYMENT_RATES), size=count, p=profession.rates)
        firsts = rng.integers(len(_FIRST_NAMES), size=count)
        lasts = rng.integers(len(_SURNAMES), size=count)
        # Summer: 4 or 5 weeks, periods alternating over a shuffled list so each profession
        # keeps about half of its people in every summer week.
        lengths = np.where(rng.random(count) < 0.3, 5, 4)
        period = rng.permutation(count) % 2
        # Those with four summer weeks take the fifth in turns over the rest of the year.
        turn = rng.permutation(count) % len(_FIFTH_WEEKS)
        for n in range(count):
            member: dict[str, Any] = {
                "id": f"{profession.prefix}-{n + 1:03d}",
                "name": f"{_FIRST_NAMES[firsts[n]]} {_SURNAMES[lasts[n]]}",
                "competences": [profession.id],
            }
            rate = _EMPLOYMENT_RATES[rates[n]]
            if rate != 1.0:
                member["employment_rate"] = rate
            length = int(lengths[n])
            start = _SUMMER_PERIODS[length][period[n]]
            absences = [_absence(*_weeks(year, start, start + length - 1))]
            fifth = _FIFTH_WEEKS[turn[n]] if length == 4 else None
            absences += _other_absences(rng, profession.id, fifth, year, horizon_end)
            member["absences"] = sorted(absences, key=lambda a: a["start"])
            _specialise(rng, member, profession.id, rate)
            staff.append(member)
    return staff


def _absence(
    start: date, end: date, kind: str = "vacation", fraction: float = 1.0
) -> dict[str, Any]:
    absence: dict[str, Any] = {"start": start, "end": end, "kind": kind}
    if fraction != 1.0:
        absence["fraction"] = fraction
    return absence


def _other_absences(
    rng: np.random.Generator,
    profession: str,
    fifth_week: int | None,
    year: int,
    horizon_end: date,
) -> list[dict[str, Any]]:
    """The rest of the year: a fifth vacation week, parental leave, sick leave, training."""
    absences: list[dict[str, Any]] = []
    if fifth_week is not None:
        absences.append(_absence(*_weeks(year, fifth_week, fifth_week)))
    roll = rng.random()
    caring = profession not in ("ortopedkirurg", "anestesiolog")
    if roll < (0.05 if caring else 0.03):
        # Parental leave: full time in spring or autumn, or half time for longer.
        if rng.random() < 0.5:
            first = int(rng.integers(2, 12)) if rng.random() < 0.5 else int(rng.integers(34, 40))
            length = int(rng.integers(10, 14))
            start, end = _weeks(year, first, min(first + length - 1, 52))
            absences.append(_absence(start, end, "parental_leave"))
        else:
            first = int(rng.integers(2, 30))
            start = date.fromisocalendar(year, first, 1)
            end = min(start + timedelta(weeks=int(rng.integers(16, 30)), days=-1), horizon_end)
            absences.append(_absence(start, end, "parental_leave", 0.5))
    elif roll < 0.07:
        first = int(rng.integers(2, 48))
        length = int(rng.integers(2, 7))
        absences.append(_absence(*_weeks(year, first, min(first + length - 1, 52)), "sick"))
    if rng.random() < 0.4:
        # Courses and conferences, outside the summer and the Christmas weeks.
        week = int(rng.choice([*range(3, 25), *range(34, 50)]))
        first_day = int(rng.integers(1, 4))
        days = int(rng.integers(1, 4))
        absences.append(_absence(*_week_days(year, week, first_day, first_day + days - 1),
                                 "training"))  # fmt: skip
    return absences


def _specialise(rng: np.random.Generator, member: dict[str, Any], profession: str,
                rate: float) -> None:  # fmt: skip
    """Second competences, research time and night contracts of some staff members."""
    draw = rng.random()
    if profession in ("operationssjukskoterska", "anestesisjukskoterska") and draw < 0.5:
        # Specialist nurses are registered nurses and may cover the ward.
        member["competences"].append("sjukskoterska")
    elif profession == "ortopedkirurg" and draw < 0.1:
        # A docent or PhD student: a day or two a week of research.
        member["non_clinical_share"] = 0.4
    elif profession in ("sjukskoterska", "underskoterska") and draw < 0.12:
        # Permanent night staff have a shorter full time (34.33 h a week).
        member["contract_minutes_per_week"] = round(2060 * rate)


# --------------------------------------------------------------------------------------------
# Care need and waiting list


def _care_need(
    rng: np.random.Generator, scale: float, year: int, mix: npt.NDArray[np.float64]
) -> list[dict[str, Any]]:
    """Patients per product group and ISO week: ordinary volume x season x noise."""
    weeks = np.arange(1, 53)
    base = np.array([g.weekly for g in _GROUPS]) * scale * mix
    season = np.stack([_season(g.season, weeks) for g in _GROUPS])
    noise = np.clip(rng.normal(1.0, 0.08, size=season.shape), 0.7, 1.3)
    patients = np.round(base[:, None] * season * noise, 1)
    labels = [f"{year}-W{week:02d}" for week in weeks]
    return [
        {"product_group": group.id, "week": label, "patients": float(value)}
        for group, row in zip(_GROUPS, patients, strict=True)
        for label, value in zip(labels, row, strict=True)
    ]


def _waiting_list(
    rng: np.random.Generator, scale: float, year: int, mix: npt.NDArray[np.float64]
) -> list[dict[str, Any]]:
    """Patients waiting at the start of the year, in monthly cohorts of referral dates.

    The oldest cohorts are thin, but several are older than the 90 days of the guarantee.
    """
    start = date.fromisocalendar(year, 1, 1)
    ages = (14, 35, 63, 91, 119, 154, 196, 245)
    weights = np.array([0.22, 0.2, 0.17, 0.13, 0.1, 0.08, 0.06, 0.04])
    entries: list[dict[str, Any]] = []
    for group, factor in zip(_GROUPS, mix, strict=True):
        total = group.weekly * group.waiting_weeks * scale * factor
        if total <= 0:
            continue
        counts = rng.poisson(total * weights)
        entries += [
            {
                "product_group": group.id,
                "waiting_since": start - timedelta(days=age),
                "patients": int(count),
            }
            for age, count in zip(ages, counts, strict=True)
            if count > 0
        ]
    return entries


# --------------------------------------------------------------------------------------------
# Units


class _Variant(NamedTuple):
    """How a unit differs from the reference clinic."""

    id: str
    name: str
    scale: float
    """Rooms, beds and care need relative to the reference clinic."""
    staff: list[int]
    """Head count per profession (of :data:`_PROFESSIONS`)."""
    mix: npt.NDArray[np.float64]
    """Care need of each product group relative to the scaled reference."""


def _unit(catalogue: _Catalogue, rng: np.random.Generator, variant: _Variant, year: int) -> Unit:
    scale, mix = variant.scale, variant.mix
    return Unit.model_validate(
        {
            "id": variant.id,
            "name": variant.name,
            "calendar": Calendar(start_week=f"{year}-W01", weeks=52),
            "competences": catalogue.competences,
            "staff": _staff(rng, variant.staff, year),
            "shift_types": catalogue.shift_types,
            "room_types": catalogue.room_types,
            "rooms": _rooms(scale, year),
            "wards": [_ward(scale, year)],
            "activity_types": catalogue.activity_types,
            "product_groups": catalogue.product_groups,
            "care_need": _care_need(rng, scale, year, mix),
            "waiting_list": _waiting_list(rng, scale, year, mix),
            "care_guarantee": CareGuarantee(days=90),
        }
    )


def orthopaedic_clinic(seed: int = 2027, year: int = 2027) -> Unit:
    """A realistic Swedish orthopaedic clinic (Ortopedkliniken) for the 52 ISO weeks of ``year``.

    Four theatres (07:30-16:00 on weekdays, two of them closed in weeks 28-31), eight
    outpatient rooms, two plaster rooms, eight physiotherapy and occupational therapy rooms, a
    gym and a 28-bed ward at 85 % occupancy (20 beds in weeks 27-32); 140 staff in ten
    competences; sixteen product groups, from hip arthroplasty to physiotherapy, with their
    activity mixes over 36 activity types; weekly care need with summer, Christmas and
    winter-fracture seasons; and a waiting list under a 90-day care guarantee. Public
    holidays are left to the engine (the Swedish ones).

    Parameters
    ----------
    seed
        Seeds the people (names, employment rates, absences) and the noise on the weekly care
        need; the catalogue is the same for every seed.
    year
        The year whose ISO weeks 1-52 are the horizon.

    Returns
    -------
    Unit
        The clinic, id ``ortopedi``; ``balance(unit)`` shows the anaesthesia nurses as the
        bottleneck, with the summer short on ward staff.
    """
    clinic = _Variant(
        "ortopedi",
        "Ortopedkliniken",
        1.0,
        [p.staff for p in _PROFESSIONS],
        np.ones(len(_GROUPS)),
    )
    return _unit(_catalogue(), np.random.default_rng(seed), clinic, year)


def region(units: int, seed: int, year: int = 2027) -> list[Unit]:
    """A synthetic region: ``units`` variants of the orthopaedic clinic, of varied size.

    Each unit draws a size factor log-uniformly between 0.2 and 3 times the reference clinic
    and scales staff, rooms, beds and care need by it together; its case mix and the people
    vary too. Unit ``i`` is ``unit-00i`` and depends only on ``seed`` and ``i``, so a bigger
    region starts with the units of a smaller one.

    Parameters
    ----------
    units
        Number of units.
    seed
        Seed of the region.
    year
        The year whose ISO weeks 1-52 are the horizon.

    Returns
    -------
    list of Unit
        The units in id order.
    """
    if units < 0:
        raise ValueError(f"units must not be negative, got {units}")
    catalogue = _catalogue()
    base = np.array([p.staff for p in _PROFESSIONS], dtype=float)
    result: list[Unit] = []
    for i in range(1, units + 1):
        rng = np.random.default_rng([seed, i])
        scale = math.exp(rng.uniform(math.log(0.2), math.log(3.0)))
        staff = np.maximum(1, np.round(base * scale * rng.normal(1.0, 0.05, size=base.size)))
        town = _TOWNS[(i - 1) % len(_TOWNS)]
        lap = (i - 1) // len(_TOWNS)
        variant = _Variant(
            id=f"unit-{i:03d}",
            name=f"Ortopedi {town}" + (f" {lap + 1}" if lap else ""),
            scale=scale,
            staff=[int(n) for n in staff],
            mix=np.exp(rng.normal(0.0, 0.15, size=len(_GROUPS))),
        )
        result.append(_unit(catalogue, rng, variant, year))
    return result


def write_region(units: list[Unit], folder: str | os.PathLike[str]) -> None:
    """Write each unit as a unit folder ``<folder>/<unit id>`` (see :func:`engine.io.save_unit`).

    Parameters
    ----------
    units
        The units, e.g. from :func:`region`.
    folder
        The region's folder; created if need be.
    """
    root = Path(folder)
    for unit in units:
        save_unit(unit, root / unit.id)
