"""The mock Provincial Waterworks Authority (PWA, การประปาส่วนภูมิภาค): a biller only. Its
e-services are links to its own channels (catalog integration_mode `link`), so it takes no
applications; the portal lists and pays the monthly water bills a citizen owes (จ่ายบิล)."""
