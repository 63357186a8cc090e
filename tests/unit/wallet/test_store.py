"""The encrypted store: nothing in clear, wrong passphrase touches nothing, passwd, backup, kill -9."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import Cli, WriteFile
from hypothesis import given, settings
from hypothesis import strategies as st
from wworld import SECRET_NAME, Issuers

from didkit_py.errors import DidkitError, InvalidInput, NotFound, VerificationError
from wallet.crypto import KdfParams
from wallet.store import BACKUP_MAGIC, Record, WalletStore

KDF = KdfParams.new(time_cost=1, memory_kib=8192, parallelism=1)


def _digest(directory: Path) -> dict[str, tuple[str, int]]:
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(directory.iterdir())
    }


def test_roundtrip_and_prefix_lookup(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with WalletStore.create(path, "pw", kdf=KDF) as s:
        rid = s.put("credential", {"a": 1})
        s.put("history", {"b": 2})
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with WalletStore.open(path, "pw") as s:
        assert s.get(rid[:6], "credential").data == {"a": 1}
        with pytest.raises(NotFound):
            s.get(rid[:6], "history")
        with pytest.raises(InvalidInput):
            s.get("zz", "credential")
        assert [r.kind for r in s.all_records()] == ["credential", "history"]
    with pytest.raises(DidkitError, match="already exists"):
        WalletStore.create(path, "pw", kdf=KDF)


def test_wrong_passphrase_is_clear_and_touches_nothing(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    WalletStore.create(path, "right", kdf=KDF).close()
    before = _digest(tmp_path)
    time.sleep(0.01)
    with pytest.raises(VerificationError, match="wrong passphrase") as err:
        WalletStore.open(path, "wrong")
    assert err.value.code == "wallet.passphrase"
    assert _digest(tmp_path) == before


def test_wrong_passphrase_cli(initialised: Cli) -> None:
    home = Path(os.environ["DIDKIT_HOME"]) / "wallet"
    before = _digest(home)
    r = initialised("did", "new", env={"DIDKIT_WALLET_PASSPHRASE": "nope"}, code=1)
    assert "wrong passphrase" in r.stderr and "Traceback" not in r.stderr
    assert _digest(home) == before


def test_a_changed_byte_is_detected(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "w.db"
    with WalletStore.create(path, "pw", kdf=KDF) as s:
        rid = s.put("credential", {"claim": "value"})
    conn = sqlite3.connect(path)
    blob = bytearray(conn.execute("SELECT blob FROM records").fetchone()[0])
    blob[-1] ^= 1
    conn.execute("UPDATE records SET blob = ?", (bytes(blob),))
    conn.commit()
    conn.close()
    with WalletStore.open(path, "pw") as s, pytest.raises(VerificationError, match="authentication"):
        s.get(rid, "credential")


def test_store_file_holds_no_claim_or_key_in_clear(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, tmp_path: Path
) -> None:
    cli = initialised
    did = cli.json("did", "list")[0]["did"]
    cli("import", str(write_file("b.json", issuers.bbs_credential(did))))
    cli("import", str(write_file("j.jwt", issuers.jwt_credential(did))))
    home = Path(os.environ["DIDKIT_HOME"]) / "wallet"
    with WalletStore.open(home / "wallet.db", os.environ["DIDKIT_WALLET_PASSPHRASE"]) as s:
        ident = s.records("identity")[0].data
    secret_d = ident["private_jwk"]["d"]
    needles = [SECRET_NAME, "BachelorDegree", secret_d, did, "ExampleDegreeCredential", "credentialSubject"]
    backup = tmp_path / "wallet.bak"
    cli("backup", str(backup))
    files = [*home.iterdir(), backup]
    for f in files:
        raw = f.read_bytes()
        for needle in needles:
            for form in (needle.encode(), needle.encode("utf-16-le")):
                assert form not in raw, (f.name, needle)
    assert backup.read_bytes().startswith(BACKUP_MAGIC)


def test_passwd_reencrypts_atomically(initialised: Cli, issuers: Issuers, write_file: WriteFile) -> None:
    cli = initialised
    cli("import", str(write_file("j.jwt", issuers.jwt_credential())))
    before = cli.json("list")
    new = {"DIDKIT_WALLET_NEW_PASSPHRASE": "a much longer passphrase"}
    assert cli.json("passwd", env=new) == {"changed": True, "keyring": False}
    cli("list", code=1)  # the old passphrase no longer opens it
    assert cli.json("list", env={"DIDKIT_WALLET_PASSPHRASE": new["DIDKIT_WALLET_NEW_PASSPHRASE"]}) == before


def test_passwd_failure_leaves_the_old_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "w.db"
    with WalletStore.create(path, "old", kdf=KDF) as s:
        for i in range(5):
            s.put("credential", {"i": i})
    calls = 0
    import wallet.store as store_mod

    real_seal = store_mod.seal

    def failing_seal(*a: object, **k: object) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError("disk full")
        return real_seal(*a, **k)  # type: ignore[arg-type]

    with WalletStore.open(path, "old") as s:
        monkeypatch.setattr(store_mod, "seal", failing_seal)
        with pytest.raises(OSError):
            s.change_passphrase("new", kdf=KDF)
        monkeypatch.setattr(store_mod, "seal", real_seal)
    with WalletStore.open(path, "old") as s:
        assert sorted(r.data["i"] for r in s.all_records()) == list(range(5))
    with pytest.raises(VerificationError):
        WalletStore.open(path, "new")


def test_backup_and_restore(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, tmp_path: Path
) -> None:
    cli = initialised
    cli("import", str(write_file("j.jwt", issuers.jwt_credential())))
    before = cli.json("list")
    ids = cli.json("did", "list")
    bak = tmp_path / "w.bak"
    assert cli.json("backup", str(bak))["records"] == 2
    cli("backup", str(bak), code=3)  # exists, no --force
    cli("restore", str(bak), code=3)  # a wallet exists, no --force
    r = cli("restore", str(bak), "--force", env={"DIDKIT_WALLET_PASSPHRASE": "wrong"}, code=1)
    assert "wrong passphrase" in r.stderr
    home = Path(os.environ["DIDKIT_HOME"]) / "wallet" / "wallet.db"
    home.unlink()
    assert cli.json("restore", str(bak))["records"] == 2
    assert cli.json("list") == before and cli.json("did", "list") == ids
    tampered = bytearray(bak.read_bytes())
    tampered[-5] ^= 0x40
    bak.write_bytes(bytes(tampered))
    cli("restore", str(bak), "--force", code=1)
    assert cli.json("list") == before


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300))
def test_read_backup_never_crashes(data: bytes) -> None:
    for blob in (data, BACKUP_MAGIC + data, BACKUP_MAGIC + b'{"format":"didkit-wallet/1"}\n' + data):
        with contextlib.suppress(InvalidInput, VerificationError):
            WalletStore.read_backup(blob, "pw")


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["alg", "v", "salt", "t", "m", "p"]),
        st.one_of(st.integers(-5, 10**7), st.text(max_size=30), st.none(), st.booleans()),
    )
)
def test_kdf_params_parser(data: dict[str, object]) -> None:
    try:
        params = KdfParams.from_json(data)
    except InvalidInput:
        return
    assert KdfParams.from_json(params.to_json()) == params


_WRITER = """
import sys
from pathlib import Path
from wallet.store import WalletStore
s = WalletStore.open(Path(sys.argv[1]), "pw")
run, n, mine = sys.argv[2], 0, []
print("ready", flush=True)
while True:
    with s.transaction():  # a batch of five records, all or none
        mine.append([s.put("credential", {"batch": f"{run}-{n}", "pad": "x" * 2000}) for _ in range(5)])
    n += 1
    if n % 3 == 0:
        with s.transaction():  # drop a whole older batch, all or none
            for rid in mine.pop(0):
                s.delete(rid)
"""


@pytest.mark.slow
def test_kill_9_during_writes_leaves_a_consistent_store(tmp_path: Path) -> None:
    """A writer is killed at random points; every time the store opens, checks and holds whole batches."""
    import random
    import sqlite3

    path = tmp_path / "w.db"
    WalletStore.create(path, "pw", kdf=KDF).close()
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    rng = random.Random(7)
    for run in range(4):
        proc = subprocess.Popen([sys.executable, str(script), str(path), str(run)], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        with WalletStore.open(path, "pw") as s:
            records = s.records("credential")  # every record decrypts and authenticates
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        assert len(records) % 5 == 0
        batches: dict[str, int] = {}
        for r in records:
            batches[r.data["batch"]] = batches.get(r.data["batch"], 0) + 1
        assert all(v == 5 for v in batches.values()), batches
    assert batches  # the last writer got whole batches in before it was killed


def test_restore_builds_beside_and_replaces(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with WalletStore.create(path, "pw", kdf=KDF) as s:
        s.put("credential", {"old": True})
        data = s.backup_bytes("pw", kdf=KDF)
    records = WalletStore.read_backup(data, "pw")
    assert [r.data for r in records] == [{"old": True}]
    WalletStore.create(
        path, "pw2", kdf=KDF, records=[Record("ab" * 16, "history", {"x": 1})], replace=True
    ).close()
    with WalletStore.open(path, "pw2") as s:
        assert [r.data for r in s.all_records()] == [{"x": 1}]
    assert [p.name for p in tmp_path.iterdir()] == ["w.db"]  # no temp files left
