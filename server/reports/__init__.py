"""The ministry's figures from the journal, their HTML/CSV/JSON rendering and ``dawr report``."""
