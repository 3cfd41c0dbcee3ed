"""Stages 3e: the platform for the stage d'observation de 3e."""
