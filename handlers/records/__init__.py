"""A person's own record: `/mentor export` (the record as two files in their DM) and
`/mentor forget` (what is deleted and what remains, then deleting it)."""
