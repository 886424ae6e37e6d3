"""Transport adapters: Telegram, console. Thin: parse, call the desk, render."""
