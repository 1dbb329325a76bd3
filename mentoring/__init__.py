"""The mentoring rules: pairs, goals, wins and the notes people send before deciding what they are.

Nothing here knows about Slack. Functions take an engine and `now` (an aware UTC instant) and own
their transaction; they return plain frozen values. People are referred to as `<@USER_ID>` in any
text meant for them, the one notation the chat surface renders as a name.
"""
