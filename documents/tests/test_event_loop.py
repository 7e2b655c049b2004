import asyncio
import concurrent.futures

from documents.signing import _outside_event_loop


def nested() -> int:
    return asyncio.run(asyncio.sleep(0, result=7))


def check() -> tuple[int, int]:
    async def main() -> int:
        return _outside_event_loop(nested)  # called while this thread's loop is running

    return asyncio.run(main()), _outside_event_loop(nested)


def test_sync_calls_work_inside_a_running_event_loop() -> None:
    """pyHanko's sync API uses asyncio.run(); inside a running loop (ASGI, Playwright) it must still work."""
    # A fresh thread, so the check does not depend on what earlier tests left running in this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(check).result() == (7, 7)
