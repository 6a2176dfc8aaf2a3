"""Know (รู้) for the signed-in citizen: my entitlements (every service's eligibility rule decided
on the facts the state holds about me), my government data (the records each agency holds, by
source), and the consents that let the portal ask agencies no law lets it ask. The data is
fetched live from the source agencies, all at once, and kept only briefly (the portal links
data; it does not keep it)."""
