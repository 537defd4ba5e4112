"""VMS rewards: cumulative hours and what they earn (badges, benefits, selections)."""
