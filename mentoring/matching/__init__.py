"""Finding a mentor one or two steps ahead: offers to mentor, who is eligible for a mentee's
goal, the ranking, and a mentee's request with its answer. No Slack here."""
