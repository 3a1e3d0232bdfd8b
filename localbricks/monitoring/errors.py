"""The monitoring package's errors: each names the input that is wrong and how to fix it."""
from localbricks.errors import LocalbricksError


class MonitorConfigError(LocalbricksError, ValueError):
    """A monitor configuration or table that a refresh cannot use (checked before anything is written)."""
