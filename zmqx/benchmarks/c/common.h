/* Small helpers shared by the C baseline programs (header only). */
#ifndef ZMQX_BENCH_COMMON_H
#define ZMQX_BENCH_COMMON_H

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* Every C helper kills itself after this many seconds, whatever happens. */
#define BENCH_ALARM_SECONDS 180

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void bench_die(const char *what)
{
    fprintf(stderr, "error: %s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(2);
}

static void bench_check(int rc, const char *what)
{
    if (rc < 0)
        bench_die(what);
}

static void bench_set_int(void *sock, int option, int value, const char *what)
{
    bench_check(zmq_setsockopt(sock, option, &value, sizeof value), what);
}

/* bind, then print the resolved endpoint (wildcard ports resolved) on its own line */
static void bench_bind_and_announce(void *sock, const char *endpoint, int newline)
{
    char buf[256];
    size_t len = sizeof buf;
    bench_check(zmq_bind(sock, endpoint), "zmq_bind");
    bench_check(zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, buf, &len), "getsockopt LAST_ENDPOINT");
    fputs(buf, stdout);
    fputs(newline ? "\n" : " ", stdout);
    fflush(stdout);
}

static long bench_atol(const char *s, const char *name)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0) {
        fprintf(stderr, "error: bad %s: %s\n", name, s);
        exit(2);
    }
    return v;
}

#endif
