"""The mock Social Security Office (SSO, สำนักงานประกันสังคม), an API-kind agency: unemployment
benefit claims through the casework engine; approval pays the benefit out (a payout record);
its once-only data is the insurance record."""
