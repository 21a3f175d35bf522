# Declarations of runtime.h: the C support code that runs without the GIL.

from cpython.buffer cimport Py_buffer
from libc.stdint cimport int64_t


cdef extern from "runtime.h" nogil:
    int zmqx_fork_generation

    int64_t zmqx_now_ms()

    ctypedef struct zmqx_waker:
        int read_fd
        int write_fd
    int zmqx_waker_open(zmqx_waker *w)
    void zmqx_waker_signal(const zmqx_waker *w)
    void zmqx_waker_drain(const zmqx_waker *w)
    void zmqx_waker_close(zmqx_waker *w)

    ctypedef struct zmqx_tracker:
        pass
    zmqx_tracker *zmqx_tracker_new()
    void zmqx_tracker_decref(zmqx_tracker *t)
    void zmqx_tracker_add_pending(zmqx_tracker *t)
    int zmqx_tracker_done(zmqx_tracker *t)
    int zmqx_tracker_wait(zmqx_tracker *t, int64_t timeout_ms)

    ctypedef struct zmqx_release:
        Py_buffer view
        zmqx_tracker *tracker
    void zmqx_free_zero_copy(void *data, void *hint) noexcept
    int zmqx_releases_waiting()
    void zmqx_drain_releases() with gil
    void zmqx_mark_exiting() with gil

    ctypedef struct zmqx_term_job:
        zmqx_waker done_waker
    int zmqx_term_in_background(void *ctx, zmqx_term_job **watch)
    int zmqx_term_job_done(zmqx_term_job *job)
    void zmqx_term_job_release(zmqx_term_job *job)
    int zmqx_wait_background_terms(int64_t timeout_ms)

    int zmqx_install_fork_handler()

    int zmqx_epoll_open()
    int zmqx_epoll_add(int ep, int fd, short poll_events, unsigned int tag)
    int zmqx_epoll_wait(int ep, short *revents, int max_events, int timeout)
