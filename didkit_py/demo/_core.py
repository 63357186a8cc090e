"""The demo's frame: a shared context, a narrator, and the chapter record."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..errors import VerificationError

if TYPE_CHECKING:
    from ..credentials import VerificationResult
    from ..did import Resolver

__all__ = ["Chapter", "DemoContext", "Narrator", "expect", "shorten"]


@dataclass(slots=True)
class DemoContext:
    """What chapters share: the clock, the resolver, randomness, and what earlier chapters made.

    ``state`` carries results from one chapter to the next (e.g. ``state["issuer"]``), so a
    later chapter can present a credential an earlier one issued.
    """

    now: datetime
    resolver: Resolver
    rng: Callable[[int], bytes] = os.urandom
    data_dir: Path | None = None
    #: Rank plain-language requests with BM25 instead of loading MiniLM (faster start, no model).
    lexical: bool = False
    state: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Chapter:
    """One chapter: a slug for ``--chapter``, a title, and the coroutine that tells it."""

    slug: str
    title: str
    run: Callable[[DemoContext, Narrator], Awaitable[None]]


def expect(condition: bool, message: str) -> None:
    """A fact the story states (e.g. "no hidden value appears"): stop the demo if it is false."""
    if not condition:
        raise VerificationError(f"demo: {message}", code="demo.unexpected")


def shorten(text: str, keep: int = 28) -> str:
    """``eyJhbGciOi…Q3Jk (812 chars)``: long tokens and DIDs, readable in a story."""
    if len(text) <= 2 * keep + 12:
        return text
    return f"{text[:keep]}…{text[-12:]} ({len(text)} chars)"


class Narrator:
    """Tells the story with rich on ``console``, or (``collect=True``) records a JSON transcript.

    Chapters call :meth:`say`, :meth:`show` and :meth:`verification`; the latter also checks
    that the outcome is the one the story expects and raises ``VerificationError`` otherwise,
    so a demo that "passes" has really verified (and really rejected) what it claims.
    """

    def __init__(self, console: Console | None = None, *, collect: bool = False) -> None:
        self._console = console or Console(soft_wrap=False, emoji=False, highlight=False)
        self._collect = collect
        self._chapters: list[dict[str, Any]] = []

    @property
    def collecting(self) -> bool:
        return self._collect

    def _events(self) -> list[dict[str, Any]]:
        if not self._chapters:
            self._chapters.append({"number": 0, "slug": "", "title": "", "events": []})
        events: list[dict[str, Any]] = self._chapters[-1]["events"]
        return events

    def chapter(self, number: int, slug: str, title: str) -> None:
        self._chapters.append({"number": number, "slug": slug, "title": title, "events": []})
        if not self._collect:
            self._console.print()
            self._console.rule(Text(f"Chapter {number} · {title}", style="bold cyan"), align="left")

    def say(self, text: str) -> None:
        """A line of the story."""
        self._events().append({"say": text})
        if not self._collect:
            self._console.print(Text(text))

    def show(self, label: str, value: Any, *, full: bool = False) -> None:
        """An artifact: a DID, a token (shortened unless ``full``) or a JSON document."""
        self._events().append({"show": {"label": label, "value": value}})
        if self._collect:
            return
        if isinstance(value, str):
            shown = value if full else shorten(value)
            self._console.print(Text.assemble(("  " + label + ": ", "dim"), (shown, "bold")))
        else:
            body = Text(json.dumps(value, indent=2, ensure_ascii=False))
            self._console.print(
                Panel(body, title=label, title_align="left", border_style="dim", expand=False)
            )

    def verification(self, label: str, result: VerificationResult, *, expect_verified: bool) -> None:
        """Show a verification outcome and insist it is the expected one."""
        record = {
            "label": label,
            "expected": expect_verified,
            "verified": result.verified,
            "checks": [c.to_dict() for c in result.checks],
            "errors": [e.to_dict() for e in result.errors],
        }
        self._events().append({"verification": record})
        if not self._collect:
            table = Table.grid(padding=(0, 1))
            for check in result.checks:
                mark = Text("✔", style="green") if check.passed else Text("✘", style="bold red")
                detail = check.message if check.passed else f"{check.code}: {check.message}"
                table.add_row(mark, Text(check.name), Text(detail, style="dim" if check.passed else "red"))
            if result.verified:
                head = Text("✔ verified", style="bold green")
            else:
                head = Text("✘ rejected", style="bold red")
            ok = result.verified == expect_verified
            self._console.print(
                Panel(
                    Group(head, table),
                    title=label,
                    title_align="left",
                    border_style="green" if ok else "red",
                    expand=False,
                )
            )
        if result.verified != expect_verified:
            raise VerificationError(
                f"demo step {label!r} was {'verified' if result.verified else 'rejected'}, "
                f"the story expects the opposite",
                code="demo.unexpected",
            )

    def report(
        self,
        label: str,
        report: Mapping[str, Any],
        *,
        expect_accepted: bool,
        expect_signals: Sequence[str] = (),
    ) -> None:
        """Show a verifier report (``VerificationReport.to_json()``) and insist on its verdict.

        ``expect_signals`` names risk-signal codes the story says the verifier must raise; a
        missing one stops the demo like an unexpected verdict does.
        """
        accepted = report.get("verdict") == "accepted"
        checks = [c for c in report.get("checks", []) if isinstance(c, Mapping)]
        signals = [s for s in report.get("risk_signals", []) if isinstance(s, Mapping)]
        disclosed = [d for d in report.get("disclosed_claims", []) if isinstance(d, Mapping)]
        record = {
            "label": label,
            "expected": expect_accepted,
            "verified": accepted,
            "verdict": report.get("verdict"),
            "checks": [
                {k: c.get(k) for k in ("policy", "subject", "outcome", "code", "message")} for c in checks
            ],
            "disclosed_claims": [dict(d) for d in disclosed],
            "risk_signals": [dict(s) for s in signals],
        }
        self._events().append({"report": record})
        if not self._collect:
            table = Table.grid(padding=(0, 1))
            marks = {"passed": ("✔", "green"), "failed": ("✘", "bold red"), "skipped": ("·", "dim")}
            for c in checks:
                outcome = str(c.get("outcome"))
                if outcome == "skipped":
                    continue  # the report keeps them; the story shows what was checked
                mark, style = marks.get(outcome, ("?", "yellow"))
                detail = str(c.get("message") or "")
                if outcome == "failed":
                    detail = f"{c.get('code')}: {detail}"
                table.add_row(
                    Text(mark, style=style),
                    Text(f"{c.get('policy')} ({c.get('subject')})"),
                    Text(detail, style="red" if outcome == "failed" else "dim"),
                )
            parts: list[Any] = [
                Text("✔ accepted", style="bold green") if accepted else Text("✘ rejected", style="bold red"),
                table,
            ]
            for d in disclosed:
                parts.append(
                    Text(f"  disclosed {d.get('pointer')} = {json.dumps(d.get('value'))}", style="cyan")
                )
            for s in signals:
                style = {"high": "bold red", "warning": "yellow"}.get(str(s.get("severity")), "dim")
                parts.append(
                    Text(f"  risk [{s.get('severity')}] {s.get('code')}: {s.get('message')}", style=style)
                )
            ok = accepted == expect_accepted
            self._console.print(
                Panel(
                    Group(*parts),
                    title=label,
                    title_align="left",
                    border_style="green" if ok else "red",
                    expand=False,
                )
            )
        if accepted != expect_accepted:
            raise VerificationError(
                f"demo step {label!r} was {'accepted' if accepted else 'rejected'}, "
                f"the story expects the opposite",
                code="demo.unexpected",
            )
        missing = sorted(set(expect_signals) - {str(s.get("code")) for s in signals})
        if missing:
            raise VerificationError(
                f"demo step {label!r}: the verifier raised no {', '.join(missing)} risk signal",
                code="demo.unexpected",
            )

    def transcript(self, *, ok: bool) -> dict[str, Any]:
        """The whole story as one JSON document (for ``didkit demo --json``)."""
        return {"demo": "didkit-py", "ok": ok, "chapters": self._chapters}
