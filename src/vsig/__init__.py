"""vsig: nightly early warning on debt for the Sociale Dienst Drechtsteden."""

from importlib.metadata import version

__version__ = version("vsig")
