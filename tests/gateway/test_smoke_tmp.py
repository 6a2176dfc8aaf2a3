async def test_smoke(client):
    r = await client.get("/v1/categories")
    assert r.status_code == 200
    r = await client.get("/readyz")
    assert r.json()["status"] == "ready", r.json()
