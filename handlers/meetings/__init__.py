"""Meetings and agenda: the schedule, `/agenda`, action items, and the scheduled prompts."""
