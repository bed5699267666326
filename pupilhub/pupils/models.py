"""Pupils on a school's roll."""

from django.conf import settings
from django.db import models

from pupilhub.core.models import SchoolOwned

from .identity import match_key, match_parts, search_text


class PupilStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class SenStatus(models.TextChoices):
    """The DfE census SEN provision codes."""

    NONE = "N", "No special educational need"
    SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "Education, health and care plan"


# DfE SEN type-of-need codes (school census), in the order the census lists them.
SEN_NEEDS = {
    "SPLD": "Specific learning difficulty",
    "MLD": "Moderate learning difficulty",
    "SLD": "Severe learning difficulty",
    "PMLD": "Profound and multiple learning difficulty",
    "SEMH": "Social, emotional and mental health",
    "SLCN": "Speech, language and communication needs",
    "HI": "Hearing impairment",
    "VI": "Visual impairment",
    "MSI": "Multi-sensory impairment",
    "PD": "Physical disability",
    "ASD": "Autistic spectrum disorder",
    "OTH": "Other difficulty or disability",
    "NSA": "SEN support but no specialist assessment of type of need",
}


class Pupil(SchoolOwned):
    """A child at one school. The same child at another school is another row."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="pupils")
    first_name = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    pupil_id = models.CharField(max_length=20)
    year_group = models.SmallIntegerField()  # national code (schools.choices.YEAR_CODES)
    tutor_group = models.CharField(max_length=20, blank=True)
    sets = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=PupilStatus.choices, default="active")
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True)
    sen_status = models.CharField(max_length=1, choices=SenStatus.choices, default="N")
    sen_needs = models.JSONField(default=list, blank=True)  # ranked DfE codes, primary first
    # When the current SEN status began (a CTF's SEN/StartDate; else the day it was set here).
    sen_start_date = models.DateField(null=True, blank=True)
    match_key = models.CharField(max_length=300, db_index=True, editable=False)
    # Parts of the match key, to find near misses (three of four equal) by index.
    match_name = models.CharField(max_length=201, editable=False, default="")
    # Names and pupil ID without accents or case, for search ("sean" finds "Seán").
    search_text = models.CharField(max_length=230, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["surname", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "pupil_id"], name="unique_pupil_id_in_school")
        ]
        indexes = [
            models.Index(fields=["school", "status", "year_group"]),
            models.Index(fields=["school", "surname", "first_name"]),
            # The pupil list's default: active pupils in name order, read 50 at a time.
            models.Index(fields=["school", "status", "surname", "first_name", "id"]),
            # Shared pupils: the partner's roll joined on the match key, school by school.
            models.Index(fields=["school", "match_key"], name="pupil_school_match_idx"),
            # A transfer's near misses by index: the same names and date of birth.
            models.Index(
                fields=["school", "match_name", "date_of_birth"], name="pupil_school_name_dob_idx"
            ),
            # A sync's `updated_after`: what changed since, in change order, 50 at a time.
            models.Index(fields=["school", "updated_at", "id"], name="pupil_school_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.surname}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.surname}"

    @property
    def sen_needs_label(self) -> str:
        return "; ".join(SEN_NEEDS.get(code, code) for code in self.sen_needs)

    @property
    def year_label(self) -> str:
        return self.school.year_label(self.year_group)

    def refresh_match_key(self) -> None:
        self.match_key = match_key(self.first_name, self.surname, self.date_of_birth, self.pupil_id)
        parts = match_parts(self.first_name, self.surname, self.date_of_birth, self.pupil_id)
        self.match_name = f"{parts[0]}\x1f{parts[1]}"
        self.search_text = search_text(f"{self.first_name} {self.surname} {self.pupil_id}")

    def save(self, *args: object, **kwargs: object) -> None:
        self.refresh_match_key()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "match_key", "match_name", "search_text"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class YearEnd(SchoolOwned):
    """A school's year-end rollover: once per academic year (the unique pair is the lock)."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    academic_year = models.CharField(max_length=7)  # the year rolled into, "2026/27"
    promoted = models.PositiveIntegerField(default=0)
    left = models.PositiveIntegerField(default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "academic_year"], name="one_year_end_a_year")
        ]

    def __str__(self) -> str:
        return f"year end {self.academic_year}"


class CtfSerial(models.Model):
    """The last serial a school gave CTFs to one destination on one day: DfE file names end
    `_001`, `_002` ..., so a second file the same day never takes the first one's name."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    destination = models.CharField(max_length=7)  # LA and establishment, e.g. 9364123
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["school", "destination", "day"], name="one_ctf_serial_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"CTF serial {self.destination} {self.day}: {self.last}"


class PupilYear(SchoolOwned):
    """The year group a pupil was in during an academic year that has ended: written by the
    rollover for every pupil it moves, so what belonged to last year (its reports) still
    finds them. The year under way is the pupil's own `year_group`."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="year_history")
    academic_year = models.CharField(max_length=7)  # "2025/26"
    year_group = models.SmallIntegerField()
    until = models.DateTimeField()  # the rollover that ended it

    class Meta:
        ordering = ["until"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "academic_year"], name="one_year_a_pupil")
        ]

    def __str__(self) -> str:
        return f"{self.academic_year}: {self.year_group}"
