"""VMS gateway: HTTP in front of the services. It owns no data: every request becomes a NATS request."""
