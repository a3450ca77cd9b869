"""Domain logic and I/O. Services know nothing about HTTP."""
