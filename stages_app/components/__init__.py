"""Stateless UI building blocks."""
