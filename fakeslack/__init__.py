"""A fake Slack for the tests, the benchmarks and the sandbox, standard library only: the Web
API methods Mentorbot calls, response URLs and file uploads, served over loopback HTTP
(``FakeSlack``), Socket Mode's WebSocket server behind apps.connections.open
(``fakeslack.socketmode``), and the signed requests Slack sends an app (``fakeslack.payloads``).
For the sandbox, the same fake also plays the people (``fakeslack.people``), keeps its
workspace across restarts (``fakeslack.snapshot``) and serves a page to act in
(``fakeslack.sandbox``, ``fakeslack/static``)."""

from fakeslack.blockkit import validate_message, validate_view
from fakeslack.fake import FakeSlack
from fakeslack.scopes import METHOD_SCOPES
from fakeslack.traffic import Call
from fakeslack.workspace import Upload

__all__ = ["METHOD_SCOPES", "Call", "FakeSlack", "Upload", "validate_message", "validate_view"]
