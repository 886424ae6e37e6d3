"""Conversations as transport-neutral state machines: (state, Incoming) -> (state, [Outgoing])."""
