"""The baseline for bench/ack_latency.py: a Bolt app whose /win listener only acks.

It is served exactly like Mentorbot (same WSGI front, same waitress settings, same
process_before_response), so the two differ only in what their listeners do.
"""

from __future__ import annotations

import gc
import logging
import os
import sys

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.web import make_server, make_wsgi_app
from storage.db import make_engine


def handle_win_command(ack: Ack) -> None:
    ack()


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    app = App(
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
    )
    app.command("/win")(handle_win_command)
    engine = make_engine(os.environ["DATABASE_URL"])
    server = make_server(
        make_wsgi_app(app, engine, os.environ["SLACK_SIGNING_SECRET"]),
        "127.0.0.1",
        int(os.environ["PORT"]),
    )
    gc.freeze()  # as `bot run` does before serving
    print("starting bare app", file=sys.stderr, flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
