"""The interfaces: command line (and, later, the HTTP service)."""
