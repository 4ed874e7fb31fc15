"""What tests expect of the fake Gemini's data, shared by unit and integration tests."""

# The fake's video models, as the catalogue orders them: current ones newest first (Pro,
# Flash, Flash-Lite; stable before preview), aliases after them, deprecated ones last.
VIDEO_MODELS = [
    "gemini-4-argon",
    "gemini-3.8-flash",
    "gemini-3.6-flash",
    "gemini-3.5-flash-lite",
    "gemini-3.1-pro-preview",
    "gemini-flash-latest",
    "gemini-pro-latest",
    "gemini-3.7-flash",
    "gemini-3.5-flash",
    "gemini-3.1-flash-lite",
    "gemini-3-flash-preview",
]
