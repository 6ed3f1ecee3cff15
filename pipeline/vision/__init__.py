"""The face engine: one module per stage, models loaded once per process."""
