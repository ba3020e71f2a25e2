"""The version, written once: read by the package face, model files, benchmark output and the build."""

__version__ = "0.1.0"
