"""The shared kernel: pure rules and small types every part of the system may use.

Nothing here does I/O or imports another project package.
"""
