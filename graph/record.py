"""The fiche record: the project's lossless interchange format between the export text and the graph.

One record per fiche, its fields named as the JSON keys that `maillage parse` prints. Values stay as the
export wrote them (trimmed, bullets removed); normalising them is the RDF mapping's job, so that the
record can always be checked against the page it came from.

A dataset's own records (its ``fiches.jsonl``) carry two more keys after ``source``, which the interchange
format of ``maillage parse`` never has: ``chemin``, the path the build gave the fiche's IRIs
(``action/<chemin>``, ``fiche/<chemin>``), so that a rebuild from the records, or an update, never renames
a published IRI; and ``retrait``, the day (ISO 8601) an update found the fiche missing from a newer export
of its source, only for a withdrawn fiche.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

#: The fields that hold lists of values (``[]`` when empty).
LIST_FIELDS = ("dimensions", "mots_cles", "initiative", "public", "partenaires")

#: The free-text fields, in the order of the form.
TEXT_FIELDS = (
    "raison_fin",
    "resume",
    "precision_initiative",
    "description_experience",
    "description_generale",
    "ressources_financieres",
    "personnes_mobilisees",
    "resultat_territoire",
    "resultat_centre_social",
    "resultat_habitants",
    "limites",
    "perspectives",
)


@dataclass(frozen=True)
class Source:
    """Where a fiche starts: the export file and the line of its ``Actions`` marker (1-based)."""

    file: str
    line: int


@dataclass
class Fiche:
    """One fiche-action as read from an export, keys in the order of the interchange format."""

    titre: str | None = None
    structure: str | None = None
    departement: str | None = None
    statut: str | None = None
    raison_fin: str | None = None
    dimensions: list[str] = field(default_factory=list)
    mots_cles: list[str] = field(default_factory=list)
    initiative: list[str] = field(default_factory=list)
    precision_initiative: str | None = None
    territoire: str | None = None
    public: list[str] = field(default_factory=list)
    partenaires: list[str] = field(default_factory=list)
    resume: str | None = None
    description_experience: str | None = None
    description_generale: str | None = None
    ressources_financieres: str | None = None
    personnes_mobilisees: str | None = None
    resultat_territoire: str | None = None
    resultat_centre_social: str | None = None
    resultat_habitants: str | None = None
    limites: str | None = None
    perspectives: str | None = None
    annee: int | None = None
    source: Source = field(default_factory=lambda: Source("", 0))
    #: The path of the fiche's IRIs, once a build has given it one (dataset records only).
    chemin: str | None = None
    #: The day the fiche was found withdrawn from its source, ISO 8601 (dataset records only).
    retrait: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as the JSON object of the interchange format (key order fixed).

        Built by hand rather than with ``dataclasses.asdict``, whose deep copy cost 55 µs a fiche (20 times
        this): a fifth of ``maillage parse``'s time on a large export. Lists are copied, as asdict did.
        """
        data = {name: getattr(self, name) for name in JSON_KEYS}
        for name in LIST_FIELDS:
            data[name] = list(data[name])
        data["source"] = {"file": self.source.file, "line": self.source.line}
        for name in DATASET_KEYS:
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fiche:
        """Read back a record written by :meth:`to_json`; unknown or missing keys are errors.

        The dataset keys (``chemin``, ``retrait``) may be there or not.
        """
        expected = set(JSON_KEYS)
        keys = set(data) - set(DATASET_KEYS)
        if keys != expected:
            raise ValueError(f"record keys differ from the format: {sorted(keys ^ expected)}")
        values = dict(data)
        values["source"] = Source(**values["source"])
        return cls(**values)

    def content(self) -> tuple[Any, ...]:
        """Everything but the source: two fiches with equal content are exact duplicates."""
        return tuple(
            tuple(getattr(self, f.name)) if f.name in LIST_FIELDS else getattr(self, f.name)
            for f in fields(self)
            if f.name != "source" and f.name not in DATASET_KEYS
        )


#: The keys only a dataset's records carry (see the module's docstring), after the format's keys.
DATASET_KEYS = ("chemin", "retrait")
#: The keys of the interchange format, in order.
JSON_KEYS = tuple(f.name for f in fields(Fiche) if f.name not in DATASET_KEYS)
