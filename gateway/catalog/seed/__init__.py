"""The demo catalog: real Thai agencies and e-services, one YAML file per agency."""
