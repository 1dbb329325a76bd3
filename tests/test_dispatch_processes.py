"""Several dispatcher processes on one PostgreSQL database: each prompt is posted once."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from fakeslack import FakeSlack
from storage.db import session_scope
from storage.models import Delivery
from tests.support import pair_up, schedule_meetings

PAIRS = 250  # two DMs each: 500 prompts due at once
PROCESSES = 3
START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_three_processes_post_500_due_prompts_exactly_once(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    """Three `python -m bot tick` processes race over 500 due prompts: exactly 500 posts."""
    with FakeSlack(latency=0.005) as fake:
        for n in range(PAIRS):
            mentor, mentee = f"UMR{n:04d}", f"UME{n:04d}"
            fake.add_user(mentor, f"mentor{n}")
            fake.add_user(mentee, f"mentee{n}")
            pair_up(engine, mentor, mentee, f"CP{n:04d}")
            schedule_meetings(engine, mentee=mentee)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": fake.token,
            "SLACK_API_URL": fake.base_url,
            "DISPATCH_BUDGET_PER_MINUTE": "1000000",
            "LOG_LEVEL": "WARNING",
        }
        at = (START - timedelta(hours=23)).isoformat()
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot", "tick", "--at", at],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(PROCESSES)
        ]
        outputs = [run.communicate(timeout=120) for run in runs]
        assert [run.returncode for run in runs] == [0] * PROCESSES, outputs
        posted = [call for call in fake.calls_to("chat.postMessage") if call.ok]
        assert len(posted) == 2 * PAIRS
        assert fake.duplicate_metadata("delivery") == {}
        assert len({call.args["channel"] for call in posted}) == 2 * PAIRS
    with session_scope(engine) as session:
        prompts = session.exec(select(Delivery).where(Delivery.kind == "prompt")).all()
    assert len(prompts) == 2 * PAIRS and {row.status for row in prompts} == {"sent"}
    sent_per_process = [
        int(out.split("sent ")[1].split(",")[0]) for out, _ in outputs if "sent " in out
    ]
    assert sum(sent_per_process) == 2 * PAIRS
    print("posts per process:", sent_per_process)
