"""The mock National Health Security Office (NHSO, สำนักงานหลักประกันสุขภาพแห่งชาติ): the
register of each citizen's health-coverage scheme, read by the portal for the citizen's own
view (know)."""
