"""Pure geometry helpers for fieldapp: no Flask, no application context."""
