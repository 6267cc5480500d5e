"""HTTP routes of the service, versioned under ``/api/v1``; ``/healthz`` and ``/readyz`` at the
root."""
