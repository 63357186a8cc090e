"""Runnable examples of the verifier SDK."""
