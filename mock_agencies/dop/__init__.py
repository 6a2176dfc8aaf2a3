"""The mock Department of Older Persons (DOP, กรมกิจการผู้สูงอายุ) back office. Its services are
platform-hosted: officers (and an automatic rule) work the portal's cases through the gateway's
agency API; the DOP exposes no API of its own to the gateway."""
