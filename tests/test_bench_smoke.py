"""bench/serve.py still runs: five residents walk onboarding and a report through both bots."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import serve  # noqa: E402


async def test_five_residents_walk_through_the_echo_bot_and_linli_run() -> None:
    phases = await serve.run(serve.arguments(["--residents", "5", "--seconds", "40"]))

    echo, linli = phases
    assert [len(r.latencies) for r in echo.residents] == [12] * 5
    assert all(not r.steps and r.failed is None for r in linli.residents)
    assert all(len(r.latencies) >= 12 for r in linli.residents)  # +1 per duplicate offered
    assert all("DD-" in (r.answer.text or "") for r in linli.residents if r.answer)
    assert 0 < min(linli.latencies) <= max(linli.latencies) < 40
