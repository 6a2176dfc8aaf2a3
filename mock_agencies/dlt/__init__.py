"""The mock Department of Land Transport (DLT, กรมการขนส่งทางบก), an API-kind agency: driving
licence renewal and annual vehicle tax through the casework engine, and its once-only data
(the current driving licence, the registered vehicles)."""
