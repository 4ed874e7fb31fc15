"""The local stack: the official emulators, the three functions and a gateway, kept
running (supervised, persisted) on a developer's machine. Not deployed."""
