"""`/mentor export`: the person's own mentorship record, sent to their DM with the bot as two
files — a Markdown brag document and the same as JSON (a record can be long: files, not
messages)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from handlers.help import Topic
from handlers.kit import Message, day, ephemeral, plural
from handlers.records.files import record_json, record_markdown
from handlers.routing import verb
from handlers.runtime import Call, slack_error
from handlers.slack_text import mrkdwn
from mentoring import records
from mentoring.model import FORGOTTEN
from mentoring.records import PersonRecord

logger = logging.getLogger("mentorbot.records")


@verb(
    "/mentor",
    "export",
    usage="/mentor export",
    topic=Topic.MENTORSHIP,
    examples=(
        (
            "/mentor export",
            "your own record, as Markdown and JSON files in our DM",
        ),
    ),
    pair=False,
    refusal="`/mentor export` takes nothing after it: it sends you your own record, in our DM.",
)
def export(call: Call) -> Message:
    """Read afresh by a run again, not through `call.apply`: the whole record is not copied
    into the work's recorded steps. The upload is one step, done once."""
    record = records.export_record(call.engine, call.actor, call.now)
    if not record.mentorships:
        return nothing_to_export()
    names = people_names(call.client, record.people)
    error = call.once(lambda: send_record(call.client, call.user_id, record, names))
    if error is not None:
        return export_not_sent(error)
    return export_sent(record)


def people_names(client: WebClient, user_ids: Iterable[str]) -> dict[str, str]:
    """Each person's Slack handle (their id when Slack cannot say: someone deactivated)."""
    names = {}
    for user_id in user_ids:
        if user_id == FORGOTTEN:
            continue
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as error:
            logger.info("no name", extra={"user": user_id, "error": slack_error(error)})
            continue
        names[user_id] = str(user.get("name") or user_id)
    return names


def send_record(
    client: WebClient, user_id: str, record: PersonRecord, names: dict[str, str]
) -> str | None:
    """Upload both files to the person's DM with the bot, in one message; Slack's error code
    (or "upload_failed") when it refuses, None when they are there. Never raised, and not
    tried again here: a second try after a lost answer could send them twice."""
    stamp = record.exported_at.date().isoformat()
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.files_upload_v2(
            channel=channel,
            file_uploads=[
                {
                    "content": record_markdown(record, names),
                    "filename": f"mentorship-record-{stamp}.md",
                    "title": f"Mentorship record, {day(record.exported_at.date())} (Markdown)",
                },
                {
                    "content": record_json(record, names),
                    "filename": f"mentorship-record-{stamp}.json",
                    "title": f"Mentorship record, {day(record.exported_at.date())} (JSON)",
                },
            ],
            initial_comment=export_comment(record),
        )
    except SlackApiError as error:
        code = slack_error(error)
        logger.warning("record not sent", extra={"user": user_id, "error": code})
        return code
    except (SlackRequestError, OSError) as error:  # sending the bytes, outside the Web API
        detail = {"user": user_id, "error": "upload_failed", "detail": str(error)}
        logger.warning("record upload failed", extra=detail)
        return "upload_failed"
    logger.info("record sent", extra={"user": user_id, "pairs": len(record.mentorships)})
    return None


# Messages


def export_comment(record: PersonRecord) -> str:
    """The DM's words above the two files (no text of anyone's in it)."""
    return (
        f":package: Your mentorship record on {day(record.exported_at.date())}, "
        f"{plural(len(record.mentorships), 'mentorship')}: a Markdown brag document to read, "
        "keep or paste into a promotion case — goals and how they changed, the steps to them, "
        "wins and what worked, your own review answers and your commitments — and the same "
        "as JSON, to take elsewhere. The other person's review answers are theirs and are "
        "not in it."
    )


def export_sent(record: PersonRecord) -> Message:
    return ephemeral(
        f":package: Sent: your record of {plural(len(record.mentorships), 'mentorship')} is "
        "in our DM, as a Markdown file and a JSON file."
    )


def nothing_to_export() -> Message:
    return ephemeral(
        "You have no mentorship record to export: you have never been in a mentorship here. "
        "Nothing was sent."
    )


def export_not_sent(error: str) -> Message:
    if error == "missing_scope":
        why = (
            "I'm not allowed to send files yet. Whoever runs Mentorbot can reinstall it from "
            "the current manifest (it adds `files:write`)."
        )
    elif error == "ratelimited":
        why = "Slack asked me to slow down. Try again in a minute."
    else:
        why = f"Slack answered `{mrkdwn(error)}`. Try again in a moment."
    return ephemeral(f":warning: I couldn't send your record: {why}")
