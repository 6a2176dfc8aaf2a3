"""Receive's pure rules and tables: what an e-document says (`facts`), its verification codes
(`codes`), its PDF (`render`), the trust chain that signs it (`trust`), its PAdES signature
(`pades`), its signed credential (`credential`) and the tables that keep it (`models`)."""
