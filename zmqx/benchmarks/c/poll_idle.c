/*
 * zmq_poll(items, N, 0) over N idle PULL sockets bound to inproc://, in C:
 * the libzmq floor for poll_idle_1000 (for information).
 *
 * usage: poll_idle SOCKETS REPEAT MIN_TIME_MS
 * Prints {"us_per_call": best, "events_us_per_socket": ..}: the best of
 * REPEAT runs, each run long enough to last MIN_TIME_MS; also the cost of one
 * getsockopt(ZMQ_EVENTS) per socket, which any correct poll over zmq sockets
 * has to pay for sockets whose state it does not already know.
 */
#include "common.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s SOCKETS REPEAT MIN_TIME_MS\n", argv[0]);
        return 2;
    }
    alarm(BENCH_ALARM_SECONDS);
    long n = bench_atol(argv[1], "SOCKETS");
    long repeat = bench_atol(argv[2], "REPEAT");
    double min_time = (double)bench_atol(argv[3], "MIN_TIME_MS") / 1e3;
    if (n < 1 || repeat < 1) {
        fprintf(stderr, "error: SOCKETS and REPEAT must be >= 1\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    if (!ctx)
        bench_die("zmq_ctx_new");
    if (n + 16 > 1023)
        zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int)n + 16);
    zmq_pollitem_t *items = calloc((size_t)n, sizeof *items);
    char ep[64];
    for (long i = 0; i < n; i++) {
        void *s = zmq_socket(ctx, ZMQ_PULL);
        if (!s)
            bench_die("zmq_socket");
        bench_set_int(s, ZMQ_LINGER, 0, "LINGER");
        snprintf(ep, sizeof ep, "inproc://bench-poll-idle-%ld", i);
        bench_check(zmq_bind(s, ep), "zmq_bind");
        items[i].socket = s;
        items[i].events = ZMQ_POLLIN;
    }
    /* calibrate: iterations per run so that a run lasts >= min_time */
    long iters = 1;
    for (;;) {
        double t = bench_now();
        for (long k = 0; k < iters; k++)
            bench_check(zmq_poll(items, (int)n, 0), "zmq_poll");
        double dt = bench_now() - t;
        if (dt >= min_time || iters > (1L << 30))
            break;
        iters *= 2;
    }
    double best = 1e30;
    for (long r = 0; r < repeat; r++) {
        double t = bench_now();
        for (long k = 0; k < iters; k++)
            if (zmq_poll(items, (int)n, 0) != 0) {
                fprintf(stderr, "error: idle sockets reported events\n");
                return 2;
            }
        double per = (bench_now() - t) / (double)iters;
        if (per < best)
            best = per;
    }
    double best_ev = 1e30;
    for (long r = 0; r < repeat; r++) {
        double t = bench_now();
        for (long k = 0; k < iters; k++)
            for (long i = 0; i < n; i++) {
                int ev = 0;
                size_t len = sizeof ev;
                zmq_getsockopt(items[i].socket, ZMQ_EVENTS, &ev, &len);
            }
        double per = (bench_now() - t) / (double)iters;
        if (per < best_ev)
            best_ev = per;
    }
    printf("{\"us_per_call\": %.3f, \"iterations\": %ld, \"events_us_per_socket\": %.4f}\n",
           best * 1e6, iters, best_ev * 1e6 / (double)n);
    fflush(stdout);
    for (long i = 0; i < n; i++)
        zmq_close(items[i].socket);
    free(items);
    zmq_ctx_term(ctx);
    return 0;
}
