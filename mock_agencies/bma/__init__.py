"""The mock Bangkok Metropolitan Administration (BMA, กรุงเทพมหานคร): its own web e-service for
building permits, reached from the portal by Web Integration (launch link with appId and a
one-time mToken), reporting back with signed callbacks and notifications."""
