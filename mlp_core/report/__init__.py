"""Report: error rates and intervals, significance tests, learning curves, exercise-2 analysis, the
exercise-3 model choice, report tables and the export zip. Built from stored numbers: no torch.

Imports config, store (reading) and sweep (specs, estimates).
"""
