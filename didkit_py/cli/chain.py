"""``didkit chain``: run the embedded dev chain, or look at the configured one.

``serve`` starts py-evm behind JSON-RPC on 127.0.0.1 with the DID registry deployed and the dev
accounts funded; state lives in ``$DIDKIT_HOME/chain/<chain id>/`` and survives restarts.
``status`` reads ``DIDKIT_CHAIN_URL`` / ``DIDKIT_CHAIN_REGISTRY`` / ``DIDKIT_CHAIN_ID``.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from ..errors import ChainError, NetworkError
from ._common import JsonOpt, err_console, handle_errors, out_console, print_json

__all__ = ["app"]

app = typer.Typer(
    name="chain", help="The registry chain: run the embedded dev chain, check a node.", no_args_is_help=True
)


@app.command("serve")
@handle_errors
def serve(
    port: Annotated[int, typer.Option("--port", help="TCP port on 127.0.0.1.", min=0, max=65535)] = 8545,
    chain_id: Annotated[
        int, typer.Option("--chain-id", help="Chain id (pinned per data directory).", min=1)
    ] = 1337,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Where the chain keeps its journal (default: data dir).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Serve the embedded dev chain until interrupted (Ctrl-C or SIGTERM)."""
    from ..paths import data_dir as default_data_dir
    from ..registry.client import did_for
    from ..registry.devchain import DEV_MNEMONIC, DevChain, serve_in_thread

    started = time.monotonic()
    directory = data_dir or default_data_dir() / "chain" / str(chain_id)
    chain = DevChain(directory, chain_id=chain_id)
    server = serve_in_thread(chain, port=port)
    info = {
        "url": server.url,
        "chainId": chain.chain_id,
        "registry": chain.registry_address,
        "blockNumber": chain.block_number,
        "dataDir": str(directory),
        "mnemonic": DEV_MNEMONIC,
        "accounts": chain.dev_accounts,
        "exampleDid": did_for(chain.dev_accounts[0], chain.chain_id),
        "readySeconds": round(time.monotonic() - started, 3),
    }
    if json_out:
        print_json(info)
    else:
        out_console.print(f"[bold]didkit dev chain[/] listening on {server.url}")
        out_console.print(f"chain id     {chain.chain_id} ({hex(chain.chain_id)})")
        out_console.print(f"registry     {chain.registry_address}")
        out_console.print(f"example DID  {info['exampleDid']}")
        out_console.print(f"blocks       {chain.block_number} (state in {directory})")
        out_console.print(f"mnemonic     {DEV_MNEMONIC}  [dim](public dev key: never hold value)[/]")
        for i, acct in enumerate(chain.dev_accounts[:3]):
            out_console.print(f"account {i}    {acct}")
        out_console.print(
            f"use: DIDKIT_CHAIN_URL={server.url} DIDKIT_CHAIN_ID={chain.chain_id} "
            f"DIDKIT_CHAIN_REGISTRY={chain.registry_address}"
        )
    import sys

    sys.stdout.flush()
    stop = threading.Event()

    def _stop(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        err_console.print("dev chain stopped")


@app.command("status")
@handle_errors
def status(json_out: JsonOpt = False) -> None:
    """Check the configured chain: reachable, right chain id, registry deployed."""
    from ..registry.client import RegistryClient
    from ..registry.settings import ChainSettings

    cfg = ChainSettings().to_config()
    client = RegistryClient(cfg)
    client.check_chain()
    deployed = client.is_deployed()
    try:
        head = int(client.w3.eth.block_number)
        version = str(client.w3.client_version)
    except Exception as exc:  # web3/requests errors after a successful chain id check
        raise NetworkError(f"chain node at {cfg.url} stopped answering", code="chain.unreachable") from exc
    info = {"url": cfg.url, "chainId": cfg.chain_id, "registry": cfg.registry, "registryDeployed": deployed,
            "blockNumber": head, "client": version}  # fmt: skip
    if json_out:
        print_json(info)
    else:
        for k, v in info.items():
            out_console.print(f"{k:17} {v}")
    if not deployed:
        raise ChainError(f"no registry at {cfg.registry} on chain {cfg.chain_id}", code="chain.no_registry")
