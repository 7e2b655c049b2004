import asyncio

from documents.signing import _outside_event_loop


def test_sync_calls_work_inside_a_running_event_loop() -> None:
    """pyHanko's sync API uses asyncio.run(); inside a running loop (ASGI, Playwright) it must still work."""

    def nested() -> int:
        return asyncio.run(asyncio.sleep(0, result=7))

    async def main() -> int:
        return _outside_event_loop(nested)

    assert asyncio.run(main()) == 7
    assert _outside_event_loop(nested) == 7
