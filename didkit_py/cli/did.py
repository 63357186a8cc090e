"""``didkit did``: resolve DIDs. The did:ethr management commands (``did_ethr``) add theirs to ``app``."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ..did import (
    RELATIONSHIPS,
    Resolver,
    absolute_did_url,
    default_resolver,
    error_result,
    public_key_from_vm,
)
from ..errors import DidkitError
from ..registry.configured import ConfiguredEthrMethod
from ._common import JsonOpt, handle_errors, out_console, print_json

__all__ = ["app", "build_resolver"]

app = typer.Typer(name="did", help="Resolve and manage DIDs.", no_args_is_help=True)


def build_resolver(*, allow_loopback_http: bool = False, timeout: float = 10.0) -> Resolver:
    """The resolver CLI commands use: did:key, did:jwk, did:web and did:ethr (chain settings)."""
    return default_resolver(
        allow_loopback_http=allow_loopback_http, extra_methods=[ConfiguredEthrMethod()], timeout=timeout
    )


def _summary(result_doc: dict[str, Any]) -> None:
    did = result_doc["id"]
    out_console.print(Text(did, style="bold"))
    controller = result_doc.get("controller")
    if controller:
        out_console.print(Text(f"controller: {controller}"))
    rels: dict[str, list[str]] = {}
    for rel in RELATIONSHIPS:
        for entry in result_doc.get(rel) or ():
            ref = entry.get("id") if isinstance(entry, dict) else entry
            if isinstance(ref, str):
                rels.setdefault(absolute_did_url(ref, did), []).append(rel)
    vms: list[dict[str, Any]] = [
        vm for vm in result_doc.get("verificationMethod") or () if isinstance(vm, dict)
    ]
    vms += [e for rel in RELATIONSHIPS for e in result_doc.get(rel) or () if isinstance(e, dict)]
    table = Table(title="Verification methods", title_justify="left")
    for col in ("id", "type", "key", "relationships"):
        table.add_column(col, overflow="fold")
    for vm in vms:
        vm_id = absolute_did_url(str(vm.get("id", "")), did) if vm.get("id") else "?"
        try:
            key_type, _ = public_key_from_vm(vm)
            key = Text(key_type.value)
        except DidkitError as exc:
            key = Text(exc.code, style="red")
        short = "#" + vm_id.split("#", 1)[1] if "#" in vm_id else vm_id
        table.add_row(
            Text(short), Text(str(vm.get("type"))), key, Text(", ".join(rels.get(vm_id, [])) or "-")
        )
    out_console.print(table)
    services = [s for s in result_doc.get("service") or () if isinstance(s, dict)]
    if services:
        st = Table(title="Services", title_justify="left")
        for col in ("id", "type", "endpoint"):
            st.add_column(col, overflow="fold")
        for svc in services:
            st.add_row(*(Text(str(svc.get(k))) for k in ("id", "type", "serviceEndpoint")))
        out_console.print(st)


@app.command("resolve")
@handle_errors
def resolve(
    did: Annotated[str, typer.Argument(help="The DID to resolve.")],
    allow_loopback_http: Annotated[
        bool, typer.Option("--allow-loopback-http", help="Let did:web use plain HTTP to 127.0.0.1/localhost.")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Network timeout in seconds.", min=0.1)] = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Resolve a DID: a summary of its keys and services, or with --json the resolution result."""
    resolver = build_resolver(allow_loopback_http=allow_loopback_http, timeout=timeout)
    try:
        result = resolver.resolve_sync(did)
    except DidkitError as exc:
        if json_out:
            print_json(error_result(exc))
        raise
    if json_out:
        print_json(result.to_dict())
        return
    _summary(result.document)


@app.command("dereference")
@handle_errors
def dereference(
    did_url: Annotated[
        str, typer.Argument(help="A DID URL, e.g. did:key:z6Mk…#z6Mk… or did:web:…?service=x.")
    ],
    allow_loopback_http: Annotated[
        bool, typer.Option("--allow-loopback-http", help="Let did:web use plain HTTP to 127.0.0.1/localhost.")
    ] = False,
    timeout: Annotated[float, typer.Option("--timeout", help="Network timeout in seconds.", min=0.1)] = 10.0,
    json_out: JsonOpt = False,
) -> None:
    """Dereference a DID URL: the verification method or service it names (as JSON)."""
    resolver = build_resolver(allow_loopback_http=allow_loopback_http, timeout=timeout)
    try:
        node = asyncio.run(resolver.dereference(did_url))
    except DidkitError as exc:
        if json_out:
            print_json(error_result(exc))
        raise
    print_json(node)  # the node is JSON with or without --json
