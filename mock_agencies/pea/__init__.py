"""The mock Provincial Electricity Authority (PEA, การไฟฟ้าส่วนภูมิภาค), an API-kind agency for
its bill e-service (checking an electricity account through the casework engine) and a biller:
the monthly electricity bills a citizen owes, paid through the portal (จ่ายบิล)."""
