"""Goals and milestones: `/goal`, the goal editor and forms, milestones, the roadmap picture."""
