"""The sub-commands of ``balans``: each module registers its own with ``register``."""
