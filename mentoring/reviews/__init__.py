"""Periodic reviews, one module for each part of a review's life: `cadence` says how often a
pair reviews and when the next review falls due; `planning` plans a review after the meeting
that falls due, moves, opens and calls it off, and changes the cadence; `closing` decides what
each of the review's ledger messages does and applies what the review decided when it closes;
`summary` is what the channel sees and what `/review` reads back; `questionnaire` is the form
each member answers and `answers` saves it, a page at a time or by DM; `values` holds the plain
values they share. Import from the module that holds the thing: this package exports nothing.
"""
