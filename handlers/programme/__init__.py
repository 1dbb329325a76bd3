"""The programme: coordinators' view of every pair in counts and dates (`commands`, and the
pure builders in `blocks`: the Home's section, the weekly digest, the CSV)."""
