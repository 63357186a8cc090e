"""Chapter 3 · The registry chain: a did:ethr issuer whose BLS key is anchored on a ledger.

The embedded dev chain (py-evm behind JSON-RPC, :mod:`didkit_py.registry.devchain`) starts in
this process on a free loopback port, in a temporary directory, with our ERC-1056 registry
deployed. An employer makes a did:ethr identity (a secp256k1 account: no transaction needed to
exist), then anchors a BLS12-381 key as a registry attribute with a *signed* meta-transaction
that a relayer submits and pays for. It issues a ``bbs-2023`` credential from that DID; the
holder derives a disclosure; a verifier (the ``verifier`` SDK, with the ledger-history risk
source) resolves the issuer through did:ethr and accepts it. The employer rotates to a new key:
the old credential still verifies, and the verifier notes the change. A credential dated before
its key was anchored is flagged. Then the old key is revoked on chain (as after a compromise):
the verifier refuses credentials signed with it. The chain stops when the chapter ends.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..credentials import BASE_CONTEXT_V2, Signer, derive, issue
from ..did import Resolver, default_resolver
from ..did.ethr import EthrMethod
from ..keys import KeyPair, KeyType, generate_key, key_pair_from_secret
from ..registry.client import (
    ChainConfig,
    EthrIdentity,
    RegistryClient,
    TxResult,
    address_from_public_key,
    create_identity,
    key_attribute,
)
from ..registry.devchain import DEFAULT_CHAIN_ID, DevChain, serve_in_thread
from ._core import Chapter, DemoContext, Narrator, expect

__all__ = ["CHAPTER"]

MANDATORY = ["/issuer", "/validFrom", "/credentialSubject/type"]
REVEAL = ["/credentialSubject/jobTitle", "/credentialSubject/employer"]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _anchor(
    narrator: Narrator,
    client: RegistryClient,
    issuer: EthrIdentity,
    relayer: KeyPair,
    bls: KeyPair,
    *,
    revoke: bool = False,
) -> TxResult:
    """Sign a set/revoke-attribute meta-transaction as the issuer; the relayer submits it."""
    name, value = key_attribute(KeyType.BLS12381G2, bls.public_key)
    if revoke:
        sig = client.sign_revoke_attribute(issuer.did, issuer.key, name, value)
        tx = client.revoke_attribute_signed(issuer.did, sig, name, value, relayer)
    else:
        sig = client.sign_set_attribute(issuer.did, issuer.key, name, value)
        tx = client.set_attribute_signed(issuer.did, sig, name, value, relayer)
    narrator.show(
        "revokeAttributeSigned" if revoke else "setAttributeSigned",
        {
            "attribute": name,
            "value": "0x" + value.hex()[:16] + "…",
            "signedBy": issuer.address,
            "relayer": address_from_public_key(relayer.public_key),
            "transaction": tx.transaction_hash,
            "block": tx.block_number,
            "gasUsed": tx.gas_used,
        },
    )
    return tx


async def _bls_vm(resolver: Resolver, did: str, bls: KeyPair) -> dict[str, Any]:
    document = (await resolver.resolve(did)).document
    for vm in document.get("verificationMethod", []):
        if vm.get("type") == "Bls12381G2Key2020" and vm.get("publicKeyHex") == bls.public_key.hex():
            return dict(vm)
    expect(False, "the anchored BLS key is not in the resolved did:ethr document")
    raise AssertionError  # unreachable: expect raised


def _block_time(client: RegistryClient, did: str, block: int) -> datetime:
    times = [ev.block_timestamp for ev in client.history(did) if ev.block_number == block]
    expect(bool(times) and times[0] is not None, f"no registry event in block {block}")
    return datetime.fromtimestamp(int(times[0] or 0), UTC)


def _credential(issuer: str, valid_from: datetime, subject: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": [BASE_CONTEXT_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleEmploymentCredential"],
        "issuer": issuer,
        "validFrom": _iso(valid_from),
        "credentialSubject": subject,
    }


async def run(ctx: DemoContext, narrator: Narrator) -> None:
    from verifier import EthrHistoryRisk, IssuerTrustPolicy, Policies, Verifier  # the SDK, only here

    parent = ctx.data_dir
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-chain-", dir=parent) as tmp:
        started = time.monotonic()
        chain = DevChain(Path(tmp) / "chain" / str(DEFAULT_CHAIN_ID), chain_id=DEFAULT_CHAIN_ID, fsync=False)
        server = serve_in_thread(chain)  # 127.0.0.1, a free port
        client: RegistryClient | None = None
        verifier: Any = None
        try:
            ready = time.monotonic() - started
            cfg = ChainConfig(url=server.url, registry=chain.registry_address, chain_id=chain.chain_id)
            client = RegistryClient(cfg)
            narrator.say(
                f"The embedded dev chain starts in this process ({ready:.1f} s), on loopback, with our "
                "ERC-1056 DID registry deployed at a deterministic address."
            )
            narrator.show(
                "chain", {"url": server.url, "chainId": chain.chain_id, "registry": chain.registry_address}
            )

            # 1. The employer's did:ethr identity: an account, no transaction needed to exist.
            issuer = create_identity(cfg.chain_id)
            relayer = key_pair_from_secret(KeyType.SECP256K1, chain.dev_private_key(0))
            narrator.say("Example Corp makes a did:ethr identity: a secp256k1 account on this chain.")
            narrator.show("issuer", issuer.did, full=True)

            # 2. Anchor its BLS key with a meta-transaction a relayer pays for.
            bls = generate_key(KeyType.BLS12381G2)
            narrator.say(
                "It anchors a BLS12-381 key for bbs-2023. It holds no ether: it signs the registry "
                "change offline (EIP-191) and a relayer submits the transaction and pays the gas."
            )
            tx = _anchor(narrator, client, issuer, relayer, bls)
            resolver = default_resolver(extra_methods=[EthrMethod([cfg.network()])], cache_ttl=0)
            vm = await _bls_vm(resolver, issuer.did, bls)
            narrator.say("Any did:ethr resolver now renders the key in the issuer's DID document:")
            narrator.show("verification method", vm)

            # 3. Issue a bbs-2023 credential from the did:ethr issuer; the holder derives.
            issued_at = max(ctx.now.replace(microsecond=0), _block_time(client, issuer.did, tx.block_number))
            credential = _credential(
                issuer.did,
                issued_at,
                {
                    "type": "ExamplePerson",
                    "name": "Alice Example",
                    "jobTitle": "Software Engineer",
                    "employer": "Example Corp",
                    "salary": "EUR 72000",
                },
            )
            base = issue(
                credential,
                signer=Signer(bls, vm["id"]),
                now=issued_at,
                format="bbs-2023",
                extra={"mandatory_pointers": MANDATORY},
            )
            assert isinstance(base, dict)
            derived = derive(base, now=ctx.now, disclose=REVEAL)
            assert isinstance(derived, dict)
            narrator.say(
                "Example Corp issues Alice an employment credential (bbs-2023) with that key; she "
                "derives one revealing her job title and employer, not her name or salary."
            )
            narrator.show("revealed", derived["credentialSubject"], full=True)

            # 4. A verifier that trusts the issuer and reads the ledger's history.
            verifier = Verifier(
                resolver=resolver,
                risk=EthrHistoryRisk(resolver),
                policies=Policies(issuer_trust=IssuerTrustPolicy(trusted_issuers=frozenset({issuer.did}))),
                key_cache_ttl=0,
                did_state_ttl=0,
            )
            narrator.say("A verifier resolves the issuer through did:ethr on the chain and checks:")
            report = await verifier.verify_credential(derived)
            narrator.report(
                "verifier checks Alice's employment credential", report.to_json(), expect_accepted=True
            )
            expect(not report.risk_signals, "a fresh credential raised risk signals")

            # 5. Rotation: a new key is anchored; the old credential still verifies, with a note.
            new_bls = generate_key(KeyType.BLS12381G2)
            # Block times have one-second resolution: rotate in a later second than the issuance,
            # or the ledger could not tell the two apart (a fast machine does all this in < 1 s).
            await asyncio.sleep(max(0.0, issued_at.timestamp() + 1.05 - time.time()))
            narrator.say("Example Corp rotates: it anchors a new BLS key (the old one stays valid for now).")
            new_tx = _anchor(narrator, client, issuer, relayer, new_bls)
            report = await verifier.verify_credential(derived)
            narrator.report(
                "verifier checks the same credential after the rotation",
                report.to_json(),
                expect_accepted=True,
                expect_signals=["key_rotated_after_issuance"],
            )

            # 6. A credential dated before its key existed on the ledger is flagged.
            new_vm = await _bls_vm(resolver, issuer.did, new_bls)
            backdated_at = _block_time(client, issuer.did, new_tx.block_number) - timedelta(days=30)
            backdated = issue(
                _credential(
                    issuer.did,
                    backdated_at,
                    {"type": "ExamplePerson", "jobTitle": "CTO", "employer": "Example Corp"},
                ),
                signer=Signer(new_bls, new_vm["id"]),
                now=backdated_at,
                format="bbs-2023",
                extra={"mandatory_pointers": MANDATORY},
            )
            assert isinstance(backdated, dict)
            narrator.say(
                "Someone with the new key issues a credential dated a month back, before that key was "
                "anchored. The signature is valid; the ledger's history says the date cannot be true."
            )
            report = await verifier.verify_credential(
                derive(backdated, now=ctx.now, disclose=["/credentialSubject/jobTitle"])
            )
            narrator.report(
                "verifier checks the backdated credential",
                report.to_json(),
                expect_accepted=True,
                expect_signals=["key_rotated_after_issuance"],
            )
            expect(
                any(s.severity == "high" for s in report.risk_signals),
                "the backdated credential raised no high-severity signal",
            )
            narrator.say("Risk signals inform; the relying party's policy decides what to do with them.")

            # 7. Revocation: the old key is revoked on chain; credentials signed with it fail.
            narrator.say("The old key leaks. Example Corp revokes it on the registry, again via the relayer.")
            _anchor(narrator, client, issuer, relayer, bls, revoke=True)
            report = await verifier.verify_credential(derived)
            narrator.report(
                "verifier checks Alice's credential signed with the revoked key",
                report.to_json(),
                expect_accepted=False,
            )
            history = client.history(issuer.did)
            narrator.say("The registry keeps every change with its block time; anyone can audit it:")
            narrator.show(
                "history",
                [
                    {
                        "block": ev.block_number,
                        "time": _iso(datetime.fromtimestamp(ev.block_timestamp or 0, UTC)),
                        "event": ev.kind,
                        "attribute": ev.name_text,
                        "key": "0x" + (ev.value or b"").hex()[:16] + "…",
                        "change": "revoked" if ev.valid_to == 0 else "added",
                    }
                    for ev in history
                ],
            )
            expect(len(history) == 3, f"the registry shows {len(history)} changes, the story made 3")
            ctx.state["ethr_issuer"] = issuer.did
        finally:
            if verifier is not None:
                await verifier.aclose()
            if client is not None:
                client.close()
            # The HTTP server's threads and the chain go down before the directory is removed.
            await asyncio.to_thread(server.stop)
        narrator.say("The dev chain is stopped; its temporary directory is removed.")


CHAPTER = Chapter(
    slug="registry-chain",
    title="did:ethr on the embedded chain: anchor a BLS key, issue, rotate, revoke",
    run=run,
)
