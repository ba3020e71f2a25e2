"""One module per model; classes are found through :mod:`tabsynth.registry`."""
