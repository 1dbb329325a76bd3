"""The outbox: scheduled messages delivered once each, within Slack's limits.

Ledger rows are claimed under a lease (claims), sent paced per channel and within the workspace
budget shared through the database (pacing), looked for in the history before a retry that may
repeat a post (recovery), and end sent, back for a retry, failed or handed back (outcomes).
What is due and what it says are the domain's (mentoring.prompts); how a message looks and what
follows a post are passed in by the composition root. No listener code is imported here.
"""

from outbox.dispatcher import Dispatcher, TickReport
from outbox.pacing import Limits

__all__ = ["Dispatcher", "Limits", "TickReport"]
