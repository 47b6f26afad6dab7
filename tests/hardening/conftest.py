"""The collector fixtures (moto server, fault proxy) shared with tests/collectors."""

from tests.collectors.conftest import moto, moto_url, proxy, seeded, shared_org

__all__ = ["moto", "moto_url", "proxy", "seeded", "shared_org"]
