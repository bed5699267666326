"""Base classes for request and answer bodies, shared by the API and the pages that
validate the same shapes."""

from ninja import Schema
from pydantic import BaseModel, ConfigDict


class In(Schema):
    """A request body: a field it does not name is a 400 `unknown_field` (a misspelt print-run
    filter must never widen the run to everyone), never silently ignored."""

    model_config = ConfigDict(extra="forbid")


class Lenient(Schema):
    """An answer built on an input schema: extra keys are dropped, not refused."""

    model_config = ConfigDict(extra="ignore")


class Open(BaseModel):
    """An answer that names its fields and may carry more (kept, never dropped). A plain
    pydantic model: ninja's Schema reads dicts as attributes, which would drop the rest."""

    model_config = ConfigDict(extra="allow")
