"""API keys: an unknown key id and a wrong secret for a known id do the same argon2id work."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from issuer.secrets_ import new_api_key

from .conftest import Api


def test_unknown_key_id_and_wrong_secret_both_verify(api: Api) -> None:
    hasher = api.service._hasher
    calls: list[str] = []
    ph = hasher._ph

    def spy(h: str, password: str) -> Any:
        calls.append(h)
        return ph.verify(h, password)

    hasher._ph = SimpleNamespace(verify=spy, hash=ph.hash)  # type: ignore[assignment]
    known_id = api.a.admin["Authorization"].split("_")[1]
    wrong_secret = f"dki_{known_id}_{new_api_key()[1].split('_', 2)[2]}"
    _, unknown = new_api_key()
    answers = []
    for token in (wrong_secret, unknown):
        calls.clear()
        r = api.client.get("/templates", headers={"Authorization": f"Bearer {token}"})
        answers.append((r.status_code, r.json(), r.headers.get("www-authenticate")))
        assert len(calls) == 1  # one full argon2id verification on both paths
        assert calls[0].startswith("$argon2id$")
    assert answers[0] == answers[1] and answers[0][0] == 401
    # The unknown id was checked against the dummy hash, not skipped.
    assert calls == [hasher._dummy_hash]
