"""VMS hours: what volunteers did, for how long, confirmed by their management centre."""
