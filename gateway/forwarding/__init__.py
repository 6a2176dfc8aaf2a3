"""Forwarding: the worker that hands submitted applications to agencies' connectors, the signed
callbacks that bring the agencies' answers back, and the Web Integration launch and exchange."""
