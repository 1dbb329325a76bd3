"""The programme's Block Kit and CSV: pure builders, a `Programme` in, blocks or text out.

Nothing here has any text people wrote to show: a `Programme` holds counts, dates, signals'
names and Slack ids (mentoring.programme). People are shown as mentions, which Slack draws as
their names for whoever reads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from handlers.kit import (
    Block,
    Message,
    context,
    day,
    ephemeral,
    header,
    message,
    packed_sections,
    section,
)
from mentoring.programme import AtRisk, Programme

AT_RISK_SHOWN = 10  # on the Home and in the digest; the CSV has them all
AT_RISK_BLOCKS = 3
CSV_FORMAT = "mentorbot-programme/1"


def _ratio(part: int, whole: int) -> str:
    if not whole:
        return "none due"
    return f"{part} of {whole} ({round(100 * part / whole)}%)"


def summary_lines(seen: Programme) -> list[str]:
    """The aggregates, one line each."""
    lines = [
        f"*Pairs*: {seen.active} active · {seen.paused} paused · {seen.ended} ended",
    ]
    lines += [
        f"*Meetings held, last {window.days} days*: {_ratio(window.held, window.planned)}"
        for window in seen.meetings
    ]
    lines.append(
        f"*Reviews completed on time, last 90 days*: "
        f"{_ratio(seen.reviews_on_time, seen.reviews_closed)}"
    )
    lines.append(
        f"*Goals achieved*: {seen.goals_achieved} in the last 90 days, "
        f"{seen.goals_achieved_ever} in all · {seen.goals_open} open"
    )
    return lines


def risk_line(risk: AtRisk) -> str:
    """One drifting pair: both people, each signal with since when, one suggestion."""
    signals = "; ".join(f"{fired.signal} since {day(fired.since.date())}" for fired in risk.fired)
    return (
        f"• <@{risk.mentor_id}> mentoring <@{risk.mentee_id}>: {signals}.\n"
        f"      _Suggested:_ {risk.suggestion}"
    )


def _risk_blocks(seen: Programme) -> list[Block]:
    if not seen.at_risk:
        return [
            section(
                "*At risk of drift*: none — every active pair met, planned, won and "
                "reviewed within the last 21 days."
            )
        ]
    shown = seen.at_risk[:AT_RISK_SHOWN]
    head = f"*At risk of drift*: {len(seen.at_risk)} of {seen.active} active pairs, longest first"
    blocks = packed_sections([head, *(risk_line(risk) for risk in shown)], AT_RISK_BLOCKS)
    if len(seen.at_risk) > len(shown):
        more = len(seen.at_risk) - len(shown)
        blocks.append(context(f"+{more} more — `/mentor programme csv` lists every pair."))
    return blocks


def programme_blocks(seen: Programme) -> list[Block]:
    """The programme at the top of a coordinator's Home: at most 8 blocks."""
    return [
        header("Your programme"),
        section("\n".join(summary_lines(seen))),
        *_risk_blocks(seen),
        context(
            "You see activity, never content: no goal, win, note, agenda or review text. "
            "`/mentor programme csv` sends the figures as a file; "
            "`/mentor programme digest on` sends this every Monday."
        ),
        {"type": "divider"},
    ]


def programme_message(seen: Programme) -> Message:
    """`/mentor programme`: the same, privately."""
    blocks = programme_blocks(seen)[:-1]
    return ephemeral("Your programme: " + "; ".join(summary_lines(seen)), blocks)


def digest_dm(seen: Programme) -> Message:
    """The weekly digest to a coordinator."""
    blocks = programme_blocks(seen)[:-1]
    blocks[0] = header(f"Your programme this week, {day(seen.now.date())}")
    blocks[-1] = context(
        "Activity only, never content. `/mentor programme digest off` stops these; "
        "`/mentor programme csv` sends the figures as a file."
    )
    return message(f"Your programme this week: {len(seen.at_risk)} pairs at risk of drift", blocks)


def visibility_message(seen: Programme, mentor: str, mentee: str, coordinators: int) -> Message:
    """`/mentor visibility`: exactly what coordinators see about this pair."""
    who = f"the programme's {coordinators} coordinator{'s' if coordinators != 1 else ''}"
    if not coordinators:
        who = "coordinators (none are named yet)"
    state = "active" if seen.active else "paused" if seen.paused else "ended"
    lines = [
        f"*What {who} see about <@{mentor}> mentoring <@{mentee}>*",
        f"Your mentorship is counted as *{state}*, and adds this to the programme's totals:",
        *(f"• {line}" for line in summary_lines(seen)[1:]),
    ]
    if seen.at_risk:
        lines.append(":warning: Listed *at risk of drift*:\n" + risk_line(seen.at_risk[0]))
    else:
        lines.append("Not listed at risk of drift.")
    blocks = [
        section("\n".join(lines)),
        context(
            "That is all: they never see your goals, wins, notes, agenda, action items, "
            "reviews or commitments — only that they exist, and when."
        ),
    ]
    return ephemeral(lines[0], blocks)


# CSV


def programme_csv(seen: Programme, names: Mapping[str, str]) -> str:
    """The aggregates, then every pair at risk: one row per signal, with people's ids and
    handles (`names`, when Slack gave them)."""
    out = io.StringIO()
    rows = csv.writer(out, lineterminator="\n")
    rows.writerow(["format", CSV_FORMAT, "as of", seen.now.isoformat()])
    rows.writerow([])
    rows.writerow(["measure", "value", "of", "window days"])
    for measure, value, whole, days in _measures(seen):
        rows.writerow([measure, value, whole, days])
    rows.writerow([])
    rows.writerow(
        ["mentor id", "mentor", "mentee id", "mentee", "signal", "since", "suggested action"]
    )
    for risk in seen.at_risk:
        for fired in risk.fired:
            rows.writerow(
                [
                    risk.mentor_id,
                    names.get(risk.mentor_id, ""),
                    risk.mentee_id,
                    names.get(risk.mentee_id, ""),
                    str(fired.signal),
                    fired.since.date().isoformat(),
                    risk.suggestion.replace("`", ""),
                ]
            )
    return out.getvalue()


def _measures(seen: Programme) -> Sequence[tuple[str, int, int | str, int | str]]:
    pairs = seen.active + seen.paused + seen.ended
    measures: list[tuple[str, int, int | str, int | str]] = [
        ("pairs active", seen.active, pairs, ""),
        ("pairs paused", seen.paused, pairs, ""),
        ("pairs ended", seen.ended, pairs, ""),
    ]
    for window in seen.meetings:
        measures.append(("meetings held", window.held, window.planned, window.days))
    measures += [
        ("reviews completed on time", seen.reviews_on_time, seen.reviews_closed, 90),
        ("goals achieved", seen.goals_achieved, "", 90),
        ("goals achieved", seen.goals_achieved_ever, "", ""),
        ("goals open", seen.goals_open, "", ""),
        ("pairs at risk of drift", len(seen.at_risk), seen.active, 21),
    ]
    return measures
