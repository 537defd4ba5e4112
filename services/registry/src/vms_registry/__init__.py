"""VMS registry: who the volunteers and management centres are, and what the volunteers consented to."""
