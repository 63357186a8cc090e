"""``didkit status``: Bitstring Status Lists kept in local files.

An issuer keeps one *state file* per list (the statuses plus which indexes are handed out; it
stays private) and publishes the *status list credential* built from it::

    didkit status create --url https://issuer.example/status/1 --out list.json
    didkit status allocate list.json            # prints a credentialStatus entry (random index)
    didkit status set list.json 94567           # revoke (value 1); --clear to reinstate
    didkit status credential list.json --issuer did:key:z6Mk… --key issuer.json --out status-1.jwt
    didkit status check list.json 94567         # exit 1 when revoked/suspended

``check`` also reads a status list credential (JSON, or a ``vc+jwt``), verifying its proof
first (did:key/did:jwk issuers offline; ``--no-verify`` to read an unsecured list).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InvalidInput, StorageError, VerificationError
from ..status import (
    MIN_ENTRIES,
    BitstringStatusList,
    StatusListManager,
    StatusMessage,
    parse_status_list_credential,
)
from ._common import (
    JsonOpt,
    err_console,
    handle_errors,
    out_console,
    print_json,
    read_json_file,
    read_text_file,
)

__all__ = ["app"]

app = typer.Typer(
    help="Bitstring Status Lists (revocation, suspension, messages) in local files.", no_args_is_help=True
)

FileArg = Annotated[Path, typer.Argument(help="The list's state file (from `didkit status create`).")]


def _save(path: Path, manager: StatusListManager) -> None:
    """Atomic replace: a crash leaves the old file or the new one, never half of either."""
    data = json.dumps(manager.to_json(), indent=2) + "\n"
    directory = path.resolve().parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}", code="io.write") from None


def _load(path: Path) -> StatusListManager:
    return StatusListManager.from_json(read_json_file(path, what="status list file"))


def _messages(raw: list[str] | None, size: int) -> list[StatusMessage]:
    out: list[StatusMessage] = []
    for item in raw or []:
        value, sep, message = item.partition("=")
        if not sep:
            raise InvalidInput(f"--message {item!r}: expected 0xN=text", code="status.message")
        try:
            status = int(value, 16)
        except ValueError:
            raise InvalidInput(
                f"--message {item!r}: status must be hex like 0x1", code="status.message"
            ) from None
        out.append(StatusMessage(status, message))
    if size > 1 and not out:
        out = [StatusMessage(i, f"status {hex(i)}") for i in range(1 << size)]
    return sorted(out, key=lambda m: m.status)


@app.command("create")
@handle_errors
def create(
    url: Annotated[
        str, typer.Option("--url", help="Where the status list credential will be published (https).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="State file to write.")],
    purpose: Annotated[
        list[str] | None,
        typer.Option(
            "--purpose", help="revocation, suspension, message or refresh (repeat for a multi-purpose list)."
        ),
    ] = None,
    size: Annotated[int, typer.Option("--size", help="Bits per status (statusSize).", min=1, max=8)] = 1,
    length: Annotated[
        int, typer.Option("--length", help="Number of entries.", min=MIN_ENTRIES)
    ] = MIN_ENTRIES,
    message: Annotated[
        list[str] | None,
        typer.Option("--message", help="statusMessage entry as 0xN=text (repeat; size > 1)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Create an empty list (at least 131,072 entries, all zero)."""
    if out.exists() and not force:
        raise StorageError(f"{out} exists (use --force to overwrite)", code="io.exists")
    manager = StatusListManager.create(
        id=url,
        status_purpose=purpose or ["revocation"],
        length=length,
        status_size=size,
        status_message=_messages(message, size),
    )
    _save(out, manager)
    summary = {
        "file": str(out),
        "id": url,
        "statusPurpose": list(manager.purposes),
        "length": length,
        "statusSize": size,
    }
    if json_out:
        print_json(summary)
    else:
        out_console.print(
            f"created {out}: {length} entries of {size} bit(s) for {', '.join(manager.purposes)}"
        )


@app.command("allocate")
@handle_errors
def allocate(
    file: FileArg,
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="Purpose of the entry (default: the list's first).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Hand out a random unused index and print its ``credentialStatus`` entry."""
    manager = _load(file)
    index = manager.allocate()
    entry = manager.entry(index, purpose=purpose)
    _save(file, manager)
    if json_out:
        print_json(entry.to_json())
    else:
        out_console.print_json(json.dumps(entry.to_json()))


@app.command("set")
@handle_errors
def set_status(
    file: FileArg,
    index: Annotated[int, typer.Argument(help="statusListIndex of the credential.", min=0)],
    value: Annotated[int, typer.Option("--value", help="Status value (1 = revoked/suspended).", min=0)] = 1,
    clear: Annotated[
        bool, typer.Option("--clear", help="Set the status back to 0 (e.g. lift a suspension).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Set (or ``--clear``) the status at INDEX."""
    manager = _load(file)
    new = 0 if clear else value
    old = manager.list.get(index)
    manager.set_status(index, new)
    _save(file, manager)
    if json_out:
        print_json({"index": index, "old": hex(old), "new": hex(new)})
    else:
        out_console.print(f"index {index}: {hex(old)} -> {hex(new)}")


@app.command("credential")
@handle_errors
def credential(
    file: FileArg,
    issuer: Annotated[str, typer.Option("--issuer", help="Issuer DID of the status list credential.")],
    key: Annotated[Path | None, typer.Option("--key", "-k", help="Issuer key file: sign the list.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Securing format when signing.")] = "vc+jwt",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the credential here.")] = None,
) -> None:
    """Build the ``BitstringStatusListCredential`` for the current state (signed with ``--key``)."""
    manager = _load(file)
    now = datetime.now(UTC)
    doc = manager.credential(issuer=issuer, valid_from=now)
    result: Any = doc
    if key is not None:
        from ..credentials import Signer, issue, signer_for_key
        from ..keys import load_key_file

        kp = load_key_file(key)
        signer = signer_for_key(kp)
        if signer.did != issuer:
            signer = Signer(kp, f"{issuer}#{signer.verification_method.split('#', 1)[1]}")
        result = issue(doc, signer=signer, now=now, format=fmt)
    text = result if isinstance(result, str) else json.dumps(result, indent=2)
    if out is not None:
        try:
            out.write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            raise StorageError(f"cannot write {out}: {exc.strerror}", code="io.write") from None
        err_console.print(f"wrote {out}")
    else:
        typer.echo(text)


@app.command("check")
@handle_errors
def check(
    file: Annotated[Path, typer.Argument(help="A state file or a status list credential (JSON or vc+jwt).")],
    index: Annotated[int, typer.Argument(help="statusListIndex to read.", min=0)],
    purpose: Annotated[
        str | None, typer.Option("--purpose", help="Purpose to check (default: the list's first).")
    ] = None,
    size: Annotated[
        int, typer.Option("--size", help="statusSize of the entry (credentials only).", min=1, max=8)
    ] = 1,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Read a list credential without verifying it.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Read the status at INDEX; exit 1 when it is revoked or suspended."""
    text = read_text_file(file, what="status list")
    value: int
    purposes: tuple[str, ...]
    stripped = text.strip()
    obj: Any = None
    if stripped.startswith("{"):
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"not valid JSON: {exc.msg}", code="io.json") from None
    if isinstance(obj, dict) and obj.get("type") == StatusListManager.FILE_TYPE:
        manager = StatusListManager.from_json(obj)
        value, purposes, size = manager.list.get(index), manager.purposes, manager.list.status_size
    else:
        document = obj if obj is not None else stripped
        if not no_verify:
            document = asyncio.run(_verified(document))
        elif isinstance(document, str):
            raise InvalidInput("a vc+jwt list must be verified (drop --no-verify)", code="status.unverified")
        vl = parse_status_list_credential(str(file), document)
        lst = BitstringStatusList((len(vl.bits) * 8) // size, status_size=size, bits=vl.bits)
        value, purposes = lst.get(index), vl.purposes
    p = purpose or purposes[0]
    if p not in purposes:
        raise VerificationError(f"the list does not serve purpose {p!r}", code="status.purpose_mismatch")
    label = (
        ("revoked" if value else "valid")
        if p == "revocation"
        else ("suspended" if value else "valid")
        if p == "suspension"
        else hex(value)
    )
    if json_out:
        print_json({"index": index, "purpose": p, "status": hex(value), "label": label})
    else:
        out_console.print(f"index {index} ({p}): {label}")
    if value and p in ("revocation", "suspension"):
        raise typer.Exit(1)


async def _verified(document: Any) -> Any:
    from ..credentials import verify
    from ..did import default_resolver

    result = await verify(document, resolver=default_resolver(), now=datetime.now(UTC), expect="credential")
    if not result.verified or result.document is None:
        err = result.errors[0] if result.errors else VerificationError("does not verify")
        raise VerificationError(
            f"status list credential does not verify: {err}", code="status.list_verification"
        )
    return result.document
