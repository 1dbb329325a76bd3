"""Mentorbot's real app with its work after the ack thrown away, for
`bench/ack_latency.py --discard-work`: it separates what the ack path itself costs from what
the work costs when it shares the machine."""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import replace

from bot.app import build_services, create_app, with_runner
from bot.settings import Settings
from bot.web import make_server, make_wsgi_app
from workqueue.batching import work_store


class DiscardingRunner:
    """Wakes nobody: the work is stored (that is part of the ack) and never run."""

    def wake(self, work_id: int | None) -> None:
        pass

    def close(self) -> None:
        pass


def main() -> int:
    settings = Settings.from_env(os.environ)
    services = with_runner(build_services(settings), DiscardingRunner())
    services = replace(services, work_store=work_store(services.engine))  # as `run` does
    app = create_app(settings, services)
    wsgi = make_wsgi_app(app, services.engine, settings.signing_secret or "")
    server = make_server(wsgi, "127.0.0.1", settings.port)
    gc.freeze()  # as `bot run` does before serving
    print("starting Mentorbot without its work", file=sys.stderr, flush=True)
    server.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
