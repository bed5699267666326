"""The DfE Common Transfer File (CTF): the statutory XML that moves a pupil's record
between schools, read and written for the pupils' own details and SEN.

Structure (DfE CTF specification): `CTfile` > `Header` (`SourceSchool`, `DestSchool`) and
`CTFpupilData` > `Pupil` with `UPN`, `Surname`, `Forename`, `DOB`, `Sex`,
`BasicDetails/NCyearActual` and `SENhistory` (`SEN` with `StartDate` and `SENprovision`;
`SENneeds/SENneed` with `SENtypeRank` and `SENtype`). Elements this project does not keep
(addresses, contacts, attendance, assessments) are ignored on import.

Files are parsed by defusedxml: a DTD may appear, but entity declarations (the "billion
laughs" bomb, external entities reading local files or the network) are refused.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import Element, ParseError, SubElement, TreeBuilder, tostring

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from pupilhub.core.errors import Invalid
from pupilhub.schools.choices import CTF_YEARS

from .identity import upn_error

SUPPLIER_ID = "pupilhub"
# SEN provision codes before 2014 (School Action, School Action Plus, Statement) in old
# SEN histories: read as today's codes.
LEGACY_PROVISION = {"A": "K", "P": "K", "S": "E"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class _Builder:
    """An ElementTree target that notes the line each `<Pupil>` starts on (errors name it)."""

    def __init__(self) -> None:
        self.tree = TreeBuilder()
        self.lines: list[int] = []
        self.parser: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        tag = _local(tag)
        if tag == "Pupil":
            self.lines.append(self.parser.parser.CurrentLineNumber)
        return self.tree.start(tag, attrs)

    def end(self, tag: str) -> Element:
        return self.tree.end(_local(tag))

    def data(self, text: str) -> None:
        self.tree.data(text)

    def close(self) -> Element:
        return self.tree.close()


@dataclass
class Parsed:
    pupils: list[tuple[int, dict[str, Any]]]
    destination: dict[str, str] | None  # DestSchool's LEA and Estab, when the file names one
    partial: bool  # no pupil has BasicDetails (an MTC or GIAP file): update only, never create


def parse(raw: bytes) -> Parsed:
    """Each `<Pupil>` as (the line it starts on, {field: value}), with the header's
    destination.

    In a full CTF, names, date of birth, UPN and year are always present (empty when the
    file lacks them, so validation names what is missing). In a partial one (no pupil has
    `BasicDetails`), only what the file holds. Sex and SEN only when the file has them, so
    a re-import never erases what the file does not speak of.
    """
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=False)
    builder.parser = parser
    try:
        parser.feed(raw)
        root = parser.close()
    except DefusedXmlException:
        raise Invalid(
            "The file declares XML entities, which a Common Transfer File never needs; "
            "it was refused. Export the CTF from your MIS again.",
            code="invalid_file",
            fields={"file": ["XML entity declarations are not allowed."]},
        ) from None
    except ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        reason = str(exc).split(":")[0]
        message = f"The file is not well-formed XML: {reason} at line {line}, column {column + 1}."
        raise Invalid(message, code="invalid_file", fields={"file": [message]}) from None
    if root.tag != "CTfile":
        message = f"This XML file is not a Common Transfer File (it starts with <{root.tag}>)."
        raise Invalid(message, code="invalid_file", fields={"file": [message]})
    pupils = root.findall("CTFpupilData/Pupil")
    if not pupils:
        message = "The Common Transfer File holds no pupils (no CTFpupilData/Pupil)."
        raise Invalid(message, code="invalid_file", fields={"file": [message]})
    lines = iter(builder.lines)  # every Pupil, in document order; ours are a subset
    by_element = {id(el): next(lines) for el in root.iter("Pupil")}
    partial = all(p.find("BasicDetails") is None for p in pupils)
    found = [(by_element[id(p)], _pupil(p, partial=partial)) for p in pupils]
    return Parsed(found, _destination(root), partial)


def _destination(root: Element) -> dict[str, str] | None:
    dest = root.find("Header/DestSchool")
    if dest is None:
        return None
    return {"lea": _text(dest, "LEA").upper(), "estab": _text(dest, "Estab").upper()}


def _text(element: Element, *paths: str) -> str:
    for path in paths:
        found = element.find(path)
        if found is not None and (found.text or "").strip():
            return (found.text or "").strip()
    return ""


def _pupil(element: Element, *, partial: bool = False) -> dict[str, Any]:
    values: dict[str, Any] = {
        "pupil_id": _text(element, "UPN"),
        "surname": _text(element, "Surname", "BasicDetails/Surname", "BasicDetails/LegalSurname"),
        "first_name": _text(
            element, "Forename", "BasicDetails/Forename", "BasicDetails/LegalForename"
        ),
        "date_of_birth": _text(element, "DOB", "BasicDetails/DOB"),
        "year_group": _text(element, "BasicDetails/NCyearActual", "NCyearActual"),
    }
    if partial:  # say nothing of what the file does not hold
        values = {k: v for k, v in values.items() if v}
    sex = _text(element, "Sex", "Gender", "BasicDetails/Sex", "BasicDetails/Gender")
    if sex:
        values["sex"] = sex
    history = element.find("SENhistory")
    if history is not None:
        values.update(_sen(history))
    return values


def _sen(history: Element) -> dict[str, Any]:
    """The latest `SEN` entry's provision and start date; needs ranked, primary first."""
    values: dict[str, Any] = {}
    entries = [
        (_text(sen, "StartDate"), _text(sen, "SENprovision").upper())
        for sen in history.findall("SEN")
    ]
    entries = [e for e in entries if e[1]]
    if entries:
        start, provision = max(entries)  # ISO dates sort; an undated entry sorts first
        values["sen_status"] = LEGACY_PROVISION.get(provision, provision)
        values["sen_start_date"] = start
    needs = []
    for need in history.findall("SENneeds/SENneed"):
        code = _text(need, "SENtype").rstrip("*")
        rank = _text(need, "SENtypeRank")
        if code:
            needs.append((int(rank) if rank.isdigit() else 99, code))
    if needs or history.find("SENneeds") is not None:
        values["sen_needs"] = [code for _rank, code in sorted(needs)]
    return values


def version(on: date) -> str:
    """DfE's CTF version for the academic year holding `on`, turning on 1 August: `26.0`
    for 2026/27. MIS software accepts the current and the previous version only."""
    return f"{ctf_year(on) % 100}.0"


def ctf_year(on: date) -> int:
    """The academic year a CTF made on `on` belongs to (it turns on 1 August)."""
    return on.year if on.month >= 8 else on.year - 1


def upn_problems(pupils: list[Any]) -> list[str]:
    """Why these pupils cannot go in a CTF: each one without a permanent UPN, by name."""
    problems = []
    for pupil in pupils:
        error = upn_error(pupil.pupil_id)
        if error is None and not pupil.pupil_id[-1].isdigit():
            error = "This is a temporary UPN; give the pupil their permanent UPN first."
        if error:
            problems.append(f"{pupil.first_name} {pupil.surname} ({pupil.pupil_id}): {error}")
    return problems


def build(
    school: Any, pupils: list[Any], dest_lea: str, dest_estab: str, *, now: datetime
) -> bytes:
    """A CTF for these pupils, from this school to the destination given (LA and
    establishment numbers; DfE's `MMM`/`MMMM` for not known, `XXX`/`XXXX` for abroad)."""
    root = Element("CTfile")
    header = SubElement(root, "Header")
    _add(header, "DocumentName", "Common Transfer File")
    _add(header, "CTFversion", version(now.date()))
    _add(header, "DateTime", now.replace(microsecond=0, tzinfo=None).isoformat())
    _add(header, "DocumentQualifier", "full")
    _add(header, "SupplierID", SUPPLIER_ID)
    source = SubElement(header, "SourceSchool")
    _add(source, "LEA", school.lea)
    _add(source, "Estab", school.estab)
    if school.urn:
        _add(source, "URN", school.urn)
    _add(source, "SchoolName", school.name)
    _add(source, "AcademicYear", str(ctf_year(now.date())))
    dest = SubElement(header, "DestSchool")
    _add(dest, "LEA", dest_lea)
    _add(dest, "Estab", dest_estab)
    data = SubElement(root, "CTFpupilData")
    for pupil in pupils:
        data.append(_pupil_element(pupil))
    return tostring(root, encoding="utf-8", xml_declaration=True)


def nc_year(code: int) -> str:
    """`NCyearActual`: N1, N2, R, 1-13 (retained years as 14, 15) or X."""
    return CTF_YEARS.get(code, str(code))


def sex_problems(pupils: list[Any]) -> list[str]:
    """Pupils without a recorded sex (a CTF needs one for every pupil), by name."""
    return [
        f"{p.first_name} {p.surname} ({p.pupil_id}): record the pupil's sex (F or M) first."
        for p in pupils
        if p.sex not in ("F", "M")
    ]


def _add(parent: Element, tag: str, text: str) -> Element:
    child = SubElement(parent, tag)
    child.text = text
    return child


def _pupil_element(pupil: Any) -> Element:
    element = Element("Pupil")
    _add(element, "UPN", pupil.pupil_id)
    _add(element, "Surname", pupil.surname)
    _add(element, "Forename", pupil.first_name)
    _add(element, "DOB", pupil.date_of_birth.isoformat())
    _add(element, "Sex", pupil.sex)  # every pupil has one: the export checks first
    basic = SubElement(element, "BasicDetails")
    _add(basic, "NCyearActual", nc_year(pupil.year_group))
    if pupil.sen_status != "N" or pupil.sen_needs:
        history = SubElement(element, "SENhistory")
        sen = SubElement(history, "SEN")
        if pupil.sen_start_date:  # only when known: never an invented date
            _add(sen, "StartDate", pupil.sen_start_date.isoformat())
        _add(sen, "SENprovision", pupil.sen_status)
        if pupil.sen_needs:
            needs = SubElement(history, "SENneeds")
            for rank, code in enumerate(pupil.sen_needs, start=1):
                need = SubElement(needs, "SENneed")
                _add(need, "SENtypeRank", str(rank))
                _add(need, "SENtype", code)
    return element
