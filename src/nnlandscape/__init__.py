"""Reproduction of *The energy landscape of a simple neural network* (Gamst & Walker, 2017)."""
