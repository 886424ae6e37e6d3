"""Field work in chat: the household ledger, 走访 campaigns, the care roster, help requests."""
