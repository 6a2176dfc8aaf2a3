"""Locust users for the catalog (the "know" verb).

- `ServiceDetailUser`: the benchmark's user; GETs one path as fast as it can (BENCH_PATHS, a
  comma-separated list of paths, picked at random each request).
- `KnowJourneyUser`: a citizen browsing: categories, a category's services, a Thai search,
  then a service's manual, revalidating with If-None-Match as the app does.

Run one by name: `locust -f loadtests/locustfile.py KnowJourneyUser --host http://127.0.0.1:8000`.
"""

from __future__ import annotations

import os
import random

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

_PATHS = [p for p in os.environ.get("BENCH_PATHS", "/healthz").split(",") if p]


class ServiceDetailUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def read(self) -> None:
        path = random.choice(_PATHS)
        self.client.get(path, name=os.environ.get("BENCH_NAME", path))


class KnowJourneyUser(FastHttpUser):
    wait_time = constant(0.5)

    @task
    def browse(self) -> None:
        categories = self.client.get("/v1/categories").json()["items"]
        category = random.choice([c for c in categories if c["live_services"]])["code"]
        page = self.client.get(
            f"/v1/services?category={category}&limit=20", name="/v1/services?category="
        ).json()
        self.client.get("/v1/services?q=%E0%B9%83%E0%B8%9A", name="/v1/services?q=")
        if page["items"]:
            href = random.choice(page["items"])["href"]
            first = self.client.get(href, name="/v1/services/{id}")
            etag = first.headers.get("etag", "")
            self.client.get(href, headers={"If-None-Match": etag}, name="/v1/services/{id} 304")
