"""A fake Slack: the Web API methods Mentorbot calls, response URLs and file uploads, served
over loopback HTTP for the tests and the benchmarks. Standard library only."""

from fakeslack.blockkit import validate_message, validate_view
from fakeslack.fake import FakeSlack
from fakeslack.scopes import METHOD_SCOPES
from fakeslack.traffic import Call
from fakeslack.workspace import Upload

__all__ = ["METHOD_SCOPES", "Call", "FakeSlack", "Upload", "validate_message", "validate_view"]
