"""Reflex state adapters: thin, call services, expose small view rows."""
