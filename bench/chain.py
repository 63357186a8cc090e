"""Registry chain benchmark: tx/s, gas per operation, did:ethr resolve latency (ours vs ethr-did-resolver).

Run: ``python bench/chain.py [--rounds 40] [--txs 100]``. Needs Node peers in
tests/interop/node (``npm ci``) for anvil and ethr-did-resolver.

* The embedded chain runs as a real ``didkit chain serve`` process (its start-up time is
  reported); anvil from ``@foundry-rs/anvil``.
* tx/s: ``setAttribute`` transactions signed up front and sent one after another over
  JSON-RPC, each mined (automine) before the next; and the same through ``RegistryClient``
  (nonce, fee and gas estimate round trips included).
* resolve: DIDs with 1, 10 and 50 changes; each resolver warm (chain id cached, connection
  kept alive), ``rounds`` resolutions each, p50/p95 in ms, on the same node in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from didkit_py.did.ethr import EthrMethod  # noqa: E402
from didkit_py.keys import KeyType, generate_key  # noqa: E402
from didkit_py.registry.client import (  # noqa: E402
    ChainConfig,
    RegistryClient,
    check_attribute_name,
    create_identity,
    key_attribute,
)
from didkit_py.registry.testing import TestChain, find_anvil, start_anvil  # noqa: E402

NODE_DIR = ROOT / "tests" / "interop" / "node"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


SERVER_PIDS: dict[str, int] = {}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to report load-independent cost."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_embedded(tmp: Path) -> tuple[TestChain, float]:
    import socket

    from didkit_py.registry.devchain import DEV_MNEMONIC, DevChain

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DIDKIT_HOME=str(tmp))
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "didkit_py.cli.main", "chain", "serve", "--port", str(port), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("chain serve failed to start")
        lines.append(line)
        if line.startswith("}"):
            break
    ready = time.monotonic() - t0
    info = json.loads("".join(lines))
    SERVER_PIDS["embedded"] = proc.pid

    def stop() -> None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)

    cfg = ChainConfig(url=info["url"], registry=info["registry"], chain_id=info["chainId"])
    return TestChain("embedded", cfg, DevChain._derive_keys(DEV_MNEMONIC, 10), stop), ready


def raw_set_attributes(
    chain: TestChain, client: RegistryClient, owner: Any, count: int, name: str
) -> list[bytes]:
    """``count`` signed setAttribute transactions from ``owner`` (nonces in order)."""
    from eth_account import Account

    acct = Account.from_key(owner.secret_key)
    nonce = client.w3.eth.get_transaction_count(acct.address, "pending")
    base = int(client.w3.eth.get_block("latest")["baseFeePerGas"])
    name32 = check_attribute_name(name)
    out = []
    for i in range(count):
        fn = client.contract.functions.setAttribute(
            acct.address, name32, f"https://s{i}.example".encode(), 86400 * 365
        )
        tx = fn.build_transaction(
            {
                "from": acct.address,
                "nonce": nonce + i,
                "chainId": chain.config.chain_id,
                "gas": 120_000,
                "maxFeePerGas": 4 * base + 10**9,
                "maxPriorityFeePerGas": 10**9,
            }
        )
        out.append(bytes(acct.sign_transaction(tx).raw_transaction))
    return out


def send_all(url: str, raws: list[bytes]) -> float:
    """Send one after another (each mined before the next); return tx/s. Checks every receipt."""
    hashes = []
    with httpx.Client() as http:
        t0 = time.perf_counter()
        for i, raw in enumerate(raws):
            r = http.post(url, json={"jsonrpc": "2.0", "id": i, "method": "eth_sendRawTransaction",
                                     "params": ["0x" + raw.hex()]}).json()  # fmt: skip
            if "error" in r:
                raise SystemExit(f"send failed: {r['error']}")
            hashes.append(r["result"])
        # anvil and the dev chain both automine: the receipt exists once the send returned.
        for h in hashes:
            rec = http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getTransactionReceipt",
                                       "params": [h]}).json()["result"]  # fmt: skip
            if not rec or rec["status"] != "0x1":
                raise SystemExit(f"tx {h} failed or not mined: {rec}")
        elapsed = time.perf_counter() - t0
    return len(raws) / elapsed


def make_did(chain: TestChain, client: RegistryClient, changes: int) -> str:
    ident = create_identity(chain.config.chain_id)
    chain.fund(ident.address, client=client)
    send_all(chain.url, raw_set_attributes(chain, client, ident.key, changes, "did/svc/Bench"))
    return ident.did


async def ours_latency(chain: TestChain, dids: list[str], rounds: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    async with httpx.AsyncClient() as http:
        method = EthrMethod([chain.config.network()], http=http)
        for did in dids:
            await method.resolve(did)  # warm-up
            times = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                await method.resolve(did)
                times.append((time.perf_counter() - t0) * 1000)
            out[did] = times
    return out


def theirs_latency(chain: TestChain, dids: list[str], rounds: int) -> dict[str, list[float]]:
    payload = {"rpcUrl": chain.url, "chainId": chain.config.chain_id, "registry": chain.config.registry,
               "dids": dids, "bench": {"rounds": rounds}}  # fmt: skip
    proc = subprocess.run(["node", "ethr_resolve.mjs"], cwd=NODE_DIR, input=json.dumps(payload),
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    data: dict[str, list[float]] = json.loads(proc.stdout)
    return data


def gas_table(chain: TestChain, client: RegistryClient) -> dict[str, int]:
    ident = create_identity(chain.config.chain_id)
    chain.fund(ident.address, client=client)
    relayer = chain.dev_key(2)
    ed = generate_key(KeyType.ED25519).public_key
    from didkit_py import bbs

    bls = bbs.sk_to_pk(bbs.keygen(os.urandom(32)))
    delegate = create_identity(chain.config.chain_id).address
    gas: dict[str, int] = {}
    name, value = key_attribute(KeyType.ED25519, ed)
    gas["setAttribute Ed25519 key"] = client.set_attribute(ident.did, ident.key, name, value).gas_used
    name, value = key_attribute(KeyType.BLS12381G2, bls)
    gas["setAttribute BLS12-381 G2 key"] = client.set_attribute(ident.did, ident.key, name, value).gas_used
    gas["setAttribute service"] = client.add_service(
        ident.did, ident.key, "LinkedDomains", "https://x.example"
    ).gas_used
    gas["revokeAttribute"] = client.revoke_attribute(
        ident.did, ident.key, *key_attribute(KeyType.ED25519, ed)
    ).gas_used
    gas["addDelegate"] = client.add_delegate(ident.did, ident.key, "veriKey", delegate).gas_used
    gas["revokeDelegate"] = client.revoke_delegate(ident.did, ident.key, "veriKey", delegate).gas_used
    sig = client.sign_set_attribute(ident.did, ident.key, "did/svc/Relayed", b"https://r.example")
    gas["setAttributeSigned (relayed)"] = client.set_attribute_signed(
        ident.did, sig, "did/svc/Relayed", b"https://r.example", relayer
    ).gas_used
    new = create_identity(chain.config.chain_id)
    gas["changeOwner"] = client.change_owner(ident.did, ident.key, new.address).gas_used
    chain.fund(new.address, client=client)
    gas["deactivate"] = client.deactivate(ident.did, new.key).gas_used
    return gas


def client_tps(chain: TestChain, client: RegistryClient, count: int) -> float:
    ident = create_identity(chain.config.chain_id)
    chain.fund(ident.address, client=client)
    t0 = time.perf_counter()
    for i in range(count):
        client.set_attribute(ident.did, ident.key, "did/svc/C", f"https://c{i}.example".encode(), 86400)
    return count / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--txs", type=int, default=100)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="didkit-bench-"))
    anvil_bin = find_anvil(NODE_DIR)
    if anvil_bin is None:
        raise SystemExit("anvil not found: cd tests/interop/node && npm ci")
    results: list[tuple[str, str, str, str, str]] = []
    gas_by_node: dict[str, dict[str, int]] = {}
    embedded, ready = start_embedded(tmp)
    anvil = start_anvil(anvil_bin)
    machine = (
        f"{platform.node()} {platform.machine()} {os.cpu_count()} cpu, Python {platform.python_version()}"
    )
    print(f"machine: {machine}, load {os.getloadavg()[0]:.1f}; rounds={args.rounds}, txs={args.txs}")
    print(f"didkit chain serve ready in {ready:.2f} s (process start to ready line)")
    try:
        for chain in (embedded, anvil):
            client = chain.client()
            owner = create_identity(chain.config.chain_id)
            chain.fund(owner.address, client=client)
            raws = raw_set_attributes(chain, client, owner.key, args.txs, "did/svc/Tps")
            pid = SERVER_PIDS.get(chain.backend)
            cpu0 = cpu_seconds(pid) if pid else 0.0
            tps = send_all(chain.url, raws)
            results.append((chain.backend, "setAttribute tx/s (raw, sequential)", f"{tps:.0f}", "", ""))
            if pid:
                per_tx = (cpu_seconds(pid) - cpu0) / len(raws) * 1000
                results.append(
                    (chain.backend, "  server CPU ms per tx (incl. receipt)", f"{per_tx:.1f}", "", "")
                )
            ctps = client_tps(chain, client, max(10, args.txs // 4))
            results.append((chain.backend, "setAttribute tx/s (RegistryClient)", f"{ctps:.0f}", "", ""))
            gas_by_node[chain.backend] = gas_table(chain, client)
            dids = {n: make_did(chain, client, n) for n in (1, 10, 50)}
            time.sleep(1.1)  # let wall clock pass the last block's second (ethr-did-resolver compares >=)
            ours = asyncio.run(ours_latency(chain, list(dids.values()), args.rounds))
            theirs = theirs_latency(chain, list(dids.values()), args.rounds)
            for n, did in dids.items():
                a, b = ours[did], theirs[did]
                results.append(
                    (
                        chain.backend,
                        f"resolve {n:>2} changes p50 / p95 ms",
                        f"{statistics.median(a):.2f} / {pct(a, 0.95):.2f}",
                        f"{statistics.median(b):.2f} / {pct(b, 0.95):.2f}",
                        f"{statistics.median(b) / statistics.median(a):.1f}x",
                    )
                )
    finally:
        embedded.stop()
        anvil.stop()
    print()
    print(f"{'node':9} {'operation':38} {'didkit-py':>17} {'ethr-did-resolver':>19} {'speed-up':>9}")
    for node, op, ours_s, theirs_s, ratio in results:
        print(f"{node:9} {op:38} {ours_s:>17} {theirs_s:>19} {ratio:>9}")
    print()
    print(f"{'gas per operation':34} {'embedded':>10} {'anvil':>10}")
    for op in gas_by_node["embedded"]:
        print(f"{op:34} {gas_by_node['embedded'][op]:>10} {gas_by_node['anvil'][op]:>10}")


if __name__ == "__main__":
    main()
