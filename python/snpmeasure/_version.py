__version__ = "0.4.0"  # the repository's VERSION; the test "python" checks they agree
