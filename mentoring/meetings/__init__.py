"""Meetings, one module for each part: `cadence` is the calendar maths of "every N weeks on a
weekday at a time, in a zone"; `planning` plans a pair's next meeting and its prompts (rows in
the delivery ledger), one meeting at a time; `schedule` sets, shows, skips and pauses a pair's
meetings and moves their prompts; `agenda` holds agenda and action items; `values` holds the
plain values they share. Import from the module that holds the thing: this package exports
nothing.
"""
