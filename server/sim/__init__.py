"""The hall simulator on the real engine, its scenarios and ``dawr simulate``."""
