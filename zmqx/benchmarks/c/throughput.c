/*
 * PUSH/PULL throughput peer in plain C, used as
 *   - the C ceiling for throughput_tcp / throughput_multipart (informational), and
 *   - the producer and consumer around the proxy under test in proxy_throughput /
 *     monitored_queue, so that only the proxy differs between runs.
 *
 * usage:
 *   throughput recv bind|connect ENDPOINT COUNT SIZE PARTS
 *   throughput send bind|connect ENDPOINT COUNT SIZE PARTS
 *
 * With "bind" the resolved endpoint is printed on the first stdout line.
 * The receiver times from the first message to the last one and prints one
 * JSON line: {"count":..,"seconds":..,"rate":..,"chunk_rates":[..]}.  COUNT
 * counts messages (each made of PARTS frames of SIZE bytes); the timed
 * messages are also split into CHUNKS equal slices (default 10) whose rates are
 * listed, so a caller can take the median slice (robust to short stalls).
 */
#include "common.h"

static void *open_socket(void *ctx, int type, const char *mode, const char *endpoint)
{
    void *sock = zmq_socket(ctx, type);
    if (!sock)
        bench_die("zmq_socket");
    bench_set_int(sock, ZMQ_LINGER, 10000, "LINGER");
    bench_set_int(sock, ZMQ_RCVTIMEO, 30000, "RCVTIMEO");
    bench_set_int(sock, ZMQ_SNDTIMEO, 30000, "SNDTIMEO");
    if (strcmp(mode, "bind") == 0)
        bench_bind_and_announce(sock, endpoint, 1);
    else
        bench_check(zmq_connect(sock, endpoint), "zmq_connect");
    return sock;
}

int main(int argc, char **argv)
{
    if (argc != 7 && argc != 8) {
        fprintf(stderr, "usage: %s send|recv bind|connect ENDPOINT COUNT SIZE PARTS [CHUNKS]\n",
                argv[0]);
        return 2;
    }
    alarm(BENCH_ALARM_SECONDS);
    const char *role = argv[1];
    long count = bench_atol(argv[4], "COUNT");
    long size = bench_atol(argv[5], "SIZE");
    long parts = bench_atol(argv[6], "PARTS");
    long chunks = argc == 8 ? bench_atol(argv[7], "CHUNKS") : 10;
    if (parts < 1)
        parts = 1;
    if (chunks < 1)
        chunks = 1;
    if (chunks > count / 2 + 1)
        chunks = count / 2 + 1;

    void *ctx = zmq_ctx_new();
    if (!ctx)
        bench_die("zmq_ctx_new");

    if (strcmp(role, "send") == 0) {
        void *sock = open_socket(ctx, ZMQ_PUSH, argv[2], argv[3]);
        char *buf = calloc(1, (size_t)size + 1);
        for (long i = 0; i < count; i++) {
            for (long p = 0; p < parts; p++) {
                int flags = (p + 1 < parts) ? ZMQ_SNDMORE : 0;
                bench_check(zmq_send(sock, buf, (size_t)size, flags), "zmq_send");
            }
        }
        free(buf);
        zmq_close(sock);
    } else if (strcmp(role, "recv") == 0) {
        void *sock = open_socket(ctx, ZMQ_PULL, argv[2], argv[3]);
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        double t0 = 0.0, tc = 0.0;
        long timed = count > 1 ? count - 1 : 1;
        long per_chunk = timed / chunks, next_mark = 0, nrates = 0;
        double *rates = calloc((size_t)chunks + 1, sizeof(double));
        for (long i = 0; i < count; i++) {
            for (long p = 0; p < parts; p++) {
                bench_check(zmq_msg_recv(&msg, sock, 0), "zmq_msg_recv");
                if ((long)zmq_msg_size(&msg) != size) {
                    fprintf(stderr, "error: got %zu bytes, expected %ld\n", zmq_msg_size(&msg), size);
                    return 2;
                }
                int more = zmq_msg_more(&msg);
                if (more != (p + 1 < parts)) {
                    fprintf(stderr, "error: wrong multipart framing\n");
                    return 2;
                }
            }
            if (i == 0) {
                t0 = tc = bench_now();
                next_mark = per_chunk;
            } else if (per_chunk > 0 && i == next_mark && nrates < chunks) {
                double t = bench_now();
                rates[nrates++] = t > tc ? (double)per_chunk / (t - tc) : 0.0;
                tc = t;
                next_mark += per_chunk;
            }
        }
        double dt = bench_now() - t0;
        zmq_msg_close(&msg);
        printf("{\"count\": %ld, \"seconds\": %.6f, \"rate\": %.1f, \"chunk_rates\": [", timed,
               dt, dt > 0 ? (double)timed / dt : 0.0);
        for (long k = 0; k < nrates; k++)
            printf("%s%.1f", k ? ", " : "", rates[k]);
        printf("]}\n");
        free(rates);
        fflush(stdout);
        zmq_close(sock);
    } else {
        fprintf(stderr, "error: role must be send or recv\n");
        return 2;
    }
    zmq_ctx_term(ctx);
    return 0;
}
