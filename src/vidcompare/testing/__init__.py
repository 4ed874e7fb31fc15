"""Aids for tests and benchmarks, never deployed: the fake Gemini API server, fault
injection against the local stack, synthetic videos."""
