"""Pydantic request/response models; schemas.py holds the database row shapes."""
