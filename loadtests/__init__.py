"""Locust journeys and the benchmark harness. They speak HTTP only, like any outside client."""
