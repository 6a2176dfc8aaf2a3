"""A bare FastAPI endpoint: the baseline the gateway's catalog reads are compared with."""

from fastapi import FastAPI

app = FastAPI()

_BODY = {"id": "bare", "name": "Bare endpoint", "summary": "No database, no middleware."}


@app.get("/bare/{item_id}")
async def bare(item_id: str) -> dict[str, str]:
    return {**_BODY, "id": item_id}
