"""The schema's versions: the migrations build exactly what the models say, on both
databases; an empty database is set up, an older one refused until `db upgrade`, and the
upgrade is safe to run twice, and from several processes at once."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import SQLModel, select

from bot.cli import main
from storage import schema
from storage.db import make_engine, session_scope
from storage.models import Goal, MeetingSchedule, ReviewAnswer

pytestmark = pytest.mark.both_backends


def emptied(engine: Engine) -> Engine:
    """The test's database with every table gone."""
    with engine.begin() as connection:
        SQLModel.metadata.drop_all(connection)
        schema.VERSION_TABLE.drop(connection, checkfirst=True)
    return engine


def differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))


def migrate(engine: Engine, revision: str = "head", *, down: bool = False) -> None:
    with engine.begin() as connection:
        config = schema._config(connection)
        (command.downgrade if down else command.upgrade)(config, revision)


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return schema.version_of(connection).revision


def test_the_migrations_build_exactly_what_the_models_say(engine: Engine) -> None:
    migrate(emptied(engine))
    assert differences(engine) == []
    assert revision(engine) == schema.HEAD


def test_an_empty_database_set_up_from_the_models_is_the_same(engine: Engine) -> None:
    before, after = schema.upgrade(emptied(engine))
    assert before.empty and after.revision == schema.HEAD
    assert differences(engine) == []


def test_head_names_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(schema._config()).get_current_head() == schema.HEAD


def test_the_newest_revisions_downgrade_and_upgrade_again(engine: Engine) -> None:
    """0008 deletes the digest rows (about no pair) and the coordinators' table on the way
    down; 0007 drops the matching tables; 0006 glues "How you'll know" back onto the goal's
    wording (as the older version wrote it; a goal without one keeps its wording); 0005 turns a
    monthly schedule off (the older version would read it as weekly); 0004 keeps the answers as
    text; all come back up to the models' schema."""
    migrate(emptied(engine))
    with engine.begin() as connection:
        a_review(connection)
        connection.execute(
            ReviewAnswer.__table__.insert(),  # type: ignore[attr-defined]
            [answer_row(1, "UMENTEE"), answer_row(1, "UMENTOR")],
        )
        connection.execute(
            MeetingSchedule.__table__.insert(),  # type: ignore[attr-defined]
            [schedule_row(1, "FREQ=MONTHLY;BYDAY=1MO")],
        )
        connection.execute(
            Goal.__table__.insert(),  # type: ignore[attr-defined]
            [goal_row(1, "Give a talk", "it is on the schedule"), goal_row(2, "Ship it", None)],
        )
        connection.execute(text(DIGEST_ROW))
    migrate(engine, "0007", down=True)
    assert revision(engine) == "0007"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM delivery")).scalar() == 0
        assert "coordinator" not in inspect(connection).get_table_names()
    migrate(engine, "-1", down=True)
    assert revision(engine) == "0006"
    with engine.connect() as connection:
        assert "mentor_offer" not in inspect(connection).get_table_names()
    migrate(engine, "-1", down=True)
    assert revision(engine) == "0005"
    with engine.connect() as connection:
        wordings = connection.execute(text("SELECT text FROM goal ORDER BY number")).scalars()
        assert list(wordings) == ["Give a talk (done when it is on the schedule)", "Ship it"]
    migrate(engine, "-1", down=True)
    assert revision(engine) == "0004"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT active FROM meeting_schedule")).scalar() in (
            False,
            0,
        )
    migrate(engine, "-1", down=True)
    assert revision(engine) == "0003"
    assert kept_answers(engine) == [ANSWERS, ANSWERS]
    migrate(engine)
    assert differences(engine) == []


DIGEST_ROW = (
    "INSERT INTO delivery (pair_id, subject, kind, audience, due_at, expires_at, status, "
    "next_at, attempts, uncertain, reply_taken, updated_at) VALUES (NULL, 'digest:UC:2026-W48', "
    "'digest', 'coordinator', '2026-11-23 09:00:00', '2026-11-24 09:00:00', 'planned', "
    "'2026-11-23 09:00:00', 0, false, false, '2026-11-21 09:00:00')"
)

ANSWERS = {
    "checkins": {"4": "partly"},
    "audit": {"items": {"goal:1": "behind:skill_gap"}, "notes": {"1": "pair on the CFP — ✓"}},
    "evidence": [3, 5],
    "goalposts": {"1": {"decision": "pivot", "text": "Talk at PyCon", "reason": "closer"}},
}


def answer_row(review_id: int, author: str) -> dict[str, object]:
    return {"review_id": review_id, "author_id": author, "role": "mentee", **ANSWERS,
            "updated_at": datetime(2026, 11, 2, 9, tzinfo=UTC)}  # fmt: skip


def a_review(connection: Connection) -> None:
    """Review 1 of pair 1, as plain rows (whatever the schema's revision)."""
    at = "2026-11-02 09:00:00"
    connection.execute(
        text(
            "INSERT INTO pair (id, team_id, mentor_id, mentee_id, channel_id, status, goal_seq,"
            " created_by, created_at) VALUES (1, 'T', 'UMENTOR', 'UMENTEE', 'C1', 'active', 0,"
            " 'UMENTEE', :at)"
        ),
        {"at": at},
    )
    connection.execute(
        text(
            "INSERT INTO review (id, pair_id, number, opens_at, closes_at, status, created_at)"
            " VALUES (1, 1, 1, :at, :at, 'open', :at)"
        ),
        {"at": at},
    )


def goal_row(number: int, wording: str, done_when: str | None) -> dict[str, object]:
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return {
        "pair_id": 1,
        "number": number,
        "text": wording,
        "done_when": done_when,
        "status": "open",
        "created_by": "UMENTEE",
        "created_at": at,
        "milestone_seq": 0,
    }


def schedule_row(pair_id: int, rule: str) -> dict[str, object]:
    at = datetime(2026, 11, 2, 9, tzinfo=UTC)
    return {
        "pair_id": pair_id,
        "rule": rule,
        "interval_weeks": 0,
        "weekday": 0,
        "at_time": "10:00",
        "tz": "Europe/Berlin",
        "anchor": at.date(),
        "active": True,
        "dm_before_minutes": 1440,
        "agenda_before_minutes": 60,
        "followup_after_minutes": 120,
        "meeting_seq": 0,
        "updated_by": "UMENTEE",
        "updated_at": at,
    }


def kept_answers(engine: Engine) -> list[dict[str, object]]:
    """The answers as text (downgraded), read back as JSON."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT checkins, audit, evidence, goalposts FROM review_answer ORDER BY id")
        ).all()
    return [dict(zip(ANSWERS, (json.loads(value) for value in row), strict=True)) for row in rows]


def test_answers_written_as_text_read_back_as_the_same_json(engine: Engine) -> None:
    """0.3.0's development builds wrote answers as JSON text: the data migration moves them
    into JSON columns, and today's model reads the same values."""
    migrate(emptied(engine), "0003")
    with engine.begin() as connection:
        a_review(connection)
        connection.execute(
            text(
                "INSERT INTO review_answer (review_id, author_id, role, checkins, audit,"
                " evidence, goalposts, updated_at) VALUES (1, 'UMENTEE', 'mentee', :checkins,"
                " :audit, :evidence, :goalposts, '2026-11-02 09:00:00')"
            ),
            {key: json.dumps(value) for key, value in ANSWERS.items()},
        )  # fmt: skip
    migrate(engine)
    with session_scope(engine) as session:
        (answer,) = session.exec(select(ReviewAnswer)).all()
    assert {key: getattr(answer, key) for key in ANSWERS} == ANSWERS


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    schema.upgrade(engine)
    before, after = schema.upgrade(engine)
    assert before == after == schema.Version(schema.HEAD)
    assert differences(engine) == []


def test_a_process_refuses_an_older_or_newer_schema_and_changes_nothing(engine: Engine) -> None:
    migrate(emptied(engine), "0002")
    with pytest.raises(schema.SchemaBehind, match="run `python -m bot db upgrade`"):
        schema.ensure(engine)
    assert revision(engine) == "0002" and "work" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(schema.SchemaAhead, match="newer than this version"):
        schema.ensure(engine)
    with pytest.raises(schema.SchemaAhead):
        schema.upgrade(engine)


def test_a_process_sets_up_an_empty_database(engine: Engine) -> None:
    assert schema.ensure(emptied(engine)) == schema.Version(schema.HEAD)
    assert differences(engine) == [] and revision(engine) == schema.HEAD


def test_replicas_upgrading_together_upgrade_once(engine: Engine, database_url: str) -> None:
    """Four processes' worth of upgrades start together on a database two versions behind:
    one upgrades, the others wait for it and find nothing to do."""
    migrate(emptied(engine), "0002")
    results: list[tuple[schema.Version, schema.Version]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def replica() -> None:
        own = make_engine(database_url)
        try:
            start.wait()
            results.append(schema.upgrade(own))
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    befores = sorted(before.revision or "" for before, _ in results)
    assert befores == ["0002", schema.HEAD, schema.HEAD, schema.HEAD]
    assert differences(engine) == []


def test_the_cli_says_where_the_schema_stands_and_upgrades(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    migrate(emptied(engine), "0002")
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out.strip() == f"0002 (this version needs {schema.HEAD})"
    assert main(["deliveries"]) == 2
    assert "run `python -m bot db upgrade`" in capsys.readouterr().err
    assert main(["db", "upgrade"]) == 0
    assert f"schema 0002 → {schema.HEAD}" in capsys.readouterr().out
    assert main(["db", "init"]) == 0
    assert "nothing to upgrade" in capsys.readouterr().out
    assert main(["db", "history"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("0001  0.1.0")
