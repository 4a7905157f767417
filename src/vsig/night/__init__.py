"""One night: read, compute, commit."""
