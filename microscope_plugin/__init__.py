"""Microscope: queue-based performance diagnosis for network functions."""
