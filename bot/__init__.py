"""Mentorbot's composition root: settings, the Slack app, processes and the CLI."""

__version__ = "0.3.0"
