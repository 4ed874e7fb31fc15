"""vidcompare: batch comparisons of video-understanding models on Google Cloud."""

__version__ = "0.1.0"
