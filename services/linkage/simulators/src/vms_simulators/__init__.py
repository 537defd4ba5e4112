"""Simulators of the external systems VMS links with. Each behaves as the public record of the real one says
(LINKAGE.md in the design notes); where the real format is not public, the simulator says what it invented."""
