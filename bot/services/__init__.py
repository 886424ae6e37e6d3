"""Domain rules: tickets, routing, users, notifications."""
