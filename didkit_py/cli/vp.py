"""``didkit vp``: present credentials to a verifier, and verify presentations.

``didkit vp issue --key KEYFILE --challenge C --domain D CRED…`` wraps secured credentials in a
presentation signed by the holder and bound to the verifier's challenge and domain;
``didkit vp verify --challenge C --domain D FILE`` checks the presentation and every credential
inside it (exit 0 verified, 1 a check failed, 3 unreadable).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from ..credentials import load_secured, present
from ._common import JsonOpt, err_console, handle_errors, print_json, read_text_file
from .vc import (
    DidMethodChoice,
    FormatOpt,
    KeyOpt,
    LoopbackOpt,
    MethodOpt,
    NowOpt,
    OutOpt,
    PolicyOpt,
    SkewOpt,
    VmOpt,
    emit_secured,
    policy_report,
    render_report,
    result_exit_code,
    signer_from_options,
    verify_file,
)

__all__ = ["app"]

app = typer.Typer(name="vp", help="Present credentials and verify presentations.", no_args_is_help=True)

ChallengeOpt = Annotated[
    str | None, typer.Option("--challenge", "-c", help="The verifier's challenge (JWT nonce).")
]
DomainOpt = Annotated[str | None, typer.Option("--domain", "-d", help="The verifier's domain (JWT aud).")]


@app.command("issue")
@handle_errors
def issue_cmd(
    credentials: Annotated[
        list[Path], typer.Argument(help="Secured credentials to present (vc+jwt or JSON files).")
    ],
    key: KeyOpt,
    challenge: ChallengeOpt = None,
    domain: DomainOpt = None,
    format: FormatOpt = "vc+jwt",
    vm: VmOpt = None,
    did_method: MethodOpt = DidMethodChoice.key,
    lifetime: Annotated[
        int, typer.Option("--lifetime", help="Seconds the presentation stays valid.", min=1)
    ] = 300,
    out: OutOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Sign a presentation of CREDENTIALS as their holder, bound to --challenge and --domain."""
    if challenge is None:
        err_console.print("[yellow]warning[/] no --challenge: the presentation can be replayed")
    secured_creds = [load_secured(read_text_file(p, what="credential"))[0] for p in credentials]
    signer = signer_from_options(key, vm, did_method)
    secured = present(
        secured_creds,
        signer=signer,
        now=datetime.now(UTC),
        format=format,
        challenge=challenge,
        domain=domain,
        lifetime=timedelta(seconds=lifetime),
    )
    summary = {
        "format": format,
        "holder": signer.did,
        "verificationMethod": signer.verification_method,
        "challenge": challenge,
        "domain": domain,
    }
    emit_secured(secured, out=out, json_out=json_out, summary=summary)


@app.command("verify")
@handle_errors
def verify_cmd(
    file: Annotated[Path, typer.Argument(help="A secured presentation (vp+jwt or JSON); - for stdin.")],
    challenge: ChallengeOpt = None,
    domain: DomainOpt = None,
    now: NowOpt = None,
    skew: SkewOpt = 60.0,
    allow_loopback_http: LoopbackOpt = False,
    json_out: JsonOpt = False,
    policy: PolicyOpt = None,
) -> None:
    """Verify a presentation and the credentials in it; exit 0 verified, 1 failed, 3 unreadable."""
    if policy:
        raise typer.Exit(
            policy_report(
                file,
                kind="presentation",
                policy=policy,
                now=now,
                skew=skew,
                challenge=challenge,
                domain=domain,
                allow_loopback_http=allow_loopback_http,
                json_out=json_out,
            )
        )
    if challenge is None:
        err_console.print("[yellow]warning[/] no --challenge: replayed presentations are not detected")
    result = verify_file(
        file,
        expect="presentation",
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
