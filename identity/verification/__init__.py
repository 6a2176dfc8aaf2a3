"""Identity verification: local pre-checks, the registry check, the face comparison."""
