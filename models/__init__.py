"""Data only: the domain schemas and the compact problem and result types."""
