"""Cross-cutting concerns, one per module. The stack's order is declared in main.py."""
