"""The mock civil registry (DOPA, กรมการปกครอง): the synthetic population, the card-check rules
(`CheckCardByLaser`), and its app: the data-exchange style REST wrapper and the SOAP 1.2 service.
"""
