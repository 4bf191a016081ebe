"""All rule files of an office as one typed, frozen bundle, loaded once when the services are built.

| field | file | model |
| --- | --- | --- |
| ``district`` | ``handlers/data/district.toml`` | :class:`handlers.nlu.District` |
| ``complaints`` | ``handlers/complaints/data/complaint.toml`` | ``handlers.complaints.ComplaintTerms`` |
| ``process`` | ``handlers/complaints/data/process.toml`` | ``handlers.complaints.Process`` |
| ``incidents`` | ``handlers/incidents/data/incident_rules.toml`` | ``handlers.incidents.IncidentRules`` |
| ``incident_words`` | ``handlers/incidents/data/incident_words.toml`` | ``handlers.incidents.IncidentWords`` |
| ``report_document`` | ``handlers/incidents/data/report_document.toml`` | ``handlers.incidents.ReportLayout`` |
| ``hazards`` | ``handlers/hazards/data/hazards.toml`` | ``handlers.hazards.HazardTerms`` |
| ``roster`` | ``handlers/roster/data/roster.toml`` | ``handlers.roster.RosterTerms`` |
| ``statistics`` | ``handlers/statistics/data/statistics.toml`` | ``handlers.statistics.StatTerms`` |
| ``examples`` | ``handlers/data/examples.jsonl`` + ``data/<domain>_examples.jsonl`` | ``handlers.examples.Examples`` |
| ``command_examples`` | ``data/<domain>_command_examples.jsonl`` | ``handlers.examples.CommandExamples`` |
| ``commands`` | ``handlers/data/commands.toml`` + ``data/<domain>_commands.toml`` | ``handlers.commands.Catalogue`` |

``ENVBOT_RULES_DIR`` names a directory whose files override the bundled ones file by file (same
file name; a file absent there is the bundled one). ``ENVBOT_INCIDENT_RULES`` names one file
that wins for ``incident_rules.toml``. A bad file stops start-up with
:class:`core.errors.ConfigError` naming the file and the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from core.errors import ConfigError
from handlers.commands import DOMAIN_FILES, SHARED_FILE, Catalogue, load_catalogue
from handlers.complaints import ComplaintTerms, Process
from handlers.examples import CommandExamples, Examples, load_command_examples, load_examples
from handlers.hazards import HazardTerms
from handlers.incidents import IncidentRules, IncidentWords, ReportLayout, load_layout
from handlers.lists import BareFilters, bare_filters
from handlers.nlu import District
from handlers.reader import CommandReader, Reader, train_command_reader, train_reader
from handlers.roster import RosterTerms
from handlers.ruledata import Phrasing, read_rule_file
from handlers.statistics import StatTerms, load_terms

__all__ = ["COMMAND_FILES", "RULE_FILES", "Rules", "load_rules_bundle"]

RULE_FILES: dict[str, tuple[str, str]] = {
    # field -> (package whose data/ holds the bundled file, file name)
    "district": ("handlers", "district.toml"),
    "complaints": ("handlers.complaints", "complaint.toml"),
    "process": ("handlers.complaints", "process.toml"),
    "incidents": ("handlers.incidents", "incident_rules.toml"),
    "incident_words": ("handlers.incidents", "incident_words.toml"),
    "report_document": ("handlers.incidents", "report_document.toml"),
    "hazards": ("handlers.hazards", "hazards.toml"),
    "roster": ("handlers.roster", "roster.toml"),
    "statistics": ("handlers.statistics", "statistics.toml"),
}
COMMAND_FILES: tuple[tuple[str, str], ...] = (SHARED_FILE, *DOMAIN_FILES)
"""The files of the ``commands`` field (one catalogue from several files)."""


@dataclass(frozen=True)
class Rules:
    """Every rule file, typed (see the module docstring for the file of each field)."""

    district: District
    complaints: ComplaintTerms
    process: Process
    incidents: IncidentRules
    incident_words: IncidentWords
    hazards: HazardTerms
    roster: RosterTerms
    commands: Catalogue
    examples: Examples
    command_examples: CommandExamples
    report_document: ReportLayout
    statistics: StatTerms

    @cached_property
    def reader(self) -> Reader:
        """The reader trained on :attr:`examples` (trained on first use, cached per process by their digest)."""
        return train_reader(self.examples)

    @cached_property
    def bare_filters(self) -> BareFilters:
        """The words of a bare list filter ("快超期的"), gathered once (:func:`handlers.lists.bare_filters`)."""
        return bare_filters(self)

    @property
    def said(self) -> dict[str, dict[str, Phrasing]]:
        """Command domain -> action -> how it is said (the ``[said]`` tables of the domains' word files)."""
        return {"incident": self.incident_words.said, "hazard": self.hazards.said, "complaint": self.process.said}

    @cached_property
    def command_reader(self) -> CommandReader:
        """The staff command reader (trained on first use from :attr:`command_examples` and the staff
        messages of :attr:`examples`; cached per process)."""
        actions = frozenset(f"{d}.{a}" for d, said in self.said.items() for a in said)
        return train_command_reader(self.examples, self.command_examples, actions)

    @classmethod
    def bundled(cls) -> Rules:
        """The rule files shipped with envbot (for tests and tools that build a context by hand)."""
        return load_rules_bundle()


def load_rules_bundle(rules_dir: Path | None = None, incident_rules: Path | None = None) -> Rules:
    """Load and check every rule file.

    Args:
        rules_dir: ``ENVBOT_RULES_DIR``: files here override the bundled ones of the same name.
        incident_rules: ``ENVBOT_INCIDENT_RULES``: this file is the incident rules (it wins over ``rules_dir``).

    Raises:
        ConfigError: ``rules_dir`` is not a directory or holds a ``.toml`` file that is no rule file
            (a misspelt name would otherwise be ignored), or a file is unreadable or invalid
            (the message names the file and line).
    """
    if rules_dir is not None:
        if not rules_dir.is_dir():
            raise ConfigError(f"ENVBOT_RULES_DIR {rules_dir} is not a directory")
        known = {name for _, name in (*RULE_FILES.values(), *COMMAND_FILES)}
        strays = sorted(p.name for p in rules_dir.glob("*.toml") if p.name not in known)
        if strays:
            raise ConfigError(
                f"{rules_dir / strays[0]}: not a rule file envbot reads (known: {', '.join(sorted(known))})"
            )
    process = read_rule_file(Process, "handlers.complaints", "process.toml", rules_dir=rules_dir)
    incident_words = read_rule_file(IncidentWords, "handlers.incidents", "incident_words.toml", rules_dir=rules_dir)
    hazards = read_rule_file(HazardTerms, "handlers.hazards", "hazards.toml", rules_dir=rules_dir)
    incidents = read_rule_file(
        IncidentRules, "handlers.incidents", "incident_rules.toml", rules_dir=rules_dir, path=incident_rules
    )
    elements = {e.key for d in incidents.drafts.values() for e in d.elements}
    actions = {
        "incident": list(incident_words.verbs),
        "hazard": list(hazards.verbs),
        "complaint": process.actions,
    }
    return Rules(
        district=read_rule_file(District, "handlers", "district.toml", rules_dir=rules_dir),
        complaints=read_rule_file(ComplaintTerms, "handlers.complaints", "complaint.toml", rules_dir=rules_dir),
        process=process,
        incidents=incidents,
        incident_words=incident_words,
        hazards=hazards,
        roster=read_rule_file(RosterTerms, "handlers.roster", "roster.toml", rules_dir=rules_dir),
        commands=load_catalogue(rules_dir),
        examples=load_examples(rules_dir),
        command_examples=load_command_examples(rules_dir, actions, elements),
        report_document=load_layout(rules_dir),
        statistics=load_terms(rules_dir),
    )
