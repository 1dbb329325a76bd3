"""Durable work: everything a person does that the bot acknowledges is stored before the ack
(`queue.enqueue`) and carried out by workers that claim it with a lease (`queue.claim`); work
whose worker died is claimed again when its lease runs out. Each step of a piece of work that
takes effect is recorded (`steps`), so running it again replays what was done instead of doing
it twice. No Slack and no listener code here: the Slack side says what a task is and runs it.
"""
