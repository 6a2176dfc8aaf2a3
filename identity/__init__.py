"""Identity: proving who a citizen is (ID card + laser code + face, against the civil
registry, R-8.1/R-9.1) and the OpenID Connect provider the mobile app logs in with."""
