/* C runtime support for zmqx's compiled core.
 *
 * What lives here must run without the GIL, or before/after the interpreter:
 * waking a blocked thread, releasing zero-copy buffers that libzmq frees from its
 * own threads, terminating abandoned contexts in the background, and counting
 * forks so that sockets inherited by a child can be refused cheaply.
 */
#ifndef ZMQX_RUNTIME_H
#define ZMQX_RUNTIME_H

#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

/* ---- time ---------------------------------------------------------------- */

static inline int64_t zmqx_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- fork generation ------------------------------------------------------ */

/* Bumped in every forked child; objects remember the generation they were made in. */
static int zmqx_fork_generation = 0;

/* ---- wakers: an fd a blocked thread polls beside its sockets -------------- */

typedef struct {
    int read_fd;
    int write_fd;
} zmqx_waker;

static int zmqx_waker_open(zmqx_waker *w)
{
#ifdef __linux__
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        return -1;
    w->read_fd = w->write_fd = fd;
#else
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    }
    w->read_fd = fds[0];
    w->write_fd = fds[1];
#endif
    return 0;
}

static void zmqx_waker_signal(const zmqx_waker *w)
{
    uint64_t one = 1;
    ssize_t rc;
    do {
        rc = write(w->write_fd, &one, sizeof one);
    } while (rc < 0 && errno == EINTR);
}

static void zmqx_waker_drain(const zmqx_waker *w)
{
    uint64_t buf[8];
    while (read(w->read_fd, buf, sizeof buf) > 0) {
    }
}

static void zmqx_waker_close(zmqx_waker *w)
{
    if (w->read_fd >= 0)
        close(w->read_fd);
    if (w->write_fd >= 0 && w->write_fd != w->read_fd)
        close(w->write_fd);
    w->read_fd = w->write_fd = -1;
}

/* ---- message trackers ----------------------------------------------------- */

/* Shared by the Python-side tracker object and every in-flight message that
 * refers to it; freed when the last of them lets go. */
typedef struct {
    int refs;
    int pending; /* messages libzmq still holds */
    pthread_mutex_t lock;
    pthread_cond_t cond;
} zmqx_tracker;

static zmqx_tracker *zmqx_tracker_new(void)
{
    zmqx_tracker *t = (zmqx_tracker *)calloc(1, sizeof *t);
    if (t == NULL)
        return NULL;
    t->refs = 1;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->cond, NULL);
    return t;
}

static void zmqx_tracker_decref(zmqx_tracker *t)
{
    if (__atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        pthread_mutex_destroy(&t->lock);
        pthread_cond_destroy(&t->cond);
        free(t);
    }
}

static void zmqx_tracker_add_pending(zmqx_tracker *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&t->lock);
    t->pending++;
    pthread_mutex_unlock(&t->lock);
}

static void zmqx_tracker_release_pending(zmqx_tracker *t)
{
    pthread_mutex_lock(&t->lock);
    if (--t->pending == 0)
        pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
}

static int zmqx_tracker_done(zmqx_tracker *t)
{
    pthread_mutex_lock(&t->lock);
    int done = t->pending == 0;
    pthread_mutex_unlock(&t->lock);
    return done;
}

/* Wait up to timeout_ms (< 0: forever). Returns 1 when done. Call without the GIL. */
static int zmqx_tracker_wait(zmqx_tracker *t, int64_t timeout_ms)
{
    pthread_mutex_lock(&t->lock);
    if (timeout_ms < 0) {
        while (t->pending > 0)
            pthread_cond_wait(&t->cond, &t->lock);
    } else {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (timeout_ms % 1000) * 1000000;
        if (deadline.tv_nsec >= 1000000000) {
            deadline.tv_sec += 1;
            deadline.tv_nsec -= 1000000000;
        }
        while (t->pending > 0) {
            if (pthread_cond_timedwait(&t->cond, &t->lock, &deadline) == ETIMEDOUT)
                break;
        }
    }
    int done = t->pending == 0;
    pthread_mutex_unlock(&t->lock);
    return done;
}

/* ---- zero-copy buffer release --------------------------------------------- */

/* libzmq calls the free function from whichever thread drops the last reference
 * to a message, without the GIL. We cannot touch Python objects there, so the
 * buffer goes on a list, and the list is emptied under the GIL: by a pending call
 * (run by the main thread at its next bytecode boundary, no thread hop) or
 * opportunistically by the next zero-copy send in any thread. */
typedef struct zmqx_release {
    Py_buffer view;
    zmqx_tracker *tracker;
    struct zmqx_release *next;
} zmqx_release;

static pthread_mutex_t zmqx_release_lock = PTHREAD_MUTEX_INITIALIZER;
static zmqx_release *zmqx_release_head = NULL;
static int zmqx_drain_scheduled = 0;
static int zmqx_python_alive = 1;

/* GIL held. */
static void zmqx_drain_releases(void)
{
    pthread_mutex_lock(&zmqx_release_lock);
    zmqx_release *r = zmqx_release_head;
    zmqx_release_head = NULL;
    pthread_mutex_unlock(&zmqx_release_lock);
    while (r != NULL) {
        zmqx_release *next = r->next;
        PyBuffer_Release(&r->view);
        if (r->tracker != NULL)
            zmqx_tracker_decref(r->tracker);
        free(r);
        r = next;
    }
}

static inline int zmqx_releases_waiting(void)
{
    return __atomic_load_n(&zmqx_release_head, __ATOMIC_RELAXED) != NULL;
}

static int zmqx_drain_pending_call(void *unused)
{
    (void)unused;
    pthread_mutex_lock(&zmqx_release_lock);
    zmqx_drain_scheduled = 0;
    pthread_mutex_unlock(&zmqx_release_lock);
    zmqx_drain_releases();
    return 0;
}

/* The zmq_free_fn of every zero-copy message. Any thread, no GIL. */
static void zmqx_free_zero_copy(void *data, void *hint)
{
    (void)data;
    zmqx_release *r = (zmqx_release *)hint;
    if (r->tracker != NULL)
        zmqx_tracker_release_pending(r->tracker);
    pthread_mutex_lock(&zmqx_release_lock);
    if (!zmqx_python_alive) {
        /* The interpreter is shutting down: the buffer's owner may be gone, and
         * the process is about to free everything anyway. */
        pthread_mutex_unlock(&zmqx_release_lock);
        return;
    }
    r->next = zmqx_release_head;
    zmqx_release_head = r;
    if (!zmqx_drain_scheduled && Py_AddPendingCall(zmqx_drain_pending_call, NULL) == 0)
        zmqx_drain_scheduled = 1;
    pthread_mutex_unlock(&zmqx_release_lock);
}

/* Called from an atexit hook, GIL held: after this, freed buffers are left alone. */
static void zmqx_mark_exiting(void)
{
    zmqx_drain_releases();
    pthread_mutex_lock(&zmqx_release_lock);
    zmqx_python_alive = 0;
    pthread_mutex_unlock(&zmqx_release_lock);
}

/* ---- background termination of abandoned contexts ------------------------- */

/* zmq_ctx_term waits for every socket's linger to expire; a context dropped by
 * the garbage collector must not make the collecting thread wait for that. */
static pthread_mutex_t zmqx_term_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t zmqx_term_cond = PTHREAD_COND_INITIALIZER;
static int zmqx_terms_running = 0;

/* One termination in a background thread; whoever lets go last frees it. */
typedef struct {
    void *ctx;
    int done;
    int refs;
    zmqx_waker done_waker; /* signalled when done, for a caller that waits */
} zmqx_term_job;

static void zmqx_term_job_release(zmqx_term_job *job)
{
    if (__atomic_sub_fetch(&job->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        zmqx_waker_close(&job->done_waker);
        free(job);
    }
}

static int zmqx_term_job_done(zmqx_term_job *job)
{
    return __atomic_load_n(&job->done, __ATOMIC_ACQUIRE);
}

static void *zmqx_term_thread(void *arg)
{
    zmqx_term_job *job = (zmqx_term_job *)arg;
    while (zmq_ctx_term(job->ctx) < 0 && zmq_errno() == EINTR) {
    }
    __atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
    if (job->done_waker.write_fd >= 0)
        zmqx_waker_signal(&job->done_waker);
    zmqx_term_job_release(job);
    pthread_mutex_lock(&zmqx_term_lock);
    zmqx_terms_running--;
    pthread_cond_broadcast(&zmqx_term_cond);
    pthread_mutex_unlock(&zmqx_term_lock);
    return NULL;
}

/* Terminate ctx in a background thread. With watch, *watch gets a reference to
 * the job (release it with zmqx_term_job_release) and its done_waker is open,
 * unless no fd was left for it (read_fd -1: poll zmqx_term_job_done instead).
 * Returns 0 when the thread started; -1 if it could not (nothing was done). */
static int zmqx_term_in_background(void *ctx, zmqx_term_job **watch)
{
    pthread_attr_t attr;
    pthread_t tid;
    sigset_t all, old;
    zmqx_term_job *job = (zmqx_term_job *)calloc(1, sizeof *job);
    if (job == NULL)
        return -1;
    job->ctx = ctx;
    job->refs = watch != NULL ? 2 : 1;
    job->done_waker.read_fd = job->done_waker.write_fd = -1;
    if (watch != NULL && zmqx_waker_open(&job->done_waker) < 0)
        job->done_waker.read_fd = job->done_waker.write_fd = -1;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* Signals belong to Python's threads, not ours. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    pthread_mutex_lock(&zmqx_term_lock);
    zmqx_terms_running++;
    pthread_mutex_unlock(&zmqx_term_lock);
    int rc = pthread_create(&tid, &attr, zmqx_term_thread, job);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_mutex_lock(&zmqx_term_lock);
        zmqx_terms_running--;
        pthread_mutex_unlock(&zmqx_term_lock);
        zmqx_waker_close(&job->done_waker);
        free(job);
        return -1;
    }
    if (watch != NULL)
        *watch = job;
    return 0;
}

/* Wait up to timeout_ms for background terminations; returns how many still run.
 * Call without the GIL. */
static int zmqx_wait_background_terms(int64_t timeout_ms)
{
    int64_t deadline = zmqx_now_ms() + timeout_ms;
    pthread_mutex_lock(&zmqx_term_lock);
    while (zmqx_terms_running > 0) {
        int64_t left = deadline - zmqx_now_ms();
        if (left <= 0)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (left % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec += 1;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&zmqx_term_cond, &zmqx_term_lock, &ts);
    }
    int left = zmqx_terms_running;
    pthread_mutex_unlock(&zmqx_term_lock);
    return left;
}

/* ---- epoll: O(ready) readiness for pollers, where the OS has it ------------ */

#ifdef __linux__
#include <sys/epoll.h>
#include <poll.h>
#include <string.h>

static int zmqx_epoll_open(void) { return epoll_create1(EPOLL_CLOEXEC); }

/* Watch fd (level-triggered) for poll(2)-style events; tag comes back on wait. */
static int zmqx_epoll_add(int ep, int fd, short poll_events, uint32_t tag)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = (poll_events & POLLIN ? EPOLLIN : 0) | (poll_events & POLLOUT ? EPOLLOUT : 0);
    ev.data.u32 = tag;
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Wait up to timeout ms; writes each ready tag's poll(2)-style events into
 * revents[tag] (which the caller zeroed). Returns the number ready, or -1. */
static int zmqx_epoll_wait(int ep, short *revents, int max_events, int timeout)
{
    struct epoll_event events[64];
    int total = 0, n;
    int limit = max_events < 64 ? max_events : 64;
    n = epoll_wait(ep, events, limit, timeout);
    while (n > 0) {
        for (int i = 0; i < n; i++)
            revents[events[i].data.u32] = (short)(events[i].events & (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP));
        total += n;
        /* more than one batch ready: level-triggered entries rotate, so the
         * next calls see the rest; stop once every entry could have been seen */
        if (n < limit || total >= max_events)
            break;
        n = epoll_wait(ep, events, limit, 0);
    }
    return n < 0 && total == 0 ? -1 : total;
}
#else
static int zmqx_epoll_open(void) { errno = ENOSYS; return -1; }
static int zmqx_epoll_add(int ep, int fd, short poll_events, uint32_t tag) { errno = ENOSYS; return -1; }
static int zmqx_epoll_wait(int ep, short *revents, int max_events, int timeout) { errno = ENOSYS; return -1; }
#endif

/* ---- fork ----------------------------------------------------------------- */

/* In the child, libzmq's threads are gone and the parent's locks may be held by
 * threads that no longer exist: start the bookkeeping afresh. What the parent had
 * in flight is deliberately leaked. */
static void zmqx_after_fork_in_child(void)
{
    zmqx_fork_generation++;
    pthread_mutex_init(&zmqx_release_lock, NULL);
    pthread_mutex_init(&zmqx_term_lock, NULL);
    pthread_cond_init(&zmqx_term_cond, NULL);
    zmqx_release_head = NULL;
    zmqx_drain_scheduled = 0;
    zmqx_terms_running = 0;
}

static int zmqx_install_fork_handler(void)
{
    return pthread_atfork(NULL, NULL, zmqx_after_fork_in_child);
}

#endif /* ZMQX_RUNTIME_H */
