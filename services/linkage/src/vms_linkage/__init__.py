"""VMS linkage: moves confirmed hours to the 1365 portal (and through it to NEIS) for volunteers who consented."""
