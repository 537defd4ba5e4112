"""Running VMS: the local supervisor, the one JetStream setup step, and dead-letter tools."""
