"""The domain layer: plain functions taking a Session, raising DomainError subclasses.

Nothing in this package imports reflex.
"""
