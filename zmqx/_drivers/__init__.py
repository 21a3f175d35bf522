"""The event-loop drivers of the core's readiness machine (the compiled Watcher,
zmqx/_core/watcher.pxi): what each loop gives it, declared in `protocol`, the
asyncio driver that zmqx.asyncio, zmqx.anyio (on asyncio) and tornado's ZMQStream
share, and the one Poller wait of every event-loop flavour (`poller_wait`). The
gevent and trio drivers live beside their adapters (zmqx.green.core,
zmqx.anyio._trio), which are optional."""
