"""`/mentor programme [csv | digest on|off]` for coordinators, and `/mentor visibility` for a
pair's members: what coordinators see about their pair. Coordinators are named in
MENTORBOT_COORDINATORS; everyone else asking for the programme is refused.

None of these verbs has a help example: the `/mentor help` overview is kept under a length
that every member reads, and these are for the few coordinators (their Home names them) and
for members who read the note that opens their channel, which names `/mentor visibility`."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from handlers.help import Topic
from handlers.kit import Message, day, ephemeral, plural
from handlers.programme.blocks import programme_csv, programme_message, visibility_message
from handlers.records.export import export_not_sent, people_names
from handlers.routing import verb
from handlers.runtime import Call, slack_error
from mentoring import digest
from mentoring.programme import Programme, pair_visibility, programme

logger = logging.getLogger("mentorbot.programme")

WORDS = ("programme", "program")
REFUSAL = "Say `/mentor programme`, `/mentor programme csv`, or `/mentor programme digest on|off`."


@verb(
    "/mentor",
    WORDS,
    usage="/mentor programme",
    topic=Topic.MENTORSHIP,
    examples=(("/mentor programme", "coordinators: the programme (`csv`, `digest on`)"),),
    pair=False,
    refusal=REFUSAL,
)
def show_programme(call: Call) -> Message:
    """Read afresh by a run again, not through `call.apply`: nothing is written, and the whole
    programme is not copied into the work's recorded steps."""
    return programme_message(programme(call.engine, call.actor, call.now))


@verb(
    "/mentor",
    WORDS,
    "csv",
    usage="/mentor programme csv",
    topic=Topic.MENTORSHIP,
    pair=False,
    refusal=REFUSAL,
)
def send_programme_csv(call: Call) -> Message:
    """The figures as a CSV file in the coordinator's DM with the bot; uploaded once."""
    seen = programme(call.engine, call.actor, call.now)
    people = {person for risk in seen.at_risk for person in (risk.mentor_id, risk.mentee_id)}
    names = people_names(call.client, sorted(people))
    error = call.once(lambda: upload_csv(call.client, call.user_id, seen, names))
    if error is not None:
        return export_not_sent(error)
    return ephemeral(
        f":bar_chart: Sent: the programme's figures and its "
        f"{plural(len(seen.at_risk), 'pair')} at risk, as a CSV file in our DM."
    )


def upload_csv(
    client: WebClient, user_id: str, seen: Programme, names: dict[str, str]
) -> str | None:
    """Upload the CSV to the person's DM with the bot; Slack's error code when it refuses
    (never raised, never tried again here: a second try could send it twice)."""
    stamp = seen.now.date().isoformat()
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            content=programme_csv(seen, names),
            filename=f"mentorship-programme-{stamp}.csv",
            title=f"Mentorship programme, {day(seen.now.date())}",
            initial_comment=(
                ":bar_chart: The programme in figures, and every pair at risk of drift with "
                "the signal, since when, and a suggested action. Activity only, no content."
            ),
        )
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("programme csv not sent", extra={"user": user_id, "error": code})
        return code
    except (SlackRequestError, OSError) as error:
        logger.warning("programme csv upload failed", extra={"user": user_id, "detail": str(error)})
        return "upload_failed"
    return None


@verb(
    "/mentor",
    WORDS,
    r"digest(?:\s+(?P<switch>on|off))?",
    usage="/mentor programme digest",
    topic=Topic.MENTORSHIP,
    pair=False,
    refusal=REFUSAL,
)
def switch_digest(call: Call, switch: str | None) -> Message:
    setting = digest.show_digest(call.engine, call.actor)  # refuses all but coordinators
    if switch is not None:
        on = switch.lower() == "on"
        zone = call.zone_of(call.user_id) if on else None
        setting = call.apply(
            digest.set_digest, call.engine, call.actor, on, zone or "UTC", call.now
        )
    return digest_setting(setting)


def digest_setting(setting: digest.DigestSetting) -> Message:
    now = "now " if setting.changed else ""
    if setting.on:
        return ephemeral(
            f":calendar: Your weekly digest is {now}on: the programme view by DM every Monday "
            f"at 09:00 ({setting.tz}). `/mentor programme digest off` stops it."
        )
    return ephemeral(
        f"Your weekly digest is {now}off. `/mentor programme digest on` sends the programme "
        "view by DM every Monday at 09:00, your time."
    )


@verb(
    "/mentor",
    "visibility",
    usage="/mentor visibility",
    topic=Topic.MENTORSHIP,
    examples=(("/mentor visibility", "what coordinators see of your pair (never content)"),),
    refusal="`/mentor visibility` takes nothing after it (or `to @name`).",
)
def show_visibility(call: Call) -> Message:
    seen = pair_visibility(call.engine, call.actor, call.target, call.now)
    count = len(call.services.coordinators)
    return visibility_message(seen.seen, seen.pair.mentor_id, seen.pair.mentee_id, count)
