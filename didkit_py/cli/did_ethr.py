"""did:ethr management commands on ``didkit did``: create, add-key, add-service, rotate, deactivate, history.

The chain comes from ``DIDKIT_CHAIN_URL`` / ``DIDKIT_CHAIN_REGISTRY`` / ``DIDKIT_CHAIN_ID``
(default: ``didkit chain serve`` on 127.0.0.1:8545). Controller keys live in
``$DIDKIT_HOME/keys/ethr-<address>.json`` (0600), like every other key file.

Gas: on a dev chain (chain id 1337 or 31337) changes are sent as signed meta-transactions that
the first dev account relays, so a fresh identity needs no funds; elsewhere pass
``--relayer-key`` or fund the owner. Registering this module also teaches ``didkit did
resolve`` the did:ethr method.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ..errors import InvalidInput, StorageError, UnsupportedError
from ..keys import KeyPair, KeyType, load_key_file, multikey_decode, save_key_file
from ._common import JsonOpt, err_console, handle_errors, out_console, print_json
from .did import app

__all__ = ["app"]

DEV_CHAIN_IDS = (1337, 31337)
_KEY_TYPES = {
    "ed25519": KeyType.ED25519,
    "x25519": KeyType.X25519,
    "secp256k1": KeyType.SECP256K1,
    "bls12381g2": KeyType.BLS12381G2,
}


def _settings() -> Any:
    from ..registry.settings import ChainSettings

    return ChainSettings()


def _keys_dir() -> Path:
    from ..paths import data_dir

    d = data_dir() / "keys"
    d.mkdir(parents=True, exist_ok=True, mode=0o700)
    return d


def _key_path(address: str) -> Path:
    return _keys_dir() / f"ethr-{address.lower()}.json"


def _owner_key(did: str, key_file: Path | None) -> tuple[str, KeyPair]:
    from ..did.ethr import parse_ethr_did

    address = parse_ethr_did(did).address
    path = key_file or _key_path(address)
    if not path.exists():
        raise StorageError(f"no controller key for {did} (expected {path}; pass --key)", code="io.not_found")
    kp = load_key_file(path)
    if kp.key_type is not KeyType.SECP256K1 or kp.secret_key is None:
        raise InvalidInput("the controller key must be a secp256k1 key with its secret", code="registry.key")
    return address, kp


def _client() -> Any:
    from ..registry.client import RegistryClient

    return RegistryClient(_settings().to_config())


def _relayer(client: Any, relayer_key: Path | None) -> KeyPair | None:
    """The account that pays: an explicit key, the dev account on dev chains, else the owner."""
    if relayer_key is not None:
        return load_key_file(relayer_key)
    if client.config.chain_id in DEV_CHAIN_IDS:
        from ..keys import key_pair_from_secret
        from ..registry.devchain import DEV_MNEMONIC, DevChain

        return key_pair_from_secret(KeyType.SECP256K1, DevChain._derive_keys(DEV_MNEMONIC, 1)[0])
    return None


def _set_attribute(client: Any, did: str, owner: KeyPair, relayer: KeyPair | None, name: str, value: bytes,
                   validity: int) -> Any:  # fmt: skip
    if relayer is None:
        return client.set_attribute(did, owner, name, value, validity)
    sig = client.sign_set_attribute(did, owner, name, value, validity)
    return client.set_attribute_signed(did, sig, name, value, relayer, validity)


def _report(result: Any, did: str, what: str, json_out: bool, extra: dict[str, Any] | None = None) -> None:
    info = {"did": did, "change": what, "transactionHash": result.transaction_hash,
            "blockNumber": result.block_number, "gasUsed": result.gas_used, **(extra or {})}  # fmt: skip
    if json_out:
        print_json(info)
    else:
        out_console.print(f"{what}: {did} (block {result.block_number}, gas {result.gas_used})")


KeyOpt = Annotated[Path | None, typer.Option("--key", help="Controller key file (default: the stored one).")]
RelayerOpt = Annotated[
    Path | None, typer.Option("--relayer-key", help="secp256k1 key file of an account that pays the gas.")
]
ValidityOpt = Annotated[int, typer.Option("--validity", help="Seconds the entry stays valid.", min=1)]


@app.command("create")
@handle_errors
def create(
    method: Annotated[str, typer.Option("--method", help="DID method: ethr or key.")] = "ethr",
    public_key_form: Annotated[
        bool, typer.Option("--public-key-form", help="did:ethr with the public key instead of the address.")
    ] = False,
    key_out: Annotated[Path | None, typer.Option("--key-out", help="Where to store the new key.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a DID and store its controller key. did:ethr needs no transaction until it changes."""
    if method == "key":
        from ..did import did_key_from_public
        from ..keys import generate_key

        kp = generate_key(KeyType.ED25519)
        did = did_key_from_public(kp.key_type, kp.public_key)
        path = key_out or _keys_dir() / f"key-{did.rsplit(':', 1)[1][:24]}.json"
        save_key_file(path, kp)
        info: dict[str, Any] = {"did": did, "keyFile": str(path)}
    elif method == "ethr":
        from ..registry.client import create_identity

        cfg = _settings().to_config()
        ident = create_identity(cfg.chain_id, public_key_form=public_key_form)
        path = key_out or _key_path(ident.address)
        save_key_file(path, ident.key)
        info = {"did": ident.did, "address": ident.address, "chainId": cfg.chain_id, "keyFile": str(path)}
    else:
        raise UnsupportedError(f"cannot create did:{method} here (ethr or key)", code="methodNotSupported")
    if json_out:
        print_json(info)
    else:
        out_console.print(info["did"])
        err_console.print(f"controller key stored in {info['keyFile']}")


@app.command("add-key")
@handle_errors
def add_key(
    did: Annotated[str, typer.Argument(help="The did:ethr DID.")],
    key_type: Annotated[str, typer.Option("--type", help="ed25519, x25519, secp256k1 or bls12381g2.")],
    public_key: Annotated[str | None, typer.Option("--public-key", help="Multikey (z…) or hex.")] = None,
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="Key file whose public key to add.")
    ] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="veriKey, sigAuth or enc (X25519).")] = "",
    validity: ValidityOpt = 10 * 365 * 24 * 3600,
    key: KeyOpt = None,
    relayer_key: RelayerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Publish a public key on the registry (a did/pub/… attribute)."""
    from ..registry.client import key_attribute

    kt = _KEY_TYPES.get(key_type.lower())
    if kt is None:
        raise InvalidInput(f"unknown key type {key_type!r}", code="registry.key_type")
    if (public_key is None) == (key_file is None):
        raise InvalidInput("give exactly one of --public-key and --key-file", code="cli.usage")
    if key_file is not None:
        kp = load_key_file(key_file)
        if kp.key_type is not kt:
            raise InvalidInput(f"{key_file} holds a {kp.key_type} key, not {kt}", code="registry.key_type")
        raw = kp.public_key
    else:
        assert public_key is not None
        if public_key.startswith("z"):
            decoded_type, raw = multikey_decode(public_key)
            if decoded_type is not kt:
                raise InvalidInput(
                    f"--public-key is a {decoded_type} key, not {kt}", code="registry.key_type"
                )
        else:
            try:
                raw = bytes.fromhex(public_key.removeprefix("0x"))
            except ValueError:
                raise InvalidInput(
                    "--public-key must be a Multikey (z…) or hex", code="registry.key"
                ) from None
    name, value = key_attribute(kt, raw, purpose=purpose or ("enc" if kt is KeyType.X25519 else "veriKey"))
    _, owner = _owner_key(did, key)
    client = _client()
    result = _set_attribute(client, did, owner, _relayer(client, relayer_key), name, value, validity)
    _report(result, did, "key added", json_out, {"attribute": name})


@app.command("add-service")
@handle_errors
def add_service(
    did: Annotated[str, typer.Argument(help="The did:ethr DID.")],
    service_type: Annotated[str, typer.Option("--type", help="Service type, e.g. LinkedDomains.")],
    endpoint: Annotated[str, typer.Option("--endpoint", help="Service endpoint URL (or JSON).")],
    validity: ValidityOpt = 10 * 365 * 24 * 3600,
    key: KeyOpt = None,
    relayer_key: RelayerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Publish a service endpoint (a did/svc/… attribute). Never put personal data in it."""
    from ..registry.client import service_attribute

    name, value = service_attribute(service_type, endpoint)
    _, owner = _owner_key(did, key)
    client = _client()
    result = _set_attribute(client, did, owner, _relayer(client, relayer_key), name, value, validity)
    _report(result, did, "service added", json_out, {"attribute": name})


@app.command("rotate")
@handle_errors
def rotate(
    did: Annotated[str, typer.Argument(help="The did:ethr DID.")],
    new_key: Annotated[
        Path | None,
        typer.Option("--new-key", help="secp256k1 key file of the new owner (default: generate)."),
    ] = None,
    key: KeyOpt = None,
    relayer_key: RelayerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Key rotation: hand control of the DID to a new secp256k1 key (changeOwner)."""
    from ..keys import generate_key
    from ..registry.client import address_from_public_key

    address, owner = _owner_key(did, key)
    new = load_key_file(new_key) if new_key else generate_key(KeyType.SECP256K1)
    if new.key_type is not KeyType.SECP256K1 or new.secret_key is None:
        raise InvalidInput("the new owner key must be a secp256k1 key with its secret", code="registry.key")
    new_address = address_from_public_key(new.public_key)
    client = _client()
    relayer = _relayer(client, relayer_key)
    if relayer is None:
        result = client.change_owner(did, owner, new_address)
    else:
        sig = client.sign_change_owner(did, owner, new_address)
        result = client.change_owner_signed(did, sig, new_address, relayer)
    stored = _key_path(address)
    if key is None and stored.exists():
        backup = stored.with_name(f"{stored.stem}.before-{result.block_number}.json")
        stored.replace(backup)
        save_key_file(stored, new)
    elif new_key is None:
        save_key_file(
            _key_path(address).with_name(f"ethr-{address.lower()}.owner-{new_address.lower()}.json"), new
        )
    _report(result, did, "owner rotated", json_out, {"newOwner": new_address})


@app.command("deactivate")
@handle_errors
def deactivate(
    did: Annotated[str, typer.Argument(help="The did:ethr DID.")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: deactivation cannot be undone.")] = False,
    key: KeyOpt = None,
    relayer_key: RelayerOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Deactivate the DID for good (owner set to the zero address)."""
    if not yes:
        raise InvalidInput("deactivation is final: pass --yes", code="cli.confirm")
    _, owner = _owner_key(did, key)
    client = _client()
    relayer = _relayer(client, relayer_key)
    null = "0x" + "00" * 20
    if relayer is None:
        result = client.deactivate(did, owner)
    else:
        sig = client.sign_change_owner(did, owner, null)
        result = client.change_owner_signed(did, sig, null, relayer)
    _report(result, did, "deactivated", json_out)


@app.command("history")
@handle_errors
def history(did: Annotated[str, typer.Argument(help="The did:ethr DID.")], json_out: JsonOpt = False) -> None:
    """Every change to the DID, oldest first, with block times."""
    events = _client().history(did)
    rows = []
    for ev in events:
        d = ev.to_dict()
        d["time"] = datetime.fromtimestamp(ev.block_timestamp or 0, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(d)
    if json_out:
        print_json({"did": did, "changes": rows})
        return
    table = Table(title=f"History of {did}", title_justify="left")
    for col in ("block", "time", "event", "what", "valid to"):
        table.add_column(col, overflow="fold")
    now = time.time()
    for ev, d in zip(events, rows, strict=True):
        what = d.get("name") or d.get("delegateType") or d.get("owner") or ""
        if ev.kind == "DIDDelegateChanged":
            what = f"{what} {ev.delegate}"
        valid = ""
        if ev.valid_to is not None:
            valid = (
                "revoked"
                if ev.valid_to == 0 or ev.valid_to <= now
                else datetime.fromtimestamp(min(ev.valid_to, 253402300799), UTC).strftime("%Y-%m-%d")
            )
        table.add_row(str(ev.block_number), d["time"], ev.kind.removeprefix("DID"), what, valid)
    out_console.print(table)
