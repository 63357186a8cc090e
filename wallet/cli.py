"""``wallet``: the holder's command line — an encrypted store, receive, browse, match, present.

Exit codes (CONVENTIONS.md): 0 ok, 1 check failed (wrong passphrase, a credential or request that
does not verify, a verifier that refused), 2 usage, 3 input/IO/network. Results go to stdout;
prompts, messages and progress to stderr. ``--json`` prints exactly one JSON document.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import warnings
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from didkit_py.cli._common import JsonOpt, print_json, read_json_file, read_text_file
from didkit_py.errors import (
    DidkitError,
    InvalidInput,
    NetworkError,
    NotFound,
    StorageError,
    VerificationError,
)
from didkit_py.keys import KeyType

from . import core
from ._console import DEBUG, err_console, handle_errors, out_console
from .crypto import KdfParams
from .settings import WalletSettings
from .store import WalletStore, write_atomic

if TYPE_CHECKING:  # the network stacks load only in the commands that use them
    import httpx

    from didkit_py.did import Resolver
    from verifier import Verifier

__all__ = ["app", "main"]

T = TypeVar("T")

app = typer.Typer(
    name="wallet",
    help="The holder's wallet: keep credentials encrypted, receive them (OpenID4VCI), "
    "choose what to show and present it (OpenID4VP).\n\nStart with: wallet init",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
did_app = typer.Typer(help="Holder identities (DIDs) used for key binding.", no_args_is_help=True)
app.add_typer(did_app, name="did")
keyring_app = typer.Typer(
    help="The wallet passphrase in the OS keyring (optional; the keyring extra).", no_args_is_help=True
)
app.add_typer(keyring_app, name="keyring")

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


@app.callback()
def _root(
    ctx: typer.Context,
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs on stderr."),
) -> None:
    ctx.obj = {"debug": debug}
    DEBUG.set(debug)
    if debug:
        logging.basicConfig(level=logging.DEBUG)


# --------------------------------------------------------------------------- plumbing


def _settings() -> WalletSettings:
    return WalletSettings()


def _now() -> datetime:
    return datetime.now(UTC)


def _passphrase(settings: WalletSettings, *, confirm: bool = False, prompt: str = "Wallet passphrase") -> str:
    return _passphrase_from(settings, confirm=confirm, prompt=prompt)[0]


def _passphrase_from(
    settings: WalletSettings,
    *,
    confirm: bool = False,
    prompt: str = "Wallet passphrase",
    keyring: bool = False,
) -> tuple[str, str]:
    """The passphrase and where it came from: ``env``, ``keyring`` (when allowed) or ``prompt``."""
    if settings.passphrase is not None:
        return settings.passphrase.get_secret_value(), "env"
    if keyring and settings.keyring:
        from . import keychain

        stored = keychain.get_passphrase(settings.store_path())
        if stored is not None:
            return stored, "keyring"
    if not sys.stdin.isatty():
        raise InvalidInput(
            "no passphrase: set DIDKIT_WALLET_PASSPHRASE, store it in the OS keyring "
            "(wallet keyring store) or run in a terminal",
            code="wallet.passphrase_missing",
        )
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    return value, "prompt"


MIN_PASSPHRASE_CHARS = 8


def _strong_enough(passphrase: str) -> str:
    """A new passphrase must not be trivially short (argon2id slows guessing, it cannot stop it)."""
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise InvalidInput(
            f"choose a passphrase of at least {MIN_PASSPHRASE_CHARS} characters",
            code="wallet.passphrase_weak",
        )
    return passphrase


def _new_passphrase(settings: WalletSettings) -> str:
    if settings.new_passphrase is not None:
        return _strong_enough(settings.new_passphrase.get_secret_value())
    if not sys.stdin.isatty():
        raise InvalidInput(
            "no new passphrase: set DIDKIT_WALLET_NEW_PASSPHRASE", code="wallet.passphrase_missing"
        )
    value: str = typer.prompt("New passphrase", hide_input=True, confirmation_prompt=True, err=True)
    return _strong_enough(value)


def _key_type(value: str) -> KeyType:
    try:
        return KeyType(value)
    except ValueError:
        raise typer.BadParameter(f"unknown key type {value!r} (Ed25519, P-256, secp256k1)") from None


def _kdf(settings: WalletSettings) -> KdfParams:
    return KdfParams.new(
        time_cost=settings.kdf_time_cost,
        memory_kib=settings.kdf_memory_kib,
        parallelism=settings.kdf_parallelism,
    )


@contextlib.contextmanager
def _open(settings: WalletSettings, *, quiet: bool = False) -> Iterator[WalletStore]:
    path = settings.store_path()
    if not path.is_file():
        raise NotFound(f"no wallet at {path} (create one with `wallet init`)", code="wallet.missing")
    passphrase, source = _passphrase_from(settings, keyring=True)
    with _progress("unlocking the wallet", quiet=quiet):
        try:
            store = WalletStore.open(path, passphrase)
        except VerificationError as exc:
            if source != "keyring" or exc.code != "wallet.passphrase":
                raise
            raise VerificationError(
                "the passphrase in the OS keyring does not open this wallet (the wallet was not "
                "changed); replace it with `wallet keyring store` or drop it with `wallet keyring forget`",
                code="wallet.passphrase",
            ) from None
    try:
        yield store
    finally:
        store.close()


@contextlib.contextmanager
def _progress(message: str, *, quiet: bool = False) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr for network steps; silent when stderr is not a TTY or with --json."""
    if quiet or not err_console.is_terminal:
        yield lambda _s: None
        return
    with err_console.status(message) as status:
        yield lambda s: status.update(s)


def _run(coro: Awaitable[T]) -> T:
    async def wrap() -> T:
        return await coro

    return asyncio.run(wrap())


def _http(settings: WalletSettings) -> httpx.AsyncClient:
    import httpx

    return httpx.AsyncClient(timeout=settings.timeout, headers={"user-agent": "didkit-wallet"})


def _resolver(settings: WalletSettings, http: httpx.AsyncClient) -> Resolver:
    from didkit_py.did import default_resolver
    from didkit_py.registry.configured import ConfiguredEthrMethod

    return default_resolver(
        http=http, allow_loopback_http=settings.allow_loopback_http, extra_methods=[ConfiguredEthrMethod()]
    )


def _verifier(settings: WalletSettings, http: httpx.AsyncClient, resolver: Resolver) -> Verifier:
    from verifier import Policies, Verifier

    return Verifier(
        resolver=resolver, policies=Policies(), http=http, allow_loopback_http=settings.allow_loopback_http
    )


def _confirm(question: str, *, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise InvalidInput("confirmation needed: run in a terminal or pass --yes", code="wallet.confirm")
    answer: bool = typer.confirm(question, default=False, err=True)
    return answer


def _short(value: Any, width: int = 60) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


# --------------------------------------------------------------------------- store commands


@app.command()
@handle_errors
def init(
    method: Annotated[str, typer.Option("--did-method", help="Holder DID method: key or jwk.")] = "key",
    key_type: Annotated[str, typer.Option("--key-type", help="Ed25519, P-256 or secp256k1.")] = "Ed25519",
    use_keyring: Annotated[
        bool,
        typer.Option(
            "--keyring",
            help="Also keep the passphrase in the OS keyring, so later commands need no prompt "
            "(needs the keyring extra and a keyring service).",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Create an encrypted wallet and a first holder DID.

    The passphrase comes from a prompt (asked twice) or DIDKIT_WALLET_PASSPHRASE. Nothing in the
    store is readable without it, and it cannot be recovered: keep a backup. With --keyring it
    is also stored in the OS keyring and read from there when DIDKIT_WALLET_PASSPHRASE is unset.
    (For a did:ethr holder DID: wallet did new --method ethr --anchor.)

    \b
    Examples:
      wallet init --did-method jwk
      wallet init --keyring
    """
    if method not in ("key", "jwk"):
        raise typer.BadParameter("--did-method must be key or jwk (did:ethr: wallet did new --method ethr)")
    settings = _settings()
    path = settings.store_path()
    if path.exists():
        raise StorageError(f"a wallet already exists at {path}", code="wallet.exists")
    if use_keyring:
        from . import keychain

        keychain.require()  # before anything is created
    passphrase = _strong_enough(_passphrase(settings, confirm=True, prompt="New wallet passphrase"))
    with _progress("creating the wallet", quiet=json_out):
        store = WalletStore.create(path, passphrase, kdf=_kdf(settings))
    with store:
        ident = core.create_identity(
            store, method="jwk" if method == "jwk" else "key", key_type=_key_type(key_type), now=_now()
        )
    if use_keyring:
        try:
            keychain.set_passphrase(path, passphrase)
        except StorageError as exc:
            raise StorageError(
                f"the wallet was created, but {exc}; try again with `wallet keyring store`", code=exc.code
            ) from None
    if json_out:
        print_json({"path": str(path), "did": ident.data["did"], "keyring": use_keyring})
        return
    out_console.print(
        f"Wallet created at {escape(str(path))}\nHolder DID: {ident.data['did']}", highlight=False
    )
    if use_keyring:
        err_console.print("The passphrase is in the OS keyring (wallet keyring forget removes it).")


@app.command()
@handle_errors
def passwd(json_out: JsonOpt = False) -> None:
    """Change the passphrase: everything is re-encrypted under a new key in one transaction.

    Example:  wallet passwd
    """
    settings = _settings()
    with _open(settings, quiet=json_out) as store:
        new = _new_passphrase(settings)
        with _progress("re-encrypting", quiet=json_out):
            store.change_passphrase(new, kdf=_kdf(settings))
    keyring_updated = _update_keyring(settings, new)
    if json_out:
        print_json({"changed": True, "keyring": keyring_updated})
        return
    err_console.print(
        "Passphrase changed." + (" The OS keyring holds the new one." if keyring_updated else "")
    )


def _update_keyring(settings: WalletSettings, new: str) -> bool:
    """After ``passwd``: replace a keyring entry, so it never holds a passphrase that no longer opens."""
    from . import keychain

    path = settings.store_path()
    if keychain.get_passphrase(path) is None:
        return False
    try:
        keychain.set_passphrase(path, new)
    except StorageError as exc:
        err_console.print(
            f"[yellow]warning[/] {escape(str(exc))}; the keyring still holds the old passphrase: "
            "run `wallet keyring store` or `wallet keyring forget`",
            highlight=False,
        )
        return False
    return True


@app.command()
@handle_errors
def backup(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Where to write the encrypted backup.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Write the whole wallet to one encrypted file (same passphrase, fresh salt).

    Example:  wallet backup ~/wallet-2026-01.bak
    """
    settings = _settings()
    if file.exists() and not force:
        raise StorageError(f"{file} exists (use --force to overwrite)", code="wallet.exists")
    with _open(settings, quiet=json_out) as store:
        passphrase = _passphrase_from(settings, keyring=True)[0]
        data = store.backup_bytes(passphrase, kdf=_kdf(settings))
        n = len(store.all_records())
    write_atomic(file, data)
    if json_out:
        print_json({"file": str(file), "records": n})
        return
    err_console.print(f"Backed up {n} records to {escape(str(file))}.")


@app.command()
@handle_errors
def restore(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A backup written by `wallet backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace the existing wallet.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Restore a backup into the data directory (atomically replacing the wallet with --force).

    Example:  wallet restore ~/wallet-2026-01.bak
    """
    settings = _settings()
    path = settings.store_path()
    if path.exists() and not force:
        raise StorageError(
            f"a wallet already exists at {path} (use --force to replace it)", code="wallet.exists"
        )
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read {file}: {exc.strerror}", code="io.read") from None
    passphrase = _passphrase(settings, prompt="Backup passphrase")
    with _progress("decrypting the backup", quiet=json_out):
        records = WalletStore.read_backup(data, passphrase)
        WalletStore.create(path, passphrase, kdf=_kdf(settings), records=records, replace=True).close()
    if json_out:
        print_json({"path": str(path), "records": len(records)})
        return
    err_console.print(f"Restored {len(records)} records to {escape(str(path))}.")


# --------------------------------------------------------------------------- OS keyring


@keyring_app.command("store")
@handle_errors
def keyring_store(json_out: JsonOpt = False) -> None:
    """Keep the wallet passphrase in the OS keyring (checked first: it must open the wallet).

    Later commands read it from there when DIDKIT_WALLET_PASSPHRASE is unset. Needs the keyring
    extra (pip install 'didkit-py[keyring]') and a keyring service (Keychain, Credential Locker,
    Secret Service or KWallet).

    Example:  wallet keyring store
    """
    from . import keychain

    settings = _settings()
    path = settings.store_path()
    keychain.require()
    if not path.is_file():
        raise NotFound(
            f"no wallet at {path} (create one with `wallet init --keyring`)", code="wallet.missing"
        )
    passphrase = _passphrase(settings)  # never the keyring's own (possibly stale) entry
    with _progress("checking the passphrase", quiet=json_out):
        WalletStore.open(path, passphrase).close()
    keychain.set_passphrase(path, passphrase)
    if json_out:
        print_json({"path": str(path), "keyring": True})
        return
    err_console.print("The passphrase is now in the OS keyring.")


@keyring_app.command("forget")
@handle_errors
def keyring_forget(json_out: JsonOpt = False) -> None:
    """Remove the wallet passphrase from the OS keyring (the wallet itself is untouched).

    Example:  wallet keyring forget
    """
    from . import keychain

    path = _settings().store_path()
    removed = keychain.delete_passphrase(path)
    if json_out:
        print_json({"path": str(path), "removed": removed})
        return
    err_console.print(
        "Removed from the OS keyring." if removed else "The OS keyring held no passphrase for it."
    )


# --------------------------------------------------------------------------- identities


@did_app.command("list")
@handle_errors
def did_list(json_out: JsonOpt = False) -> None:
    """List holder DIDs (did:ethr ones with whether their key is anchored on the chain).

    Example:  wallet did list
    """
    with _open(_settings(), quiet=json_out) as store:
        ids = store.records("identity")
    rows = [
        {
            "id": r.id,
            "did": r.data["did"],
            "method": r.data.get("method", "key"),
            "key_type": r.data["key_type"],
            "verification_method": r.data.get("verification_method"),
            "default": r.data.get("default"),
            **({"anchored": r.data.get("anchored")} if r.data.get("method") == "ethr" else {}),
        }
        for r in ids
    ]
    if json_out:
        print_json(rows)
        return
    table = Table(title="Holder DIDs")
    for col in ("id", "did", "key", "default", "on chain"):
        table.add_column(col, overflow="fold")
    for r in rows:
        chain = "" if r["method"] != "ethr" else ("anchored" if r.get("anchored") else "not anchored")
        table.add_row(r["id"][:8], r["did"], r["key_type"], "yes" if r["default"] else "", chain)
    out_console.print(table)


RelayerKeyOpt = Annotated[
    Path | None,
    typer.Option(
        "--relayer-key",
        metavar="FILE",
        help="did:ethr: a secp256k1 key file (didkit key format) of an account that pays the gas; "
        "the holder key only signs. Default: the dev account on dev chains (1337, 31337), else "
        "the holder's own address pays and must hold ETH.",
    ),
]
_DEV_CHAIN_IDS = (1337, 31337)
#: How long the anchored key stays valid on the registry (10 years; ``--validity`` changes it).
_DEFAULT_VALIDITY = 10 * 365 * 24 * 3600


@did_app.command("new")
@handle_errors
def did_new(
    method: Annotated[str, typer.Option("--method", help="key, jwk or ethr.")] = "key",
    key_type: Annotated[
        str | None,
        typer.Option("--key-type", help="Ed25519, P-256 or secp256k1 (default Ed25519; secp256k1 for ethr)."),
    ] = None,
    default: Annotated[bool, typer.Option("--default", help="Use it from now on.")] = False,
    anchor: Annotated[
        bool,
        typer.Option(
            "--anchor",
            help="did:ethr: publish the holder key on the registry right away (see `wallet did anchor`).",
        ),
    ] = False,
    relayer_key: RelayerKeyOpt = None,
    validity: Annotated[
        int, typer.Option("--validity", min=60, help="did:ethr: seconds the anchored key stays valid.")
    ] = _DEFAULT_VALIDITY,
    json_out: JsonOpt = False,
) -> None:
    """Create another holder DID.

    did:ethr is did:ethr:<network>:<address> on the chain DIDKIT_CHAIN_URL / _REGISTRY / _ID
    name (the network is DIDKIT_CHAIN_NAME, else the hex chain id), with a new secp256k1 key.
    Until its key is anchored (--anchor, or `wallet did anchor` later) the DID document holds
    only an address, which issuers and verifiers cannot check proofs against.

    \b
    Examples:
      wallet did new --method jwk --key-type P-256 --default
      wallet did new --method ethr --anchor --default
      wallet did new --method ethr --anchor --relayer-key payer.json
    """
    if method not in ("key", "jwk", "ethr"):
        raise typer.BadParameter("--method must be key, jwk or ethr")
    if method != "ethr" and (anchor or relayer_key is not None):
        raise typer.BadParameter("--anchor and --relayer-key are for --method ethr")
    kt = _key_type(key_type or ("secp256k1" if method == "ethr" else "Ed25519"))
    if method == "ethr" and kt is not KeyType.SECP256K1:
        raise typer.BadParameter("did:ethr holder keys are secp256k1")
    settings = _settings()
    chain = _chain_config() if method == "ethr" else None
    relayer = _load_relayer(relayer_key, chain) if anchor and chain is not None else None
    tx: dict[str, Any] | None = None
    with _open(settings, quiet=json_out) as store:
        rec = core.create_identity(
            store,
            method="ethr" if method == "ethr" else ("jwk" if method == "jwk" else "key"),
            key_type=kt,
            now=_now(),
            make_default=default or None,  # type: ignore[arg-type]
            chain=chain,
        )
        if anchor:
            try:
                rec, tx = _anchor(settings, store, rec, relayer, validity, quiet=json_out)
            except DidkitError as exc:
                # The identity is stored: say so, and how to finish, instead of a bare chain error.
                exc.message = (
                    f"{exc.message} — {rec.data['did']} was created but not anchored; "
                    f"retry with `wallet did anchor {rec.id[:8]}`"
                )
                raise
    info = _identity_info(rec, tx)
    if json_out:
        print_json(info)
        return
    out_console.print(rec.data["did"], highlight=False)
    if method == "ethr" and not anchor:
        err_console.print(
            f"Not anchored yet: run `wallet did anchor {rec.id[:8]}` before using it to receive credentials.",
            highlight=False,
        )
    elif tx is not None:
        err_console.print(
            f"Key anchored as {escape(str(info['verification_method']))} (block {tx['blockNumber']})."
        )


@did_app.command("anchor")
@handle_errors
def did_anchor(
    identity: Annotated[
        str, typer.Argument(metavar="ID", help="The identity's id (first characters) or its DID.")
    ],
    relayer_key: RelayerKeyOpt = None,
    validity: Annotated[
        int, typer.Option("--validity", min=60, help="Seconds the anchored key stays valid.")
    ] = _DEFAULT_VALIDITY,
    json_out: JsonOpt = False,
) -> None:
    """Publish a did:ethr holder key on the registry (did/pub/Secp256k1/sigAuth/hex), so its DID
    resolves with a verification method issuers and verifiers can check proofs against.

    Safe to run again: when the chain already shows the key nothing is sent (it also repairs a
    run interrupted after the transaction).

    \b
    Examples:
      wallet did anchor 3f2a
      wallet did anchor did:ethr:0x539:0xAbC... --relayer-key payer.json
    """
    settings = _settings()
    chain = _chain_config()
    relayer = _load_relayer(relayer_key, chain)
    with _open(settings, quiet=json_out) as store:
        rec = (
            core.default_identity(store, identity)
            if identity.startswith("did:")
            else store.get(identity, "identity")
        )
        rec, tx = _anchor(settings, store, rec, relayer, validity, quiet=json_out)
    info = _identity_info(rec, tx)
    if json_out:
        print_json(info)
        return
    out_console.print(
        f"{rec.data['did']}: key {'anchored' if tx else 'already on the chain'} as "
        f"{info['verification_method']}" + (f" (block {tx['blockNumber']})" if tx else ""),
        highlight=False,
    )


def _identity_info(rec: Any, tx: dict[str, Any] | None) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": rec.id,
        "did": rec.data["did"],
        "verification_method": rec.data["verification_method"],
    }
    if rec.data.get("method") == "ethr":
        info.update(
            address=rec.data["address"],
            chain_id=rec.data["chain_id"],
            anchored=rec.data.get("anchored"),
            transaction=tx,
        )
    return info


def _chain_config() -> Any:
    from didkit_py.registry.settings import ChainSettings

    return ChainSettings().to_config()


def _load_relayer(path: Path | None, chain: Any) -> Any:
    """The account that pays for the anchoring transaction (None: the holder pays)."""
    from didkit_py.keys import key_pair_from_secret, load_key_file

    if path is not None:
        kp = load_key_file(path)
        if kp.key_type is not KeyType.SECP256K1 or kp.secret_key is None:
            raise InvalidInput("--relayer-key must be a secp256k1 key with its secret", code="wallet.relayer")
        return kp
    if chain.chain_id in _DEV_CHAIN_IDS:
        from didkit_py.registry.devchain import DEV_MNEMONIC, DevChain

        return key_pair_from_secret(KeyType.SECP256K1, DevChain._derive_keys(DEV_MNEMONIC, 1)[0])
    return None


def _anchor(
    settings: WalletSettings, store: WalletStore, rec: Any, relayer: Any, validity: int, *, quiet: bool
) -> tuple[Any, dict[str, Any] | None]:
    from didkit_py.did.ethr import EthrMethod
    from didkit_py.registry.client import RegistryClient

    cfg = _chain_config()

    async def go() -> tuple[Any, dict[str, Any] | None]:
        async with _http(settings) as http:
            method = EthrMethod([cfg.network()], http=http, timeout=cfg.timeout)
            with RegistryClient(cfg) as client, _progress("anchoring the key on the chain", quiet=quiet):
                return await core.anchor_identity(
                    store, rec, client=client, method=method, relayer=relayer, validity=validity, now=_now()
                )

    return _run(go())


# --------------------------------------------------------------------------- credentials


async def _verify_and_store(
    settings: WalletSettings,
    store: WalletStore,
    items: Sequence[tuple[str | dict[str, Any], str, str | None]],
    *,
    source: str,
    now: datetime,
    http: httpx.AsyncClient,
    progress: Callable[[str], None],
    issuer_name: str | None = None,
) -> list[str]:
    """Verify every credential first, then store them all in one transaction (or none)."""
    verifier = _verifier(settings, http, _resolver(settings, http))
    checked = []
    for secured, fmt, display_name in items:
        progress("verifying the credential")
        report = await core.verify_credential(secured, fmt, verifier, now=now)
        checked.append((secured, fmt, report, display_name))
    ids: list[str] = []
    with store.transaction():
        for secured, fmt, report, display_name in checked:
            ids.append(
                core.store_credential(
                    store,
                    secured,
                    fmt,
                    report,
                    now=now,
                    source=source,
                    issuer_name=issuer_name,
                    display_name=display_name,
                )
            )
    return ids


@app.command("import")
@handle_errors
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE", help="A credential: vc+jwt, SD-JWT VC, or Data Integrity JSON ('-' = stdin)."
        ),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Verify a credential (signature, issuer DID, validity, status) and store it encrypted.

    Example:  wallet import degree.json
    """
    settings = _settings()
    secured, fmt = core.parse_credential_text(read_text_file(file, what="credential"))
    with _open(settings, quiet=json_out) as store:

        async def go() -> list[str]:
            async with _http(settings) as http:
                with _progress("verifying", quiet=json_out) as p:
                    return await _verify_and_store(
                        settings,
                        store,
                        [(secured, fmt, None)],
                        source=f"import:{file.name}",
                        now=_now(),
                        http=http,
                        progress=p,
                    )

        (rid,) = _run(go())
        summary = core.credential_summary(store.get(rid, "credential"))
    if json_out:
        print_json(summary)
        return
    out_console.print(
        f"Stored {summary['type']} ({fmt}) as {rid[:8]}, status: {summary['status']}", highlight=False
    )


@app.command("list")
@handle_errors
def list_(json_out: JsonOpt = False) -> None:
    """Show every credential: type, issuer, valid until, status, format.  Example:  wallet list"""
    with _open(_settings(), quiet=json_out) as store:
        rows = sorted(
            (core.credential_summary(r) for r in store.records("credential")), key=lambda r: r["added"] or ""
        )
    if json_out:
        print_json(rows)
        return
    if not rows:
        out_console.print("The wallet holds no credentials yet (wallet receive / wallet import).")
        return
    table = Table(title=f"{len(rows)} credential(s)")
    for col in ("id", "type", "issuer", "valid until", "status", "format"):
        table.add_column(col, overflow="fold")
    for r in rows:
        status = r["status"] or ""
        style = {"valid": "green", "revoked": "red", "suspended": "yellow"}.get(status, "")
        table.add_row(
            r["id"][:8],
            escape(str(r["type"])),
            escape(_short(r["issuer_name"] or r["issuer"] or "", 40)),
            (r["valid_until"] or "—")[:10],
            f"[{style}]{status}[/]" if style else status,
            r["format"],
        )
    out_console.print(table)


@app.command()
@handle_errors
def show(
    credential_id: Annotated[
        str, typer.Argument(metavar="ID", help="Credential id (or its first characters).")
    ],
    json_out: JsonOpt = False,
) -> None:
    """Show a credential's claims and which ones you can withhold when presenting.

    Example:  wallet show 3f2a
    """
    with _open(_settings(), quiet=json_out) as store:
        rec = store.get(credential_id, "credential")
    summary = core.credential_summary(rec)
    claims = core.claims_view(rec)
    if json_out:
        print_json({**summary, "claims": claims})
        return
    out_console.print(
        f"[bold]{escape(str(summary['type']))}[/] ({summary['format']}) "
        f"from {escape(str(summary['issuer']))}\n"
        f"status: {summary['status']}   valid until: {summary['valid_until'] or '—'}   id: {rec.id}",
        highlight=False,
    )
    table = Table()
    table.add_column("claim", overflow="fold")
    table.add_column("value", overflow="fold")
    table.add_column("when presenting")
    for c in claims:
        how = "you choose" if c["disclosable"] == "selective" else "always shown"
        table.add_row(escape(c["pointer"]), escape(_short(c["value"])), how)
    out_console.print(table)


@app.command()
@handle_errors
def delete(
    credential_id: Annotated[str, typer.Argument(metavar="ID")],
    yes: YesOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Delete a credential (its bytes are overwritten in the store).  Example:  wallet delete 3f2a"""
    with _open(_settings(), quiet=json_out) as store:
        rec = store.get(credential_id, "credential")
        label = core.credential_summary(rec)["type"]
        if not _confirm(f"Delete {label} ({rec.id[:8]})?", yes=yes):
            raise typer.Exit(1)
        store.delete(rec.id)
    if json_out:
        print_json({"deleted": rec.id})
        return
    err_console.print(f"Deleted {escape(str(label))}.")


@app.command()
@handle_errors
def export(
    credential_id: Annotated[str, typer.Argument(metavar="ID")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to a file (0600).")
    ] = None,
) -> None:
    """Print a credential as issued (to hand it over by other means).

    Example:  wallet export 3f2a -o cred.jwt
    """
    with _open(_settings(), quiet=True) as store:
        rec = store.get(credential_id, "credential")
    text = core.dumps_secured(rec.data["secured"]) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text.encode())
        err_console.print(f"Wrote {escape(str(output))}.")


@app.command("refresh-status")
@handle_errors
def refresh_status(json_out: JsonOpt = False) -> None:
    """Check every credential again (status lists, validity) and record the result.

    Example:  wallet refresh-status
    """
    settings = _settings()
    with _open(settings, quiet=json_out) as store:
        recs = store.records("credential")

        async def go() -> list[dict[str, Any]]:
            out = []
            async with _http(settings) as http:
                verifier = _verifier(settings, http, _resolver(settings, http))
                with _progress("checking status", quiet=json_out) as p:
                    for rec in recs:
                        p(f"checking {rec.id[:8]}")
                        now = _now()
                        report = await core.verify_credential(
                            rec.data["secured"], rec.data["format"], verifier, now=now
                        )
                        status = core.status_of(report)
                        if report.verdict != "accepted" and status == "valid":
                            status = "invalid"
                        store.put(
                            "credential",
                            {**rec.data, "status": status, "status_checked": core.iso(now)},
                            id=rec.id,
                        )
                        out.append({"id": rec.id, "status": status, "was": rec.data.get("status")})
            return out

        rows = _run(go())
    if json_out:
        print_json(rows)
        return
    for r in rows:
        change = "" if r["status"] == r["was"] else f" (was {r['was']})"
        out_console.print(f"{r['id'][:8]}  {r['status']}{change}", highlight=False)


# --------------------------------------------------------------------------- match


def _matcher(lexical: bool, request: Any) -> Any:
    from didkit_py.match import LexicalFallbackWarning, Matcher, detect_request_kind
    from didkit_py.paths import data_dir

    if lexical or detect_request_kind(request) != "nl":
        return Matcher(None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LexicalFallbackWarning)
        m = Matcher.default(cache_dir=data_dir() / "match-cache")
    for w in caught:
        err_console.print(f"[yellow]warning[/] {w.message}", highlight=False)
    return m


def _load_request(text: str) -> Any:
    if text.startswith(("openid4vp://", "haip-vp://")) or text.startswith("https://"):
        return text
    if text.lstrip().startswith("{"):
        import json

        try:
            return json.loads(text)
        except ValueError:
            raise InvalidInput("the request is not valid JSON", code="wallet.request") from None
    return read_json_file(text, what="request")


@app.command()
@handle_errors
def match(
    request: Annotated[
        str,
        typer.Argument(
            metavar="REQUEST",
            help="A file or JSON with a presentation definition, a DCQL query or "
            '{"purpose": "..."}, or an openid4vp:// link.',
        ),
    ],
    lexical: Annotated[bool, typer.Option("--lexical", help="Rank purposes with BM25, not MiniLM.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Suggest which credentials answer a request and the fewest claims to reveal. Nothing is sent.

    \b
    Examples:
      wallet match request.json
      wallet match '{"purpose": "prove I am over 18"}'
    """
    settings = _settings()
    req = _load_request(request)
    with _open(settings, quiet=json_out) as store:
        if isinstance(req, str):

            async def fetch() -> Any:
                async with _http(settings) as http:
                    with _progress("fetching the request", quiet=json_out):
                        from didkit_py.oid4vc.vp import (
                            parse_authorization_request_uri,
                            resolve_authorization_request,
                        )

                        params = parse_authorization_request_uri(req)
                        return await resolve_authorization_request(
                            params,
                            http=http,
                            resolver=_resolver(settings, http),
                            now=_now(),
                            allow_loopback_http=settings.allow_loopback_http,
                        )

            req = _run(fetch()).query
        held, recs = core.held_credentials(store)
    kind, recs_out = _matcher(lexical, req).recommend(req, held, now=_now())
    if json_out:
        print_json({"kind": kind, "recommendations": [r.to_json() for r in recs_out]})
        return
    if not recs_out:
        out_console.print("Nothing in the wallet answers this request.")
        return
    table = Table(title=f"Suggestions ({kind}) — you decide; nothing has been shared")
    for col in ("#", "credential", "score", "would reveal", "why"):
        table.add_column(col)
    for n, r in enumerate(recs_out, 1):
        summary = core.credential_summary(recs[r.credential_id])
        table.add_row(
            str(n),
            f"{escape(str(summary['type']))}\n{r.credential_id[:8]}",
            f"{r.score:.2f}",
            escape("\n".join(r.claims) or "(the whole credential)"),
            escape(r.explanation),
        )
    out_console.print(table)


# --------------------------------------------------------------------------- present


def _link_from(arg: str, *, what: str) -> str:
    """A link given as is, or read from a file: a text file holding it, or a QR code image."""
    if "://" in arg or not Path(arg).is_file():
        return arg
    from .qr import decode_qr, is_image

    try:
        with open(arg, "rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StorageError(f"cannot read {arg}: {exc.strerror}", code="io.read") from None
    if is_image(head):
        return decode_qr(Path(arg))
    return read_text_file(arg, what=what).strip()


def _parse_select(values: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values:
        q, sep, cid = v.partition("=")
        if not sep or not q or not cid:
            raise typer.BadParameter(f"--select {v!r} is not QUERY_ID=CREDENTIAL_ID")
        if q in out:
            raise typer.BadParameter(f"--select names query {q!r} twice")
        out[q] = cid
    return out


def _decide(choice: core.OpenChoice, *, yes: bool) -> str | None:
    """Ask the holder to make a choice the request leaves open; with --yes (or no terminal) refuse.

    Under --yes an optional credential set is left out: only what the holder chose is sent.
    """
    if yes:
        if choice.kind == "option" and not choice.required:
            return None
        raise core.SelectionError(
            f"--yes needs an explicit choice: {choice.describe()}", code="wallet.selection_needed"
        )
    if not sys.stdin.isatty():
        raise core.SelectionError(
            f"a choice is needed (run in a terminal, or pass it): {choice.describe()}",
            code="wallet.selection_needed",
        )
    import click

    values = [v for v, _ in choice.alternatives]
    if choice.kind == "option":
        err_console.print(
            f"Credential set {escape(choice.key)} can be answered in more than one way"
            + ("" if choice.required else " (optional: 0 leaves it out)")
            + ":",
            highlight=False,
        )
    else:
        err_console.print(f"More than one credential answers {escape(choice.key)}:", highlight=False)
    for n, (_, desc) in enumerate(choice.alternatives, 1):
        err_console.print(f"  {n}. {escape(desc)}", highlight=False)
    default = values.index(choice.default) + 1 if choice.default in values and choice.required else 0
    picked: int = typer.prompt(
        "Choose",
        default=default,
        type=click.IntRange(0 if not choice.required else 1, len(values)),
        err=True,
    )
    return values[picked - 1] if picked else None


@app.command()
@handle_errors
def present(
    request: Annotated[
        str,
        typer.Argument(
            metavar="REQUEST", help="The verifier's openid4vp:// link, or a file or QR code image holding it."
        ),
    ],
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            "-s",
            metavar="QUERY=ID",
            help="Which credential answers a credential query (DCQL) or input descriptor (PE): "
            "QUERY_ID=CREDENTIAL_ID, the id or its first characters; repeat per query. "
            "Example: --select pid=3f2a9c",
        ),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            metavar="[SET=]N",
            help="Which option of a DCQL credential set to answer, both numbered from 1 in the "
            "request's order: SET=N, or just N when only one set offers a choice; N=0 leaves an "
            "optional set out. Example: --option 2  or  --option 1=2 --option 2=0",
        ),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Send without asking. Every choice the request leaves open must then be made with "
            "--select / --option (a query with one matching credential, a set with one answerable "
            "option need none); optional credential sets are left out unless chosen.",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Answer a verifier (OpenID4VP 1.0): check its request, show exactly what would be disclosed,
    ask, and only then send.

    When several credentials answer a query, or a DCQL credential set offers alternatives, you
    are asked to choose (the matcher's suggestion is the default). With --yes nothing is guessed:
    an open choice is a usage error (exit 2) listing the --select / --option that would make it.

    \b
    Examples:
      wallet present 'openid4vp://?client_id=...&request_uri=...'
      wallet present request.png --yes --select pid=3f2a
      wallet present 'openid4vp://...' --yes --option 2 --select mdl=77c1
    """
    settings = _settings()
    selection = _parse_select(select or [])
    options = core.parse_option_flags(option or [])
    request = _link_from(request, what="request")
    with _open(settings, quiet=json_out) as store:

        async def go() -> dict[str, Any]:
            async with _http(settings) as http:
                resolver = _resolver(settings, http)
                with _progress("fetching and checking the request", quiet=json_out):
                    from didkit_py.oid4vc.vp import (
                        parse_authorization_request_uri,
                        resolve_authorization_request,
                    )

                    params = parse_authorization_request_uri(request)
                    req = await resolve_authorization_request(
                        params,
                        http=http,
                        resolver=resolver,
                        now=_now(),
                        allow_loopback_http=settings.allow_loopback_http,
                    )
                now = _now()
                signer = core.identity_signer(core.default_identity(store))
                if options and req.dcql_query is None:
                    raise core.SelectionError(
                        "--option chooses among DCQL credential sets; this request has a presentation "
                        "definition",
                        code="wallet.option",
                    )

                def rank(held: list[Any]) -> dict[str, float]:
                    recs = _matcher(True, req.query).recommend(req.query, held, now=now)[1]
                    return {r.credential_id: r.score for r in recs}

                plan = core.plan_dcql_presentation(
                    store,
                    req,
                    signer=signer,
                    now=now,
                    select=selection,
                    options=options,
                    rank=rank,
                    decide=lambda choice: _decide(choice, yes=yes),
                )
                _show_plan(plan, json_out)
                if not _confirm(f"Send this to {_verified_party(req)}?", yes=yes):
                    err_console.print("Nothing was sent.")
                    raise typer.Exit(1)
                # Written before sending: once data may have left, the history must say so.
                hid = core.record_history(store, plan, now=now, outcome="sending")
                try:
                    with _progress("sending", quiet=json_out):
                        answer = await core.send_presentation(
                            plan, http=http, allow_loopback_http=settings.allow_loopback_http
                        )
                except DidkitError as exc:
                    core.record_history(store, plan, now=now, outcome=f"failed: {exc.code}", id=hid)
                    raise
                core.record_history(store, plan, now=now, outcome="accepted", id=hid)
                return {
                    "verifier": req.client_id,
                    "options": plan.options,
                    "sent": [
                        {
                            "query": d.query_id,
                            "credential": d.credential_id,
                            "claims": [p for p, _ in d.revealed],
                        }
                        for d in plan.disclosures
                    ],
                    "redirect_uri": answer.get("redirect_uri"),
                }

        result = _run(go())
    if json_out:
        print_json(result)
        return
    out_console.print(f"Sent to {escape(result['verifier'])}.", highlight=False)
    if result.get("redirect_uri"):
        out_console.print(f"Continue at: {escape(str(result['redirect_uri']))}", highlight=False)


def _verified_party(req: Any) -> str:
    """Who the wallet actually checked: the signing DID, or only where the answer goes."""
    if req.signed:
        return str(req.verifier_id)
    from urllib.parse import urlsplit

    return str(urlsplit(req.response_uri).netloc)


def _show_plan(plan: core.PlannedPresentation, json_out: bool) -> None:
    req = plan.request
    how = (
        f"the request is signed by {req.signer_kid} (signature checked)"
        if req.signed
        else f"unsigned request; the answer goes to {req.response_uri}"
    )
    name = req.client_metadata.get("client_name") if isinstance(req.client_metadata, dict) else None
    console = err_console
    console.print(
        f"[bold]{escape(_verified_party(req))}[/] asks for credentials.\n"
        + (f"It calls itself: {escape(str(name))} (not verified)\n" if isinstance(name, str) and name else "")
        + f"Verifier: {escape(req.client_id)}\nChecked: {escape(how)}",
        highlight=False,
    )
    purpose = req.client_metadata.get("purpose") if isinstance(req.client_metadata, dict) else None
    if isinstance(purpose, str):
        console.print(f"Purpose: {escape(purpose)}", highlight=False)
    for d in plan.disclosures:
        table = Table(
            title=f"{escape(d.label)} ({d.format}, {d.credential_id[:8]}) for query {escape(d.query_id)}"
        )
        table.add_column("claim that would be disclosed", overflow="fold")
        table.add_column("value", overflow="fold")
        for ptr, value in d.revealed:
            table.add_row(escape(ptr), escape(_short(value)))
        console.print(table)


# --------------------------------------------------------------------------- receive


@app.command()
@handle_errors
def receive(
    offer: Annotated[
        str,
        typer.Argument(
            metavar="OFFER",
            help="An openid-credential-offer:// link, or a file or QR code image holding one.",
        ),
    ],
    tx_code: Annotated[
        str | None,
        typer.Option("--tx-code", metavar="CODE", help="The transaction code, if the issuer sent one."),
    ] = None,
    yes: YesOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Receive credentials from an issuer (OpenID4VCI 1.0, pre-authorized code), verify, store.

    Example:  wallet receive 'openid-credential-offer://?credential_offer_uri=https://issuer.example/offers/123'
    """
    settings = _settings()
    offer = _link_from(offer, what="offer")
    with _open(settings, quiet=json_out) as store:
        holder = core.default_identity(store)

        async def go() -> tuple[list[str], list[dict[str, Any]]]:
            async with _http(settings) as http:
                from didkit_py.oid4vc import vci

                # A did:ethr holder: check on the chain first that the key is published there.
                with _progress(
                    "checking the holder DID", quiet=json_out or holder.data.get("method") != "ethr"
                ):
                    signer = await core.current_signer(holder, _resolver(settings, http))
                client = vci.PreAuthorizedClient(http, allow_loopback_http=settings.allow_loopback_http)
                with _progress("fetching the offer", quiet=json_out) as p:
                    off = await client.resolve_offer(offer)
                    p("fetching issuer metadata")
                    meta = await client.issuer_metadata(off)
                names = [
                    meta.credential_configurations_supported[c].display_name(c)
                    if c in meta.credential_configurations_supported
                    else c
                    for c in off.credential_configuration_ids
                ]
                err_console.print(
                    f"[bold]{escape(meta.issuer_name())}[/] ({escape(meta.credential_issuer)}) "
                    f"offers: {escape(', '.join(names))}",
                    highlight=False,
                )
                if not _confirm("Accept?", yes=yes):
                    err_console.print("Declined; nothing was requested.")
                    raise typer.Exit(1)
                grant = off.pre_authorized()
                code = tx_code
                if grant.tx_code is not None and code is None:
                    if not sys.stdin.isatty():
                        raise InvalidInput(
                            "this offer needs a transaction code (--tx-code)", code="wallet.tx_code"
                        )
                    hint = grant.tx_code.description or "Transaction code"
                    code = typer.prompt(hint, hide_input=True, err=True)
                now = _now()
                deferred: list[core.PendingIssuance] = []
                with _progress("receiving", quiet=json_out) as p:
                    got = await core.obtain_credentials(
                        client, off, meta, signer=signer, tx_code=code, now=now, progress=p, pending=deferred
                    )
                    # Deferred issuances (HTTP 202): kept encrypted for `wallet pending`.
                    waiting = [
                        _pending_row(store.put("pending", d.to_record()), d, "pending") for d in deferred
                    ]
                    confs = meta.credential_configurations_supported
                    items = [
                        (r.secured, r.format, confs[r.configuration_id].display_name(r.configuration_id))
                        for r in got
                    ]
                    ids = await _store_and_notify(
                        settings,
                        store,
                        client,
                        got,
                        items,
                        source=f"oid4vci:{meta.credential_issuer}",
                        now=now,
                        http=http,
                        progress=p,
                        issuer_name=meta.issuer_name(),
                    )
                    return ids, waiting

        ids, waiting = _run(go())
        rows = [core.credential_summary(store.get(i, "credential")) for i in ids]
    if json_out:
        print_json(rows + waiting)
        return
    for w in waiting:
        _print_pending(w)
    for r in rows:
        out_console.print(
            f"Stored {escape(str(r['type']))} ({r['format']}) as {r['id'][:8]}, status: {r['status']}",
            highlight=False,
        )


async def _store_and_notify(
    settings: WalletSettings,
    store: WalletStore,
    client: Any,
    got: Sequence[core.ReceivedCredential],
    items: Sequence[tuple[str | dict[str, Any], str, str | None]],
    **kwargs: Any,
) -> list[str]:
    """Verify and store, then tell the issuer (OpenID4VCI §11): accepted, or failure."""
    if not items:
        return []
    try:
        ids = await _verify_and_store(settings, store, items, **kwargs)
    except DidkitError:
        await core.send_notifications(client, got, "credential_failure", "the credential did not verify")
        raise
    for problem in await core.send_notifications(client, got, "credential_accepted"):
        err_console.print(
            f"[yellow]could not notify the issuer[/] ({escape(problem[:120])})", highlight=False
        )
    return ids


def _pending_row(rid: str, item: core.PendingIssuance, status: str) -> dict[str, Any]:
    return {
        "pending": rid,
        "status": status,
        "issuer": item.issuer_name,
        "credential": item.display_name,
        "next_check": item.next_poll if status in ("pending", "unreachable") else None,
    }


def _print_pending(row: dict[str, Any]) -> None:
    what = f"{escape(str(row['credential']))} from {escape(str(row['issuer']))}"
    status = row["status"]
    if status == "pending":
        when = str(row["next_check"])[:19].replace("T", " ")
        err_console.print(
            f"Pending approval: {what} ({row['pending'][:8]}). The issuer asks to wait; "
            f"check again with `wallet pending` after {when} UTC.",
            highlight=False,
        )
    elif status == "received":
        out_console.print(
            f"Received {what}: stored as {', '.join(i[:8] for i in row['stored'])}", highlight=False
        )
    elif status == "denied":
        err_console.print(f"Refused: the issuer denied {what}.", highlight=False)
    elif status == "unreachable":
        err_console.print(
            f"Could not reach the issuer for {what} ({escape(str(row['error']))}); still pending.",
            highlight=False,
        )
    elif status == "failed":
        err_console.print(
            f"Not stored: {what} did not verify ({escape(str(row['error']))}).", highlight=False
        )
    else:
        err_console.print(f"Gone: the issuer no longer knows the request for {what}.", highlight=False)


@app.command()
@handle_errors
def pending(
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Keep checking, at the issuer's interval, until none is pending."),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Check on credentials the issuer deferred (pending approval); store those that arrived.

    Each issuance is checked only once its issuer's interval has passed.

    Example:  wallet pending --wait
    """
    settings = _settings()
    with _open(settings, quiet=json_out) as store:

        async def go() -> list[dict[str, Any]]:
            async with _http(settings) as http:
                from didkit_py.oid4vc import vci

                client = vci.PreAuthorizedClient(http, allow_loopback_http=settings.allow_loopback_http)
                rows: dict[str, dict[str, Any]] = {}
                while True:
                    now = _now()
                    for rec in store.records("pending"):
                        item = core.PendingIssuance.from_record(rec.data)
                        if not item.due(now):
                            rows[rec.id] = _pending_row(rec.id, item, "pending")
                            continue
                        try:
                            state, got = await core.poll_pending(client, item, now=now)
                        except NetworkError as exc:  # try again after the interval
                            item.next_poll = (now + timedelta(seconds=item.interval)).isoformat()
                            store.put("pending", item.to_record(), id=rec.id)
                            rows[rec.id] = _pending_row(rec.id, item, "unreachable") | {"error": exc.code}
                            continue
                        row = rows[rec.id] = _pending_row(rec.id, item, state)
                        if state == "pending":
                            store.put("pending", item.to_record(), id=rec.id)
                        elif state == "received":
                            items = [(r.secured, r.format, item.display_name) for r in got]
                            try:
                                with store.transaction():
                                    row["stored"] = await _store_and_notify(
                                        settings,
                                        store,
                                        client,
                                        got,
                                        items,
                                        source=f"oid4vci:{item.credential_issuer}",
                                        now=now,
                                        http=http,
                                        progress=lambda _m: None,
                                        issuer_name=item.issuer_name,
                                    )
                                    store.delete(rec.id)
                            except VerificationError as exc:
                                store.delete(rec.id)  # delivered once: nothing more will come
                                row.update(status="failed", error=exc.code)
                        else:
                            store.delete(rec.id)
                    left = [core.PendingIssuance.from_record(r.data) for r in store.records("pending")]
                    if not wait or not left:
                        return list(rows.values())
                    due = min(datetime.fromisoformat(i.next_poll) for i in left)
                    await asyncio.sleep(max(0.5, (due - _now()).total_seconds()))

        rows = _run(go())
    if json_out:
        print_json(rows)
    elif not rows:
        out_console.print("Nothing is pending.")
    for row in rows if not json_out else []:
        _print_pending(row)
    if any(r["status"] == "failed" for r in rows):
        raise typer.Exit(1)
    if any(r["status"] == "unreachable" for r in rows):
        raise typer.Exit(3)


# --------------------------------------------------------------------------- history


@app.command()
@handle_errors
def history(json_out: JsonOpt = False) -> None:
    """Every presentation you made: when, to which verifier, which claims.  Example:  wallet history"""
    with _open(_settings(), quiet=json_out) as store:
        rows = sorted((r.data | {"id": r.id} for r in store.records("history")), key=lambda r: r["when"])
    if json_out:
        print_json(rows)
        return
    if not rows:
        out_console.print("No presentations yet.")
        return
    table = Table(title="What you have shared")
    for col in ("when", "verifier", "credential", "claims disclosed", "outcome"):
        table.add_column(col, overflow="fold")
    for r in rows:
        for c in r["credentials"]:
            table.add_row(
                r["when"][:19].replace("T", " "),
                escape(r["verifier"])
                + (f"\n(calls itself {escape(str(r['claimed_name']))})" if r.get("claimed_name") else ""),
                escape(str(c["type"])),
                escape("\n".join(c["claims"])),
                escape(str(r.get("outcome", ""))),
            )
    out_console.print(table)


@app.command()
@handle_errors
def forget(yes: YesOpt = False, json_out: JsonOpt = False) -> None:
    """Erase the presentation history (credentials stay).  Example:  wallet forget --yes"""
    with _open(_settings(), quiet=json_out) as store:
        if not _confirm("Erase the whole presentation history?", yes=yes):
            raise typer.Exit(1)
        n = store.delete_kind("history")
    if json_out:
        print_json({"erased": n})
        return
    err_console.print(f"Erased {n} history entries.")


def main() -> None:
    """Console-script entry point."""
    app()
