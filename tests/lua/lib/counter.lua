-- Runs once however often it is required.
COUNTER_LOADS = (COUNTER_LOADS or 0) + 1
