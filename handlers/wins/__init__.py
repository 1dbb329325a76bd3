"""Wins and notes: `/win`, the Log win form, and what people DM the bot."""
