"""The verifier report on the command line: ``didkit vc verify --policy …`` / ``didkit vp verify --policy …``.

``didkit``'s verify commands call :func:`verify_for_cli` when ``--policy`` options are given
(``--policy defaults`` takes the defaults as they are); it verifies under those policies and
prints the :class:`~verifier.report.VerificationReport` (``--json``: the raw report, exactly one
JSON document). Exit code: 0 accepted, 1 rejected.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from didkit_py.did import Resolver

from .core import Verifier
from .policies import Policies, ValidityPeriodPolicy
from .report import CheckOutcome, VerificationReport

__all__ = ["render_report", "verify_for_cli"]

_MARK = {
    CheckOutcome.PASSED: Text("✔", style="green"),
    CheckOutcome.FAILED: Text("✘", style="bold red"),
    CheckOutcome.SKIPPED: Text("–", style="dim"),
}


def verify_for_cli(
    text: str,
    *,
    kind: Literal["credential", "presentation"],
    policy_options: Sequence[str],
    resolver: Resolver,
    now: datetime,
    skew: float,
    challenge: str | None = None,
    domain: str | None = None,
    allow_loopback_http: bool = False,
    json_out: bool = False,
    console: Console | None = None,
) -> int:
    """Verify ``text`` under the policies, print the report, and return the exit code."""
    options = [o for o in policy_options if o.strip().lower() != "defaults"]
    base = Policies(validity_period=ValidityPeriodPolicy(skew=timedelta(seconds=skew)))
    policies = base.with_options(options)
    if (
        kind == "presentation"
        and challenge is None
        and not any(o.startswith("challenge_domain") for o in options)
    ):
        # On the command line nobody issued a nonce: without --challenge, say so rather than fail.
        policies = policies.with_options(["challenge_domain.required=off"])

    async def run() -> VerificationReport:
        verifier = Verifier(
            resolver=resolver, policies=policies, clock=lambda: now, allow_loopback_http=allow_loopback_http
        )
        try:
            if kind == "credential":
                return await verifier.verify_credential(text)
            return await verifier.verify_presentation(text, challenge=challenge, domain=domain)
        finally:
            await verifier.aclose()

    report = asyncio.run(run())
    if json_out:
        import sys

        sys.stdout.write(json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n")
    else:
        render_report(report, console=console)
    return 0 if report.accepted else 1


def render_report(report: VerificationReport, *, console: Console | None = None) -> None:
    """Verdict, each check (policy, subject, outcome, why), disclosed claims and risk signals."""
    console = console or Console(soft_wrap=True)
    ok = report.accepted
    verdict = Text.assemble(
        ("✔ ACCEPTED " if ok else "✘ REJECTED ", "bold green" if ok else "bold red"),
        (f"{report.format or '?'} {report.kind}", "green" if ok else "red"),
    )
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("", width=1)
    table.add_column("policy", no_wrap=True)
    table.add_column("subject", no_wrap=True)
    table.add_column("detail", overflow="fold")
    table.add_column("ms", justify="right")
    for c in report.checks:
        style = (
            "red"
            if c.outcome is CheckOutcome.FAILED
            else ("dim" if c.outcome is CheckOutcome.SKIPPED else "")
        )
        detail = f"{c.code}: {c.message}" if c.code else c.message
        table.add_row(
            _MARK[c.outcome], c.policy, c.subject, Text(detail, style=style), f"{c.duration_ms:.1f}"
        )
    parts: list[Any] = [verdict]
    if report.holder:
        parts.append(Text(f"holder {report.holder}"))
    for cred in report.credentials:
        parts.append(
            Text(f"credential[{cred.index}] {cred.format} from {cred.issuer or '?'}: {', '.join(cred.types)}")
        )
    parts += [Text(""), table]
    if report.disclosed_claims:
        parts.append(Text("\ndisclosed claims", style="bold"))
        for d in report.disclosed_claims[:50]:
            parts.append(
                Text(f"  [{d.credential}] {d.pointer} = {json.dumps(d.value, ensure_ascii=False)[:120]}")
            )
    for s in report.risk_signals:
        style = {"high": "bold red", "warning": "yellow", "info": "cyan"}[s.severity]
        parts.append(Text(f"risk {s.severity}: {s.code} — {s.message}", style=style))
    console.print(Panel(Group(*parts), border_style="green" if ok else "red", expand=False))
