"""Finding a mentor one or two steps ahead: `/mentor offer` (a mentor's offer and its form)
and `/mentor find` (suggestions, Ask, and the mentor's Accept or Decline)."""
