/*
 * libzmq's own zmq_proxy with the topology used by proxy_throughput.py:
 *   frontend PULL (bound)  ->  zmq_proxy  ->  backend PUSH (bound)
 * optionally with a capture PUB socket bound to CAPTURE (the C counterpart of
 * pyzmq's monitored_queue, which also copies every message to a PUB socket).
 *
 * usage: proxy FRONTEND_BIND BACKEND_BIND [CAPTURE_BIND]
 *
 * Prints "FRONTEND BACKEND" (resolved endpoints) on one stdout line, then
 * runs the proxy until it is killed (or the safety alarm fires).
 */
#include "common.h"

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s FRONTEND BACKEND [CAPTURE]\n", argv[0]);
        return 2;
    }
    alarm(BENCH_ALARM_SECONDS);
    void *ctx = zmq_ctx_new();
    if (!ctx)
        bench_die("zmq_ctx_new");
    void *frontend = zmq_socket(ctx, ZMQ_PULL);
    void *backend = zmq_socket(ctx, ZMQ_PUSH);
    void *capture = NULL;
    if (!frontend || !backend)
        bench_die("zmq_socket");
    bench_set_int(frontend, ZMQ_LINGER, 0, "LINGER");
    bench_set_int(backend, ZMQ_LINGER, 0, "LINGER");
    if (argc == 4) {
        capture = zmq_socket(ctx, ZMQ_PUB);
        if (!capture)
            bench_die("zmq_socket");
        bench_set_int(capture, ZMQ_LINGER, 0, "LINGER");
        bench_check(zmq_bind(capture, argv[3]), "zmq_bind capture");
    }
    bench_bind_and_announce(frontend, argv[1], 0);
    bench_bind_and_announce(backend, argv[2], 1);
    zmq_proxy(frontend, backend, capture);
    /* only reached if the context is terminated */
    zmq_close(frontend);
    zmq_close(backend);
    if (capture)
        zmq_close(capture);
    zmq_ctx_term(ctx);
    return 0;
}
