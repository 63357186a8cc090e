"""Coverage-guided fuzzing of one target with atheris (optional: ``pip install atheris``).

    python fuzz/atheris_run.py TARGET [libFuzzer flags, e.g. -max_total_time=120 -dict=...]

Bytes from libFuzzer become the target's input: text targets get the UTF-8 text (invalid
bytes replaced), JSON targets the parsed JSON value (or the text when it does not parse).
The seeds from :mod:`fuzz.corpus` are written to a corpus directory first, so libFuzzer starts
from valid inputs. A crash is anything :func:`fuzz.targets.run_case` calls a crash or an
acceptance; libFuzzer saves the input as ``crash-<sha1>`` in the working directory.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _as_bytes(seed: Any) -> bytes:
    if isinstance(seed, bytes):
        return seed
    if isinstance(seed, str):
        return seed.encode("utf-8", "surrogatepass")
    return json.dumps(seed, separators=(",", ":")).encode()


def main() -> None:
    import atheris

    with atheris.instrument_imports(include=["didkit_py"]):  # our code only: fast start
        from fuzz.targets import TARGETS, run_case

    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.exit(f"usage: {sys.argv[0]} TARGET [libFuzzer flags]; targets: {', '.join(TARGETS)}")
    target = TARGETS[sys.argv[1]]
    seeds = target.seeds()
    textual = all(isinstance(s, str) for s in seeds)
    corpus = Path(tempfile.mkdtemp(prefix=f"atheris-{target.name.replace(':', '_')}-"))
    for i, seed in enumerate(seeds):
        (corpus / f"seed-{i}").write_bytes(_as_bytes(seed))

    def one(data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        case: Any = text
        if not textual:
            try:
                case = json.loads(text)
            except (ValueError, RecursionError):
                case = text
        outcome = run_case(target, case)
        if outcome.kind in ("crash", "accepted"):
            raise RuntimeError(f"{target.name}: {outcome.kind}: {outcome.detail}") from outcome.exc

    atheris.Setup([sys.argv[0], *sys.argv[2:], str(corpus)], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
