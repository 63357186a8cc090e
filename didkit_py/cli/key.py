"""``didkit key``: generate key files and turn them into DIDs."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from ..did import did_jwk_from_public, did_key_from_public
from ..keys import KeyType, generate_key, key_file_json, load_key_file, multikey_encode, save_key_file
from ._common import JsonOpt, err_console, handle_errors, print_json

__all__ = ["app"]

app = typer.Typer(name="key", help="Generate keys and derive DIDs from them.", no_args_is_help=True)


class KeyTypeChoice(StrEnum):
    ed25519 = "ed25519"
    p256 = "p256"
    secp256k1 = "secp256k1"
    bls12381g2 = "bls12381g2"


_KEY_TYPES = {
    KeyTypeChoice.ed25519: KeyType.ED25519,
    KeyTypeChoice.p256: KeyType.P256,
    KeyTypeChoice.secp256k1: KeyType.SECP256K1,
    KeyTypeChoice.bls12381g2: KeyType.BLS12381G2,
}


class DidMethodChoice(StrEnum):
    key = "key"
    jwk = "jwk"


def _plain(text: str) -> None:
    """A result line exactly as is: no rich markup, emoji codes (``did:key:``!) or wrapping."""
    typer.echo(text)


@app.command("generate")
@handle_errors
def generate(
    key_type: Annotated[
        KeyTypeChoice, typer.Option("--type", "-t", help="Key type.", case_sensitive=False)
    ] = KeyTypeChoice.ed25519,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the key file here (mode 0600) instead of stdout."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out file.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Generate a key pair. Without --out the key file JSON (with its secret) goes to stdout."""
    kp = generate_key(_KEY_TYPES[key_type])
    did = did_key_from_public(kp.key_type, kp.public_key)
    if out is None:
        err_console.print("[yellow]warning[/] the key below contains a secret key; store it safely.")
        print_json(key_file_json(kp))
        return
    save_key_file(out, kp, overwrite=force)
    summary = {
        "path": str(out),
        "keyType": kp.key_type.value,
        "publicKeyMultibase": multikey_encode(kp.key_type, kp.public_key),
        "did": did,
    }
    if json_out:
        print_json(summary)
        return
    err_console.print(Text(f"wrote {kp.key_type.value} key to {out} (mode 0600)"))
    _plain(did)


@app.command("to-did")
@handle_errors
def to_did(
    keyfile: Annotated[Path, typer.Argument(help="A key file written by `didkit key generate`.")],
    method: Annotated[
        DidMethodChoice, typer.Option("--method", "-m", help="DID method.", case_sensitive=False)
    ] = DidMethodChoice.key,
    json_out: JsonOpt = False,
) -> None:
    """Print the DID of a key file (did:key or did:jwk)."""
    kp = load_key_file(keyfile)
    if method is DidMethodChoice.key:
        did = did_key_from_public(kp.key_type, kp.public_key)
        vm_id = f"{did}#{multikey_encode(kp.key_type, kp.public_key)}"
    else:
        did = did_jwk_from_public(kp.key_type, kp.public_key)
        vm_id = f"{did}#0"
    if json_out:
        print_json(
            {"did": did, "method": method.value, "keyType": kp.key_type.value, "verificationMethod": vm_id}
        )
        return
    _plain(did)
