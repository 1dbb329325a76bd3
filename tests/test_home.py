"""The App Home tab: published when opened, from a fixed number of queries."""

from sqlalchemy import event

from mentoring import pairs
from mentoring.capture import Kind, capture
from mentoring.model import Actor, Target
from tests.conftest import MENTEE, MENTOR, OUTSIDER, Wire, flatten_text
from tests.fakes.blockkit import validate_view
from tests.support import T0, event_callback


def _opened(user: str, tab: str = "home") -> bytes:
    return event_callback(
        f"EvHome-{user}-{tab}",
        {"type": "app_home_opened", "user": user, "channel": f"D{user}", "tab": tab},
    )


def test_opening_home_publishes_the_persons_pairs(wire: Wire, paired) -> None:
    """Home shows the pair from the viewer's side, with open goals."""
    wire.command("/goal", "Give a talk at a meetup by June 2027", user=MENTEE)
    assert wire.post(_opened(MENTOR), "application/json").status_code == 200
    (call,) = wire.fake.calls_to("views.publish")
    assert call.args["user_id"] == MENTOR and validate_view(call.args["view"]) == []
    shown = flatten_text(call.args["view"])
    assert f"You mentor <@{MENTEE}>" in shown and "Give a talk at a meetup" in shown


def test_home_for_someone_without_a_pair_says_how_to_start(wire: Wire) -> None:
    """No pairs: the Home explains /mentor pair."""
    wire.post(_opened(OUTSIDER), "application/json")
    (call,) = wire.fake.calls_to("views.publish")
    assert "/mentor pair @mentor @mentee" in flatten_text(call.args["view"])


def test_the_messages_tab_publishes_nothing(wire: Wire) -> None:
    """Opening the Messages tab is acknowledged and ignored."""
    assert wire.post(_opened(MENTEE, tab="messages"), "application/json").status_code == 200
    assert wire.fake.calls_to("views.publish") == []


def test_summaries_use_the_same_number_of_queries_whatever_the_data(engine) -> None:
    """Three pairs with 30 goals and 100 wins each cost no more queries than one empty pair."""

    def count_queries(user: str) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            pairs.summaries(engine, user, T0)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    pairs.create_pair(
        engine,
        Actor("ULIGHT"),
        team_id="T",
        mentor_id="UM0",
        mentee_id="ULIGHT",
        channel_id="C0",
        now=T0,
    )
    light = count_queries("ULIGHT")
    for n in range(3):
        mentor = f"UM{n + 1}"
        pairs.create_pair(
            engine,
            Actor("UHEAVY"),
            team_id="T",
            mentor_id=mentor,
            mentee_id="UHEAVY",
            channel_id=f"C{n + 1}",
            now=T0,
        )
        for g in range(30):
            capture(engine, Actor("UHEAVY"), Kind.GOAL, f"Goal {g}", Target(with_user=mentor), T0)
        for w in range(100):
            capture(engine, Actor("UHEAVY"), Kind.WIN, f"Win {w}", Target(with_user=mentor), T0)
    assert count_queries("UHEAVY") == light
    assert len(pairs.summaries(engine, "UHEAVY", T0)) == 3
