"""The simulated phone: its camera (face scans with liveness) and the ID cards its users hold.
It is the citizen's side of a login, served by the mock-agencies host so that load tests and
outside suites can log in over HTTP without importing project code."""
