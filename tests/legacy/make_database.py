"""Make a database with an earlier release's own code, for the tests that upgrade it.

    python tests/legacy/make_database.py <commit> <out.sql>

The commit's source is extracted into a temporary directory and a child process, whose
`sys.path` starts there, imports that release's `storage` and `mentoring`: it creates the
database with that release's `make_engine` and `init_db`, tells a short story through that
release's domain functions (two pairs, goals and wins, drafts, the event inbox, meetings with
their agenda and action items, the dispatcher with a stub Slack; milestones, pivots, reviews
and nudges where the release has them) at fixed instants, and writes:

- `<out.sql>`: the database as SQL text (sqlite3's `iterdump`, indexes sorted);
- `<out.json>`: what the upgraded database must still hold, read back by that release's code:
  `commit`; `counts` (rows per table); `rows` (every row of every table, every column, as
  that release's models read it, by primary key); `views_read_at` and `views` (what that
  release's readers showed at that instant: goals, agendas, schedules, the ledger; roadmaps,
  goal histories, review summaries, review cadences and nudge settings when the release has
  them). Instants are ISO 8601 in UTC, dates ISO, times HH:MM:SS, durations in seconds.

Nothing is random and every instant is fixed, so running it again gives the same files.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
INSIDE = "--inside"  # the child's first argument: the extracted source tree comes next

TEAM = "T0LEGACY"
MENTOR, MENTEE1, MENTEE2, ADMIN = "U0MENTOR", "U0MENTEE1", "U0MENTEE2", "U0ADMIN"
CHANNEL1, CHANNEL2 = "C0PAIR1", "C0PAIR2"
WORKER = "legacy-dispatcher"
# Monday 2 November 2026, 09:00 UTC; the story runs to Thursday the 19th.
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in November 2026, UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


# The parent: extract the commit, run the builder inside it.


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit", help="a release's commit, e.g. 0bbccdf")
    parser.add_argument("out", type=Path, help="the SQL file to write (the .json goes beside it)")
    args = parser.parse_args(argv)
    sha = _git("rev-parse", "--verify", f"{args.commit}^{{commit}}").decode().strip()
    out = args.out.resolve()
    with tempfile.TemporaryDirectory(prefix="mentorbot-legacy-") as tmp:
        source = Path(tmp) / "source"
        source.mkdir()
        archive = _git("archive", sha)
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
        env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        command = [sys.executable, str(Path(__file__).resolve()), INSIDE, str(source), sha]
        subprocess.run([*command, str(out)], cwd=source, env=env, check=True)
    print(f"wrote {out} and {out.with_suffix('.json')}")
    return 0


def _git(*args: str) -> bytes:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, check=True).stdout


# The child: everything below runs with the release's own packages first on sys.path, which is
# why their imports are inside the functions (they resolve only once `build` has put them there).


def build(source: Path, sha: str, out: Path) -> None:
    sys.path[0] = str(source)
    _forget_editable_install()
    logging.disable(logging.WARNING)  # the dispatcher's warnings are the story, not news
    logging.getLogger().addHandler(FAILURES)
    database = source / "legacy.db"
    story = Story(f"sqlite:///{database}")
    story.tell()
    sidecar = story.sidecar(sha)
    _check_everything_came_from(source)
    story.engine.dispose()
    with sqlite3.connect(database) as connection:
        out.write_text("\n".join(dump(connection)) + "\n", encoding="utf-8")
        sidecar["counts"] = {
            name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        }
    connection.close()
    ordered = {"commit": sidecar["commit"], "counts": sidecar["counts"], "rows": sidecar["rows"]}
    ordered |= {"views_read_at": sidecar["views_read_at"], "views": sidecar["views"]}
    text = json.dumps(ordered, indent=1, ensure_ascii=False, default=_plain)
    out.with_suffix(".json").write_text(text + "\n", encoding="utf-8")


def dump(connection: sqlite3.Connection) -> list[str]:
    """The database as SQL statements, indexes last and sorted: SQLAlchemy creates a table's
    indexes in the order of a set of objects, which differs from run to run."""
    statements = list(connection.iterdump())
    indexes = [s for s in statements if s.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX"))]
    rest = [s for s in statements if s not in indexes]
    assert rest[-1] == "COMMIT;", rest[-1]
    return rest[:-1] + sorted(indexes) + rest[-1:]


def _forget_editable_install() -> None:
    """Today's tree may be installed in the environment as an editable package, whose finder
    would serve a module the release lacks from today's code: take it out."""

    def editable(hook: object) -> bool:
        return getattr(hook, "__module__", "").startswith("__editable__")

    sys.meta_path[:] = [finder for finder in sys.meta_path if not editable(finder)]
    sys.path_hooks[:] = [hook for hook in sys.path_hooks if not editable(hook)]
    sys.path_importer_cache.clear()


def _check_everything_came_from(source: Path) -> None:
    """Every module of the release's packages that was loaded is the release's own."""
    packages = {path.parent.name for path in source.glob("*/__init__.py")}
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in packages:
            where = getattr(module, "__file__", None)
            assert where and Path(where).is_relative_to(source), (name, where)


def _plain(value: Any) -> Any:
    """JSON for the values the release's code hands back."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return int(value.total_seconds())
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"no JSON for {type(value).__name__}")


class Failures(logging.Handler):
    """Errors the release logged: a dispatcher that catches everything logs what it caught."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


FAILURES = Failures()


def slack_escaped(text: str) -> str:
    """Text as the Events API carries it: &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class StubSlack:
    """The Web API calls the bot makes, answered as Slack would at the story's time.

    `refuse` maps a channel to the instant from which posts there fail (the bot was removed
    from it) and the error; `fail_next` holds (error, HTTP status) answers for the next posts,
    which do not go out. DMs land in `D` + the user id's tail.
    """

    def __init__(
        self, clock: Callable[[], datetime], refuse: dict[str, tuple[datetime, str]]
    ) -> None:
        self.clock = clock
        self.refuse = refuse
        self.fail_next: list[tuple[str, int]] = []
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.posts = 0

    @staticmethod
    def dm_channel(user: str) -> str:
        return "D" + user[1:]

    def _where(self, channel: str) -> str:
        return self.dm_channel(channel) if channel.startswith("U") else channel

    def _error(self, method: str, code: str, status: int) -> Exception:
        from slack_sdk.errors import SlackApiError
        from slack_sdk.web import SlackResponse

        response = SlackResponse(
            client=None,
            http_verb="POST",
            api_url=f"https://slack.com/api/{method}",
            req_args={},
            data={"ok": False, "error": code},
            headers={},
            status_code=status,
        )
        return SlackApiError(f"The request to the Slack API failed: {code}", response)

    def chat_postMessage(  # noqa: N802  (the WebClient's name)
        self, *, channel: str, text: str, metadata: dict[str, Any] | None = None, **_: Any
    ) -> dict[str, Any]:
        since, refusal = self.refuse.get(channel, (None, ""))
        if since is not None and self.clock() >= since:
            raise self._error("chat.postMessage", refusal, 200)
        if self.fail_next:
            raise self._error("chat.postMessage", *self.fail_next.pop(0))
        self.posts += 1
        where = self._where(channel)
        ts = f"{int(self.clock().timestamp())}.{self.posts:06d}"
        message = {"ts": ts, "text": text, "metadata": metadata}
        self.history.setdefault(where, []).insert(0, message)
        return {"ok": True, "channel": where, "ts": ts}

    def conversations_open(self, *, users: str, **_: Any) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": self.dm_channel(users)}}

    def conversations_history(self, *, channel: str, **_: Any) -> dict[str, Any]:
        return {"ok": True, "messages": list(self.history.get(channel, []))}

    def files_upload_v2(self, **_: Any) -> dict[str, Any]:
        return {"ok": True}


class Story:
    """Two pairs over two and a half weeks, told through the release's domain functions."""

    def __init__(self, url: str) -> None:
        from handlers import dispatch
        from storage.db import init_db, make_engine

        self.engine = make_engine(url)
        init_db(self.engine)
        self.now = T0
        self.reviews = Path(sys.path[0], "mentoring", "reviews.py").exists()  # 0.2 and later
        # Pair 2's channel loses the bot on Wednesday 4 November, in the evening.
        self.slack = StubSlack(self.clock, refuse={CHANNEL2: (at(4, 20), "not_in_channel")})
        self.dispatcher = dispatch.Dispatcher(
            self.engine,
            self.slack,  # type: ignore[arg-type]
            self.clock,
            worker=WORKER,
            limits=dispatch.Limits(channel_interval=0.0, per_minute=60_000, concurrency=1),
            wall=lambda: self.now.timestamp(),
        )
        self.events = 0

    def clock(self) -> datetime:
        return self.now

    # Steps

    def tick(self, when: datetime) -> None:
        """One dispatcher pass at `when`; nothing may go wrong that the story did not plan."""
        self.now = when
        self.dispatcher.tick(when)
        assert not FAILURES.seen, FAILURES.seen

    def announce(self, logged: Any) -> Any:
        """Post a logged win in the pair's channel and record where (or why not), as the
        release's win flow does."""
        from slack_sdk.errors import SlackApiError

        from mentoring import wins

        try:
            posted = self.slack.chat_postMessage(
                channel=logged.pair.channel_id, text=logged.win.text
            )
        except SlackApiError as error:
            wins.record_announcement(self.engine, logged.win.id, None, error.response["error"])
        else:
            wins.record_announcement(self.engine, logged.win.id, posted["ts"], None)
        return logged

    def win(self, user: str, text: str, when: datetime) -> Any:
        """`/win …` in the person's only pair, announced in its channel."""
        from mentoring import capture
        from mentoring.capture import Kind
        from mentoring.model import Actor, Target

        self.now = when
        return self.announce(
            capture.capture(self.engine, Actor(user), Kind.WIN, text, Target(), when)
        )

    def dm(self, user: str, text: str, when: datetime, *, thread_ts: str | None = None) -> Any:
        """A direct message through the release's inbox, as its DM listener applies it:
        stored first, then a reply to a prompt, a goal or a win (`goal: …`, `win: …`), or a
        note kept as a draft."""
        from handlers import parsing, slack_text
        from mentoring import inbox
        from mentoring.capture import Kind
        from mentoring.model import Actor, Target, WinLogged

        self.now = when
        event_id, event = self._event(user, StubSlack.dm_channel(user), text, "im", thread_ts)
        inbox.record_delivery(self.engine, event_id, "message", event, when)
        plain = slack_text.from_slack(event["text"])
        parsed = parsing.parse_direct_message(plain)
        assert isinstance(parsed, parsing.DirectMessage)
        if parsed.kind == Kind.NOTE:
            filed = inbox.apply_reply(
                self.engine, event_id, Actor(user), event["channel"], thread_ts, plain, when
            )
            if filed is not None:
                return filed
        target = Target(with_user=parsed.with_user)
        outcome = inbox.apply_message(
            self.engine, event_id, Actor(user), parsed.kind, parsed.text, target, when
        )
        return self.announce(outcome) if isinstance(outcome, WinLogged) else outcome

    def channel_reply(self, user: str, channel: str, thread_ts: str, text: str, when: datetime):
        from handlers import slack_text
        from mentoring import inbox
        from mentoring.model import Actor

        self.now = when
        event_id, event = self._event(user, channel, text, "channel", thread_ts)
        inbox.record_delivery(self.engine, event_id, "message", event, when)
        return inbox.apply_reply(
            self.engine,
            event_id,
            Actor(user),
            channel,
            thread_ts,
            slack_text.from_slack(event["text"]),
            when,
            in_channel=True,
        )

    def _event(
        self, user: str, channel: str, text: str, channel_type: str, thread_ts: str | None
    ) -> tuple[str, dict[str, Any]]:
        self.events += 1
        ts = f"{int(self.now.timestamp())}.{self.events:06d}"
        event = {
            "type": "message",
            "channel_type": channel_type,
            "channel": channel,
            "user": user,
            "text": slack_escaped(text),
            "ts": ts,
            "event_ts": ts,
            "team": TEAM,
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return f"Ev0LEGACY{self.events:04d}", event

    def sent(self, pair_id: int, kind: str, audience: str, **about: int) -> tuple[str, str]:
        """Where the ledger says a message went: (channel, ts)."""
        from sqlmodel import col, select

        from storage.db import session_scope
        from storage.models import Delivery

        with session_scope(self.engine) as session:
            statement = select(Delivery).where(
                Delivery.pair_id == pair_id,
                Delivery.kind == kind,
                Delivery.audience == audience,
                Delivery.status == "sent",
                *(getattr(Delivery, name) == value for name, value in about.items()),
            )
            row = session.exec(statement.order_by(col(Delivery.id).desc())).first()
            assert row is not None and row.channel and row.ts, (kind, audience, about)
            return row.channel, row.ts

    # The story

    def tell(self) -> None:
        from mentoring import cadence, capture, goals, inbox, meetings, pairs
        from mentoring.capture import Kind
        from mentoring.model import Actor, GoalStatus, NeedsPair, Target

        engine = self.engine
        mentor, mentee1, mentee2 = Actor(MENTOR), Actor(MENTEE1), Actor(MENTEE2)

        # Monday 2 November: two pairs, one mentor.
        pair1 = pairs.create_pair(
            engine,
            mentee1,
            team_id=TEAM,
            mentor_id=MENTOR,
            mentee_id=MENTEE1,
            channel_id=CHANNEL1,
            now=T0,
        )
        pair2 = pairs.create_pair(
            engine,
            Actor(ADMIN, is_admin=True),
            team_id=TEAM,
            mentor_id=MENTOR,
            mentee_id=MENTEE2,
            channel_id=CHANNEL2,
            now=at(2, 9, 5),
        )
        self.pair1, self.pair2 = pair1.id, pair2.id
        in1, in2 = Target(pair_id=pair1.id), Target(pair_id=pair2.id)

        for minute, text in enumerate(
            (
                "Give a talk at PyCon España by 2027-06-30",
                "Ship the *billing* migration behind <feature flags> & write it up by March 2027",
                "Learn Rust",
                "Pass the CKA exam by 2027-01-31",
                "Start a Spanish-language study group at work",
            )
        ):
            capture.capture(engine, mentee1, Kind.GOAL, text, Target(), at(2, 9, 10 + minute))
        capture.capture(
            engine,
            mentee2,
            Kind.GOAL,
            "Mentor an intern through their first release by 2027-04-30",
            Target(),
            at(2, 9, 20),
        )
        capture.capture(
            engine,
            mentee2,
            Kind.GOAL,
            "Write 3 blog posts about Ñandú, our data pipeline",
            Target(),
            at(2, 9, 21),
        )
        # The mentor says which pair later: the text waits as a draft.
        kept = capture.capture(
            engine,
            mentor,
            Kind.GOAL,
            "Review the team's on-call runbook by 2027-02-15",
            Target(),
            at(2, 9, 25),
        )
        assert isinstance(kept, NeedsPair)
        capture.use_draft(engine, mentor, kept.draft_id, at(2, 9, 26), pair_id=pair2.id)

        self.win(
            MENTEE1,
            "Gave my first talk at PyCon España 🎤 #1 worked: rehearsing twice with a friend "
            "& recording myself",
            at(2, 9, 30),
        )
        self.slack.fail_next.append(("ratelimited", 429))  # this one is never posted
        self.win(
            MENTEE1,
            "Merged the *retry* fix for <billing> & invoices #2 worked: pairing with the SRE team",
            at(2, 9, 31),
        )

        # Direct messages: a note kept, a note dismissed, a win (delivered twice), a refusal.
        note = self.dm(
            MENTEE1,
            "Idea: ask María about *conference* budgets <later> & travel 🧳",
            at(2, 9, 40),
        )
        dismissed = self.dm(MENTEE1, "ok, thanks!", at(2, 9, 41))
        capture.discard_draft(engine, mentee1, dismissed.draft_id, at(2, 9, 42))
        assert note.draft_id != dismissed.draft_id
        self.dm(
            MENTEE2,
            "win: Onboarded our first intern, Zoë, in two days #1 worked: a written checklist",
            at(2, 9, 45),
        )
        self._deliver_again(f"Ev0LEGACY{self.events:04d}", at(2, 9, 46))
        self.dm(MENTEE2, "goal:   ", at(2, 9, 47))

        # Meetings, agenda and action items.
        meetings.set_schedule(
            engine,
            mentee1,
            Target(),
            cadence.parse_cadence("weekly tue 15:00 Europe/Madrid"),
            default_tz="UTC",
            member_tz=("America/Mexico_City", "Europe/Madrid"),
            now=at(2, 9, 50),
        )
        meetings.set_schedule(
            engine,
            mentee2,
            Target(),
            cadence.parse_cadence("biweekly thu 9:30 America/New_York"),
            default_tz="UTC",
            member_tz=("America/Mexico_City", None),
            now=at(2, 9, 55),
        )
        meetings.add_agenda_item(
            engine, mentor, in1, "Review María's *talk* outline <draft v2> & the slides", at(2, 10)
        )
        meetings.add_agenda_item(
            engine, mentee1, Target(), "Conference travel budget: ¿quién paga?", at(2, 10, 1)
        )
        meetings.add_action(
            engine, mentor, in1, "Send the CFP template to María", None, at(2, 10, 5)
        )
        meetings.add_action(
            engine, mentee1, Target(), "Book the rehearsal room", MENTOR, at(2, 10, 6)
        )
        meetings.add_action(
            engine, mentor, in2, "Introduce Zoë to the SRE lead", MENTOR, at(2, 10, 7)
        )

        self.tick(at(2, 14))  # pair 1's prompt DMs, a day before its first meeting
        self.dm(MENTEE1, "Can we talk about the *keynote* offer <maybe> & timing?", at(2, 15, 30))

        goals.set_goal_status(engine, mentee1, 3, GoalStatus.DROPPED, Target(), at(3, 9))
        if self.reviews:
            self._goals_and_steps()
        self.tick(at(3, 13))  # the agenda post, an hour before
        self.tick(at(3, 14))  # the meeting starts: the next one is planned
        meetings.add_agenda_item(engine, mentor, in1, "How did the CFP feedback land?", at(3, 15))
        self.slack.fail_next.append(("internal_error", 500))
        self.tick(at(3, 16))  # the follow-up's first post gets a 500 ...
        self.tick(at(3, 16, 5))  # ... and the retry finds nothing posted, so posts it
        channel, ts = self.sent(pair1.id, "followup", "channel")
        self.channel_reply(
            MENTEE1,
            channel,
            ts,
            "Draft the abstract & share it in the *#talks* channel",
            at(3, 16, 30),
        )
        meetings.close_action(engine, mentee1, Target(), 1, at(4, 10))

        self.tick(at(4, 14, 30))  # pair 2's prompt DMs
        self.tick(at(5, 13, 30))  # pair 2's agenda: the bot was removed from the channel
        self.tick(at(5, 14, 30))  # its meeting starts: the next one, a fortnight on, is planned
        self.tick(at(5, 16, 30))  # its follow-up fails too (the pair was told once)

        self.win(MENTEE1, "Passed the CKA exam 🎉 #4", at(6, 8))
        goals.set_goal_status(engine, mentee1, 4, GoalStatus.DONE, Target(), at(6, 8, 1))
        meetings.skip_next(engine, mentee1, Target(), at(6, 10))
        if self.reviews:
            self._pair2_review()
        pairs.end_pair(engine, mentor, pair2.id, at(7, 10))

        if self.reviews:
            self._first_review()
        self.tick(at(9, 14))
        self.tick(at(10, 14))  # meeting 2 (skipped) starts: meeting 3 is planned
        if self.reviews:
            self._nudge()
        self.win(
            MENTEE1,
            "Ran the first study group: 12 people came, ¡gracias a todos! "
            "worked: booking the room a week early",
            at(12, 18),
        )
        self.tick(at(16, 14))  # meeting 3: the prompt DMs, ...
        self.tick(at(17, 13))  # ... the agenda with the item added after meeting 1's, ...
        self.tick(at(17, 14))  # ... meeting 4 planned, ...
        self.tick(at(17, 15))  # ... the review the cadence planned opens (0.2), ...
        self.tick(at(17, 16))  # ... and the follow-up
        if self.reviews:
            self._second_review()
        self.tick(at(18, 14, 30))  # pair 2 ended: its prompts are skipped
        self.tick(at(19, 17))
        # A DM stored but never applied: the process stopped between Slack's ack and the work.
        self.now = at(19, 17, 30)
        event_id, event = self._event(
            MENTEE1,
            StubSlack.dm_channel(MENTEE1),
            "win: Booked the venue for the rehearsal",
            "im",
            None,
        )
        inbox.record_delivery(self.engine, event_id, "message", event, self.now)

    def _deliver_again(self, event_id: str, when: datetime) -> None:
        """Slack's retry of a delivery already applied: counted, nothing else."""
        from sqlmodel import select

        from mentoring import inbox
        from storage.db import session_scope
        from storage.models import InboundEvent

        with session_scope(self.engine) as session:
            payload = session.exec(
                select(InboundEvent.payload).where(InboundEvent.event_id == event_id)
            ).one()
        seen = inbox.record_delivery(self.engine, event_id, "message", json.loads(payload), when)
        assert seen == inbox.Delivery.DONE

    # 0.2: milestones, pivots, reviews and nudges

    def _goals_and_steps(self) -> None:
        from mentoring import goals, milestones, nudges
        from mentoring.model import Actor, Target

        engine, mentee1, mentee2 = self.engine, Actor(MENTEE1), Actor(MENTEE2)
        when = at(3, 9, 30)
        milestones.add_milestone(
            engine, mentee1, Target(), 1, "Submit the CFP to PyCon España by 2026-11-20", when
        )
        milestones.add_milestone(
            engine,
            mentee1,
            Target(),
            1,
            "Rehearse at the Madrid *Python* meetup <Nov> & get feedback by 2027-05-15",
            when,
        )
        milestones.add_milestone(
            engine,
            Actor(MENTOR),
            Target(pair_id=self.pair1),
            2,
            "Write the migration plan by 2026-11-10",
            when,
        )
        blog = goals.list_goals(engine, mentee2, Target()).goals[1]
        edited = goals.parse_goal_edit(
            "Write 3 blog posts about Ñandú, our data pipeline",
            "they're on the team blog",
            None,
            when.date(),
        )
        goals.edit_goal(engine, mentee2, blog.id, edited)
        nudges.set_nudges(engine, mentee2, Target(), False, at(3, 9, 35))

    def _pair2_review(self) -> None:
        """Pair 2 starts a review; the mentee saves two pages; the pair ends before it closes."""
        from mentoring import review_answers, reviews
        from mentoring.model import Actor, Target

        mentee2 = Actor(MENTEE2)
        started = reviews.start_review_now(self.engine, mentee2, Target(), at(6, 9))
        self.tick(at(6, 9))
        self._answer(
            mentee2,
            started.review.id,
            at(6, 11),
            {
                "audit": lambda form, page: self._audit(form, page, {}),
                "ssc": lambda form, page: {
                    "stop": "Context-switching between three projects",
                    "start": "Pairing with Zoë on Fridays",
                    "continue": "The written checklists",
                },
            },
        )
        form = review_answers.questionnaire(self.engine, mentee2, started.review.id, at(6, 12))
        assert form.saved.stop and form.saved.audit

    def _first_review(self) -> None:
        """Pair 1's first review, started at once: the mentee answers in the form, the mentor
        by DM; the summary closes it, pivots goal 2 and achieves goal 5."""
        from mentoring import review_answers, reviews
        from mentoring.model import Actor, Target

        mentee1 = Actor(MENTEE1)
        started = reviews.start_review_now(self.engine, mentee1, Target(), at(9, 10))
        review_id = started.review.id
        self.tick(at(9, 10))
        self._answer(
            mentee1,
            review_id,
            at(9, 11),
            {
                "audit": lambda form, page: self._audit(
                    form,
                    page,
                    {
                        2: ("behind:time", "Need a pairing slot with the *DBA* <team> & an hour"),
                        "2.1": "behind:skill_gap",
                        5: "done",
                    },
                ),
                "evidence": lambda form, page: {
                    "evidence": [str(win.id) for win in form.wins if "CKA" in win.text]
                    + [str(win.id) for win in form.wins if "PyCon" in win.text]
                },
                "ssc": lambda form, page: {
                    "stop": "Saying yes to every *urgent* <ask> & meeting",
                    "start": "Write the talk outline every Friday\n- Ask for feedback earlier",
                    "continue": "Weekly sessions — they keep me honest 💪",
                },
                "goalpost": lambda form, page: self._goalposts(
                    form,
                    page,
                    {
                        2: {
                            "decision": "pivot",
                            "text": "Ship the billing migration for EU invoices (done when Ñ "
                            "and € render correctly) by 2027-04-30",
                            "why": "The US part moved to another team & the scope shrank",
                        },
                        5: {"decision": "achieved"},
                    },
                ),
                "fit": lambda form, page: {
                    "fit_score": "4",
                    "fit_comment": "Ana has given talks like the one I want to give 🙌",
                },
            },
        )
        channel, ts = self.sent(self.pair1, "review", "mentor", review_id=review_id)
        filed = self.dm(
            MENTOR,
            "stop: Rescheduling at short notice\nstart: Share my CFP reviews 📝\n"
            "continue: Asking what *worked* <each time> & why",
            at(9, 12),
            thread_ts=ts,
        )
        assert isinstance(filed, review_answers.ReviewReplyFiled) and not filed.missing, filed
        assert channel == StubSlack.dm_channel(MENTOR)
        self.tick(at(9, 12, 1))  # both answered: the summary closes the review
        reviews.set_review_cadence(self.engine, mentee1, Target(), 1, at(9, 13))

    def _nudge(self) -> None:
        """Milestone 2.1 was due on the 10th: Wednesday's scan plans a nudge, sent at 10:00
        in Madrid."""
        from mentoring import nudges

        assert nudges.plan_nudges(self.engine, at(11, 7)) == 1
        self.tick(at(11, 9))

    def _second_review(self) -> None:
        """The review the weekly cadence planned after meeting 3: both check in on last
        time's commitments and answer; the summary records the check-ins."""
        from mentoring import milestones
        from mentoring.model import Actor, Target

        mentee1, mentor = Actor(MENTEE1), Actor(MENTOR)
        review_id = self._open_review_of(self.pair1)
        milestones.complete_milestone(self.engine, mentee1, Target(), 1, 1, at(17, 17))
        outcomes = iter(("yes", "partly", "no"))
        self._answer(
            mentee1,
            review_id,
            at(17, 18),
            {
                "checkin": lambda form, page: {
                    f"checkin:{c.id}": next(outcomes) for c in form.checkins
                },
                "audit": lambda form, page: self._audit(
                    form,
                    page,
                    {"1.1": "done", "2.1": "behind:resources"}
                    | {
                        2: (
                            "behind:resources",
                            "Still waiting on the staging database",
                        )
                    },
                ),
                "evidence": lambda form, page: {"evidence": [str(form.wins[0].id)]},
                "ssc": lambda form, page: {
                    "stop": "none",
                    "start": "Ask for a *Rust* pairing session <weekly> & keep notes",
                    "continue": "The study group",
                },
                "goalpost": lambda form, page: self._goalposts(form, page, {}),
                "fit": lambda form, page: {
                    "fit_score": "2",
                    "fit_comment": "I'd like more help with *Rust* <systems> & performance work",
                },
            },
        )
        self._answer(
            mentor,
            review_id,
            at(17, 19),
            {
                "checkin": lambda form, page: {
                    f"checkin:{c.id}": outcome
                    for c, outcome in zip(form.checkins, ("yes", "partly"), strict=True)
                },
                "ssc": lambda form, page: {
                    "stop": "nothing",
                    "start": "Block 30 minutes after each session for notes",
                    "continue": "Everything — this is going well",
                },
            },
        )
        self.tick(at(17, 19, 1))

    def _open_review_of(self, pair_id: int) -> int:
        from sqlmodel import select

        from storage.db import session_scope
        from storage.models import Review

        with session_scope(self.engine) as session:
            statement = select(Review.id).where(Review.pair_id == pair_id, Review.status == "open")
            return session.exec(statement).one()

    def _answer(
        self,
        actor: Any,
        review_id: int,
        when: datetime,
        answers: dict[str, Callable[[Any, str], dict[str, object]]],
    ) -> None:
        """Fill the release's questionnaire page by page, each saved as it is submitted; a
        page whose kind `answers` leaves out is not submitted (nor, then, is the answer when
        it is the last page)."""
        from mentoring import review_answers

        self.now = when
        form = review_answers.questionnaire(self.engine, actor, review_id, when)
        for index, page in enumerate(form.pages):
            kind = page.split(":")[0]
            if kind in answers:
                values = answers[kind](form, page)
                review_answers.save_page(self.engine, actor, review_id, index, values, when)

    @staticmethod
    def _audit(form: Any, page: str, marks: dict[Any, Any]) -> dict[str, object]:
        """Every goal and milestone on the page on track unless `marks` says otherwise (keys:
        goal numbers, or "goal.milestone" labels; a goal's mark may carry its note)."""
        values: dict[str, object] = {}
        for entry in form.audit_page(page):
            mark = marks.get(entry.goal.number, "on_track")
            status, note = mark if isinstance(mark, tuple) else (mark, "")
            values[f"item:goal:{entry.goal.id}"] = status
            values[f"note:{entry.goal.id}"] = note
            for milestone in entry.milestones:
                values[f"item:milestone:{milestone.id}"] = marks.get(milestone.label, "on_track")
        return values

    @staticmethod
    def _goalposts(form: Any, page: str, decisions: dict[int, dict[str, str]]) -> dict[str, object]:
        """Keep every goal on the page unless `decisions` says otherwise."""
        values: dict[str, object] = {}
        for goal in form.goalpost_page(page):
            decision = decisions.get(goal.number, {"decision": "keep"})
            values[f"decision:{goal.id}"] = decision["decision"]
            if decision["decision"] == "pivot":
                values[f"pivot:{goal.id}"] = decision["text"]
                values[f"why:{goal.id}"] = decision["why"]
        return values

    # What a test should find

    def sidecar(self, sha: str) -> dict[str, Any]:
        return {
            "commit": sha,
            "rows": self._rows(),
            "views_read_at": self.now,
            "views": self._views(),
        }

    def _rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, as the release's models read them, by primary key."""
        from sqlmodel import SQLModel, select

        from storage.db import session_scope

        rows: dict[str, list[dict[str, Any]]] = {}
        with session_scope(self.engine) as session:
            models = [model for model in SQLModel.__subclasses__() if hasattr(model, "__table__")]
            for model in sorted(models, key=lambda model: model.__table__.name):
                table = model.__table__
                found = session.exec(select(model).order_by(*table.primary_key.columns)).all()
                rows[table.name] = [
                    {column.name: getattr(row, column.key) for column in table.columns}
                    for row in found
                ]
        return rows

    def _views(self) -> dict[str, Any]:
        """What the release's readers show each pair's mentee (the ledger: its admin view)."""
        from mentoring import deliveries, goals, meetings
        from mentoring.model import Actor, Target

        engine, now = self.engine, self.now
        members = ((self.pair1, Actor(MENTEE1)), (self.pair2, Actor(MENTEE2)))
        views: dict[str, Any] = {"goals": [], "agendas": [], "schedules": []}
        for pair_id, actor in members:
            target = Target(pair_id=pair_id)
            views["goals"] += [
                _fields(goal) for goal in goals.list_goals(engine, actor, target).goals
            ]
            views["agendas"].append(_fields(meetings.agenda(engine, actor, target, now)))
            views["schedules"].append(_fields(meetings.show_schedule(engine, actor, target, now)))
        views["ledger"] = [
            _fields(line) for line in reversed(deliveries.ledger_lines(engine, None, 10_000))
        ]
        if self.reviews:
            views |= self._views_of_reviews(members)
        return views

    def _views_of_reviews(self, members: tuple[tuple[int, Any], ...]) -> dict[str, Any]:
        from sqlmodel import col, select

        from mentoring import goals, milestones, nudges, reviews
        from mentoring.model import Target
        from storage.db import session_scope
        from storage.models import Pair, Review

        engine, now = self.engine, self.now
        views: dict[str, Any] = {
            "roadmaps": [],
            "goal_histories": [],
            "review_cadences": [],
            "nudges": [],
            "review_summaries": [],
        }
        for pair_id, actor in members:
            target = Target(pair_id=pair_id)
            for goal in goals.list_goals(engine, actor, target).goals:
                views["roadmaps"].append(
                    _fields(milestones.roadmap(engine, actor, target, goal.number))
                )
                history = goals.goal_history(engine, actor, target, goal.number)
                views["goal_histories"].append(_fields(history))
            views["review_cadences"].append(
                _fields(reviews.show_review_cadence(engine, actor, target, now))
            )
            views["nudges"].append(_fields(nudges.show_nudges(engine, actor, target)))
        with session_scope(engine) as session:
            for review in session.exec(select(Review).order_by(col(Review.id))).all():
                pair = session.get(Pair, review.pair_id)
                summary = reviews.summary_in(session, pair, review)
                views["review_summaries"].append(_fields(summary))
        return views


def _fields(value: Any) -> Any:
    """A frozen dataclass the release handed back, as plain fields (JSON does the rest)."""
    return dataclasses.asdict(value)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == INSIDE:
        build(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
    else:
        sys.exit(main())
