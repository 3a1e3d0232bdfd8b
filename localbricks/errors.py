"""Errors a learner can act on: each says what went wrong and what to do, never a Java stack."""


class LocalbricksError(RuntimeError):
    """Base class for set-up problems localbricks detects and explains."""


class JavaNotFoundError(LocalbricksError):
    """No usable Java: Spark 4 needs a Java 17 (or newer) runtime, and javac for the catalog."""


class DeltaJarsUnavailableError(LocalbricksError):
    """Spark could not fetch Delta Lake's jars from Maven Central on first start."""


class ThreeLevelNameError(ValueError):
    """A name that must be ``catalog.schema.object`` was not."""
