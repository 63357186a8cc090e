"""``didkit vc``: issue and verify verifiable credentials.

``didkit vc issue --key KEYFILE [--format vc+jwt] [--vm DIDURL] CREDENTIAL.json`` prints the
secured credential; ``didkit vc verify FILE`` prints a report (verdict and every check) and exits
0 when verified, 1 when a check failed and 3 when the input could not be read or checked.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..credentials import Secured, Signer, VerificationResult, issue, signer_for_key, verify
from ..credentials.model import parse_datetime
from ..errors import DidkitError, InvalidInput, StorageError
from ..keys import KeyPair, load_key_file
from ._common import (
    EXIT_CHECK_FAILED,
    JsonOpt,
    err_console,
    exit_code_for,
    handle_errors,
    out_console,
    print_json,
    read_json_file,
    read_text_file,
)
from .did import build_resolver

__all__ = [
    "app",
    "parse_now",
    "render_report",
    "result_exit_code",
    "signer_from_options",
    "verify_file",
    "write_output",
]

app = typer.Typer(name="vc", help="Issue and verify verifiable credentials.", no_args_is_help=True)


class DidMethodChoice(StrEnum):
    key = "key"
    jwk = "jwk"


KeyOpt = Annotated[
    Path, typer.Option("--key", "-k", help="Key file (from `didkit key generate`) to sign with.")
]
VmOpt = Annotated[
    str | None,
    typer.Option(
        "--vm",
        help="DID URL of the verification method for the key (default: the key's own did:key / did:jwk).",
    ),
]
MethodOpt = Annotated[
    DidMethodChoice,
    typer.Option(
        "--did-method", help="DID derived from the key when --vm is not given.", case_sensitive=False
    ),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Securing format.")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="Write the result to this file.")]
NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="Verify as of this time (XML date-time with timezone) instead of the clock."),
]
SkewOpt = Annotated[
    float, typer.Option("--skew", help="Clock skew tolerated on every time check, in seconds.", min=0)
]
LoopbackOpt = Annotated[
    bool, typer.Option("--allow-loopback-http", help="Let did:web use plain HTTP to 127.0.0.1/localhost.")
]
PolicyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--policy",
        "-p",
        help="Verify under the verifier SDK's policies and print its report: name=on|off, "
        "name.setting=value (e.g. status=off, issuer_trust.trusted_issuers=did:…), or 'defaults'.",
    ),
]


def policy_report(
    path: Path,
    *,
    kind: Literal["credential", "presentation"],
    policy: list[str],
    now: str | None,
    skew: float,
    challenge: str | None,
    domain: str | None,
    allow_loopback_http: bool,
    json_out: bool,
) -> int:
    """``--policy``: the verifier SDK's report (verifier/cli.py); returns the exit code."""
    from verifier.cli import verify_for_cli  # the app package, imported only by this command

    return verify_for_cli(
        read_text_file(path, what=kind),
        kind=kind,
        policy_options=policy,
        resolver=build_resolver(allow_loopback_http=allow_loopback_http),
        now=parse_now(now),
        skew=skew,
        challenge=challenge,
        domain=domain,
        allow_loopback_http=allow_loopback_http,
        json_out=json_out,
        console=out_console,
    )


def signer_from_options(key_file: Path, vm: str | None, method: DidMethodChoice) -> Signer:
    """The signer for ``--key`` / ``--vm`` / ``--did-method``."""
    key: KeyPair = load_key_file(key_file)
    if vm is None:
        return signer_for_key(key, method=method.value)  # type: ignore[arg-type]
    if not vm.startswith("did:") or "#" not in vm:
        raise InvalidInput(
            "--vm must be a DID URL with a fragment, e.g. did:web:example.com#key-1", code="cli.vm"
        )
    return Signer(key, vm)


def parse_now(now: str | None) -> datetime:
    """``--now`` or the current time (UTC)."""
    if now is None:
        return datetime.now(UTC)
    return parse_datetime(now, at="--now", code="cli.now")


def write_output(path: Path, text: str) -> None:
    """Write ``text`` atomically (temporary file in the same directory, then rename)."""
    target = path.resolve()
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}", code="io.write") from None


def _secured_text(secured: Secured) -> str:
    return secured if isinstance(secured, str) else json.dumps(secured, indent=2, ensure_ascii=False)


def emit_secured(secured: Secured, *, out: Path | None, json_out: bool, summary: dict[str, Any]) -> None:
    """Print (or write) an issued credential/presentation; ``--json`` wraps it with a summary."""
    if out is not None:
        write_output(out, _secured_text(secured) + "\n")
        err_console.print(Text(f"wrote {out}"))
    if json_out:
        print_json({**summary, "secured": secured})
    elif out is None:
        typer.echo(_secured_text(secured))


def result_exit_code(result: VerificationResult) -> int:
    """0 verified; otherwise 1 for a failed check, 3 when it could not be checked."""
    if result.verified:
        return 0
    return exit_code_for(result.errors[0]) if result.errors else EXIT_CHECK_FAILED


def _checks_table(result: VerificationResult) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("", width=1)
    table.add_column("check", no_wrap=True)
    table.add_column("detail", overflow="fold")
    for check in result.checks:
        mark = Text("✔", style="green") if check.passed else Text("✘", style="bold red")
        detail = Text(check.message) if check.passed else Text(f"{check.code}: {check.message}", style="red")
        table.add_row(mark, Text(check.name), detail)
    return table


def _summary(result: VerificationResult) -> Table:
    """What the document says (as far as it could be read): type, issuer, subject, validity, holder."""
    doc = result.document or {}
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    types = doc.get("type")
    if types:
        shown = ", ".join(t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str))
        grid.add_row("type", Text(shown))
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if isinstance(issuer_id, str):
        grid.add_row("issuer", Text(issuer_id))
    subject = doc.get("credentialSubject")
    for s in subject if isinstance(subject, list) else [subject]:
        if isinstance(s, dict):
            grid.add_row("subject", Text(json.dumps(s, ensure_ascii=False)[:500]))
    for key in ("validFrom", "validUntil"):
        if isinstance(doc.get(key), str):
            grid.add_row(key, Text(doc[key]))
    if isinstance(doc.get("holder"), str):
        grid.add_row("holder", Text(doc["holder"]))
    return grid


def render_report(
    result: VerificationResult, *, title: str | None = None, console: Console | None = None
) -> None:
    """A human report: verdict, what the document says, each check, nested credentials, warnings."""
    console = console or out_console
    what = result.kind or "document"
    if result.verified:
        verdict = Text.assemble(("✔ VERIFIED ", "bold green"), (f"{result.format} {what}", "green"))
    else:
        verdict = Text.assemble(("✘ NOT VERIFIED ", "bold red"), (f"{result.format} {what}", "red"))
    parts: list[Any] = [verdict, _summary(result), Text(""), _checks_table(result)]
    for i, inner in enumerate(result.credentials):
        parts.append(Text(""))
        ok = "✔" if inner.verified else "✘"
        parts.append(Text(f"{ok} credential {i}: {inner.format} from {inner.signer or '?'}", style="bold"))
        parts.append(_summary(inner))
        parts.append(_checks_table(inner))
    for warning in result.warnings:
        parts.append(Text(f"warning: {warning}", style="yellow"))
    border = "green" if result.verified else "red"
    console.print(Panel(Group(*parts), title=title, title_align="left", border_style=border, expand=False))


def verify_file(
    path: Path,
    *,
    expect: Literal["credential", "presentation"],
    now: str | None,
    skew: float,
    challenge: str | None = None,
    domain: str | None = None,
    allow_loopback_http: bool = False,
    json_out: bool = False,
) -> VerificationResult:
    """Read ``path`` (``-`` for stdin) and verify it; raises only for unreadable input.

    With ``json_out`` a raised error is also printed as a one-document JSON report, so that
    ``--json`` always yields exactly one JSON document on stdout.
    """
    try:
        text = read_text_file(path, what=expect)
        moment = parse_now(now)
        resolver = build_resolver(allow_loopback_http=allow_loopback_http)
        return asyncio.run(
            verify(
                text,
                resolver=resolver,
                now=moment,
                skew=timedelta(seconds=skew),
                challenge=challenge,
                domain=domain,
                expect=expect,
            )
        )
    except DidkitError as exc:
        if json_out:
            print_json(
                {"verified": False, "format": None, "kind": expect, "checks": [], "errors": [exc.to_dict()]}
            )
        raise


@app.command("issue")
@handle_errors
def issue_cmd(
    credential: Annotated[Path, typer.Argument(help="The unsecured credential (JSON); - for stdin.")],
    key: KeyOpt,
    format: FormatOpt = "vc+jwt",
    vm: VmOpt = None,
    did_method: MethodOpt = DidMethodChoice.key,
    out: OutOpt = None,
    json_out: JsonOpt = False,
    disclosable: DisclosableOpt = None,
    vct: VctOpt = None,
    mandatory: MandatoryOpt = None,
) -> None:
    """Sign a credential. A missing "issuer" is filled in with the signer's DID."""
    format, extra = sd_jwt_issue_extra(format, disclosable, vct)
    if mandatory:  # bbs-2023 (issue 5): claims every derived credential must reveal
        extra["mandatory_pointers"] = list(mandatory)
    doc = read_json_file(credential, what="credential")
    if not isinstance(doc, dict):
        raise InvalidInput("the credential must be a JSON object", code="credential.not_object")
    signer = signer_from_options(key, vm, did_method)
    if "issuer" not in doc:
        doc["issuer"] = signer.did
        err_console.print(Text(f"issuer set to {signer.did}"))
    secured = issue(doc, signer=signer, now=datetime.now(UTC), format=format, extra=extra)
    summary = {"format": format, "issuer": signer.did, "verificationMethod": signer.verification_method}
    emit_secured(secured, out=out, json_out=json_out, summary=summary)


@app.command("verify")
@handle_errors
def verify_cmd(
    file: Annotated[Path, typer.Argument(help="A secured credential: a vc+jwt, or JSON; - for stdin.")],
    now: NowOpt = None,
    skew: SkewOpt = 60.0,
    allow_loopback_http: LoopbackOpt = False,
    json_out: JsonOpt = False,
    challenge: ChallengeOpt = None,
    domain: DomainOpt = None,
    policy: PolicyOpt = None,
) -> None:
    """Verify a credential and print a report; exit 0 verified, 1 failed, 3 unreadable."""
    if policy:
        raise typer.Exit(
            policy_report(
                file,
                kind="credential",
                policy=policy,
                now=now,
                skew=skew,
                challenge=challenge,
                domain=domain,
                allow_loopback_http=allow_loopback_http,
                json_out=json_out,
            )
        )
    result = verify_file(
        file,
        expect="credential",
        now=now,
        skew=skew,
        challenge=challenge,
        domain=domain,
        allow_loopback_http=allow_loopback_http,
        json_out=json_out,
    )
    if json_out:
        print_json(result.to_dict())
    else:
        render_report(result)
    code = result_exit_code(result)
    if code:
        raise typer.Exit(code)


# Data Integrity (issue 5): ``--format eddsa-rdfc-2022|ecdsa-rdfc-2019|bbs-2023``; for bbs-2023,
# ``--mandatory`` pointers at issue time and ``vc derive --reveal`` for the holder.
MandatoryOpt = Annotated[
    list[str] | None,
    typer.Option("--mandatory", help="bbs-2023: JSON pointer of a claim always disclosed (repeat)."),
]

# SD-JWT VC (issue 9): ``--format sd-jwt`` / ``dc+sd-jwt``, ``--disclosable``, and ``vc derive``.
DisclosableOpt = Annotated[
    list[str] | None,
    typer.Option("--disclosable", help="SD-JWT: JSON pointer of a selectively disclosable claim (repeat)."),
]
VctOpt = Annotated[str | None, typer.Option("--vct", help="SD-JWT VC: credential type (default: from type).")]
ChallengeOpt = Annotated[str | None, typer.Option("--challenge", help="Expected nonce (Key Binding).")]
DomainOpt = Annotated[str | None, typer.Option("--domain", help="Expected audience (Key Binding).")]


def sd_jwt_issue_extra(
    fmt: str, disclosable: list[str] | None, vct: str | None
) -> tuple[str, dict[str, Any]]:
    """``sd-jwt`` is an alias of ``dc+sd-jwt``; SD-JWT options are refused for other formats."""
    fmt = "dc+sd-jwt" if fmt == "sd-jwt" else fmt
    extra: dict[str, Any] = {}
    if disclosable:
        extra["disclosable"] = list(disclosable)
    if vct:
        extra["vct"] = vct
    if extra and fmt != "dc+sd-jwt":
        raise InvalidInput("--disclosable and --vct apply to --format sd-jwt only", code="cli.sd_jwt_option")
    return fmt, extra


@app.command("derive")
@handle_errors
def derive_cmd(
    file: Annotated[Path, typer.Argument(help="A secured credential (SD-JWT); - for stdin.")],
    reveal: Annotated[
        list[str] | None, typer.Option("--reveal", help="JSON pointer of a claim to disclose (repeat).")
    ] = None,
    holder_key: Annotated[
        Path | None, typer.Option("--holder-key", help="Holder key file: adds a Key Binding JWT.")
    ] = None,
    challenge: ChallengeOpt = None,
    domain: DomainOpt = None,
    out: OutOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Disclose chosen claims of a credential; with --holder-key, bind to --challenge/--domain."""
    from ..credentials import derive

    text = read_text_file(file, what="credential")
    holder = signer_for_key(load_key_file(holder_key)) if holder_key is not None else None
    secured = derive(
        text,
        now=datetime.now(UTC),
        disclose=list(reveal or ()),
        holder=holder,
        challenge=challenge,
        domain=domain,
    )
    emit_secured(secured, out=out, json_out=json_out, summary={"disclosed": list(reveal or ())})
