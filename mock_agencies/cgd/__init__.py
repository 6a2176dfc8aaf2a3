"""The mock Comptroller General's Department (CGD, กรมบัญชีกลาง): its register of civil-service
pensioners, read by the portal for the citizen's own view (know). CGD files no cases here."""
