"""What an import found: repairs, warnings and errors, each naming the file and the feature or record."""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("info", "warning", "error")


@dataclass
class Report:
    """Findings of one import; any error means nothing of it is written."""

    source: str
    findings: list[tuple[str, str]] = field(default_factory=list)

    def add(self, level: str, message: str) -> None:
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}")
        self.findings.append((level, message))

    def info(self, message: str) -> None:
        self.add("info", message)

    def warning(self, message: str) -> None:
        self.add("warning", message)

    def error(self, message: str) -> None:
        self.add("error", message)

    def of(self, level: str) -> list[str]:
        return [message for lv, message in self.findings if lv == level]

    @property
    def ok(self) -> bool:
        return not self.of("error")

    def lines(self) -> list[str]:
        """One line per finding, errors first, each prefixed with its level and the source."""
        ordered = sorted(self.findings, key=lambda f: -LEVELS.index(f[0]))
        return [f"{level.upper():<8}{self.source}: {message}" for level, message in ordered]


class CityImportError(ValueError):
    """An import refused: its report holds at least one error."""

    def __init__(self, report: Report) -> None:
        super().__init__("\n".join(report.lines()))
        self.report = report
