/*
 * REQ/REP round-trip latency over tcp loopback, in plain C.
 *
 * usage:
 *   reqrep_latency server BIND_ENDPOINT
 *       REP echo server; prints the resolved endpoint on its first stdout line,
 *       then echoes every request until idle for 30 s, killed, or the alarm fires.
 *       The Python clients (pyzmq / zmqx) talk to this same server.
 *   reqrep_latency client ENDPOINT COUNT SIZE WARMUP
 *       REQ client doing WARMUP untimed then COUNT timed round trips with
 *       SIZE-byte requests; prints {"count":..,"seconds":..,"us_per_rt":..}.
 */
#include "common.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s server ENDPOINT | client ENDPOINT COUNT SIZE WARMUP\n", argv[0]);
        return 2;
    }
    alarm(BENCH_ALARM_SECONDS);
    void *ctx = zmq_ctx_new();
    if (!ctx)
        bench_die("zmq_ctx_new");

    if (strcmp(argv[1], "server") == 0) {
        void *sock = zmq_socket(ctx, ZMQ_REP);
        if (!sock)
            bench_die("zmq_socket");
        bench_set_int(sock, ZMQ_LINGER, 0, "LINGER");
        bench_set_int(sock, ZMQ_RCVTIMEO, 30000, "RCVTIMEO");
        bench_bind_and_announce(sock, argv[2], 1);
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        for (;;) {
            if (zmq_msg_recv(&msg, sock, 0) < 0)
                break; /* idle timeout or termination */
            if (zmq_msg_send(&msg, sock, 0) < 0)
                break;
        }
        zmq_msg_close(&msg);
        zmq_close(sock);
    } else if (strcmp(argv[1], "client") == 0 && argc == 6) {
        long count = bench_atol(argv[3], "COUNT");
        long size = bench_atol(argv[4], "SIZE");
        long warmup = bench_atol(argv[5], "WARMUP");
        void *sock = zmq_socket(ctx, ZMQ_REQ);
        if (!sock)
            bench_die("zmq_socket");
        bench_set_int(sock, ZMQ_LINGER, 0, "LINGER");
        bench_set_int(sock, ZMQ_RCVTIMEO, 10000, "RCVTIMEO");
        bench_set_int(sock, ZMQ_SNDTIMEO, 10000, "SNDTIMEO");
        bench_check(zmq_connect(sock, argv[2]), "zmq_connect");
        char *req = calloc(1, (size_t)size + 1);
        char *rep = calloc(1, (size_t)size + 1);
        double t0 = 0.0;
        for (long i = 0; i < warmup + count; i++) {
            if (i == warmup)
                t0 = bench_now();
            bench_check(zmq_send(sock, req, (size_t)size, 0), "zmq_send");
            int n = zmq_recv(sock, rep, (size_t)size + 1, 0);
            bench_check(n, "zmq_recv");
            if (n != size) {
                fprintf(stderr, "error: reply of %d bytes, expected %ld\n", n, size);
                return 2;
            }
        }
        double dt = bench_now() - t0;
        printf("{\"count\": %ld, \"seconds\": %.6f, \"us_per_rt\": %.3f}\n", count, dt,
               count > 0 ? dt * 1e6 / (double)count : 0.0);
        fflush(stdout);
        free(req);
        free(rep);
        zmq_close(sock);
    } else {
        fprintf(stderr, "error: bad arguments\n");
        return 2;
    }
    zmq_ctx_term(ctx);
    return 0;
}
