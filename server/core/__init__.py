"""The pure queue core: engine, policy, lifecycle tables, events, branch config, appointments, errors. No I/O."""
