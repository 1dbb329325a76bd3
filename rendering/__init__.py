"""Pictures drawn from the domain's data (matplotlib); nothing here knows Slack."""
