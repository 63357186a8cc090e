"""``didkit match``: rank wallet credentials for a verifier request (PE, DCQL or a plain purpose).

The matcher only suggests; nothing is disclosed or sent anywhere by this command.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..errors import InvalidInput
from ..exchange import HeldCredential, credentials_from_json, parse_datetime
from ..match import LexicalFallbackWarning, Matcher
from ..paths import data_dir
from ._common import JsonOpt, err_console, handle_errors, out_console, print_json, read_json_file

__all__ = ["match"]


def _now(explicit: str | None, *sources: Any) -> datetime:
    if explicit is not None:
        return parse_datetime(explicit, at="--now")
    for src in sources:
        if isinstance(src, dict) and src.get("now") is not None:
            return parse_datetime(src["now"], at="/now")
    return datetime.now(UTC)


def _matcher(lexical: bool) -> Matcher:
    cache = data_dir() / "match-cache"
    if lexical:
        return Matcher(None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LexicalFallbackWarning)
        m = Matcher.default(cache_dir=cache)
    for w in caught:
        err_console.print(f"[yellow]warning[/] {w.message}", highlight=False)
    return m


@handle_errors
def match(
    wallet: Annotated[
        Path,
        typer.Option(
            "--wallet",
            "-w",
            help="Wallet JSON: an array of credentials or {now, holder, trusted_issuers, credentials}.",
        ),
    ],
    request: Annotated[
        Path | None,
        typer.Option("--request", "-r", help='A presentation definition, a DCQL query or {"purpose": ...}.'),
    ] = None,
    requests: Annotated[
        Path | None,
        typer.Option(
            "--requests",
            help="Batch: a requests file ({now, requests: [{id, request}]}); prints predictions.",
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option("--now", help="Evaluation time (ISO 8601); default: the file's `now`, else the clock."),
    ] = None,
    top_k: Annotated[
        int | None,
        typer.Option(
            "--top-k",
            "-k",
            min=1,
            help="At most this many suggestions (default: all for PE/DCQL, 5 for purposes).",
        ),
    ] = None,
    lexical: Annotated[
        bool, typer.Option("--lexical", help="Rank purposes with BM25 instead of MiniLM embeddings.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Suggest which credentials answer a request, and the fewest claims to reveal."""
    if (request is None) == (requests is None):
        raise typer.BadParameter("give exactly one of --request or --requests")
    wallet_data = read_json_file(wallet, what="wallet")
    creds, meta = credentials_from_json(wallet_data)
    trusted = meta.get("trusted_issuers")
    matcher = _matcher(lexical)
    if requests is not None:
        batch = read_json_file(requests, what="requests file")
        if not isinstance(batch, dict) or not isinstance(batch.get("requests"), list):
            raise InvalidInput(
                'requests file must be {"requests": [...]}', code="match.requests", at="/requests"
            )
        when = _now(now, batch, meta)
        matcher.warm_up(creds)
        preds: dict[str, Any] = {}
        for i, item in enumerate(batch["requests"]):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or "request" not in item:
                raise InvalidInput(
                    "each request needs an id and a request", code="match.requests", at=f"/requests/{i}"
                )
            _, recs = matcher.recommend(
                item["request"], creds, now=when, top_k=top_k, trusted_issuers=trusted
            )
            preds[item["id"]] = {
                "credentials": [r.credential_id for r in recs],
                "claims": {r.credential_id: list(r.claims) for r in recs},
            }
        print_json(preds)
        return
    assert request is not None
    req = read_json_file(request, what="request")
    when = _now(now, meta)
    kind, recs = matcher.recommend(req, creds, now=when, top_k=top_k, trusted_issuers=trusted)
    if json_out:
        print_json({"kind": kind, "recommendations": [r.to_json() for r in recs]})
        return
    _print_table(kind, recs, {c.id: c for c in creds})


def _print_table(kind: str, recs: list[Any], by_id: dict[str, HeldCredential]) -> None:
    if not recs:
        out_console.print(f"[bold]{kind}[/]: nothing in the wallet answers this request.")
        return
    table = Table(title=f"Suggestions ({kind}) — you confirm before anything is shared")
    table.add_column("#", justify="right")
    table.add_column("credential")
    table.add_column("score", justify="right")
    table.add_column("reveal")
    table.add_column("why")
    for n, r in enumerate(recs, 1):
        cred = by_id.get(r.credential_id)
        label = ", ".join(t for t in cred.types if t != "VerifiableCredential") if cred else ""
        table.add_row(
            str(n),
            f"{label}\n{r.credential_id}",
            f"{r.score:.2f}",
            "\n".join(c.removeprefix("credentialSubject.") for c in r.claims),
            r.explanation,
        )
    out_console.print(table)
