// kts_native: the few socket calls Node 20 cannot make (raw IP, AF_PACKET and AF_NETLINK sockets,
// setsockopt, recvmsg with ancillary data, sockets inside another network namespace), plus a
// libuv readability watcher and the two scheduling calls Node has no API for (a thread's realtime
// policy, RLIMIT_RTTIME). Plain N-API, no dependencies. Deliberately thin: every sockaddr is
// built and parsed in TypeScript (src/net/sockaddr.ts) and passed here as bytes; only cmsg parsing
// happens in C, because the cmsg layout depends on the platform's size_t and alignment.
//
// Errors are thrown as JS Errors with `code` (errno name, e.g. 'EPERM'), `errno` and `syscall`.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

// Big enough for a netlink dump part (the kernel caps those at 32 KiB) and any IP datagram.
#define RECV_BUFFER_SIZE 65536
#define CONTROL_BUFFER_SIZE 256

#define NAPI_CALL(env, call)                                                                     \
  do {                                                                                           \
    if ((call) != napi_ok) {                                                                     \
      napi_throw_error((env), "EINTERNAL", "N-API call failed: " #call);                         \
      return NULL;                                                                               \
    }                                                                                            \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  napi_value msg, error, code, errnum, sys;
  char text[160];
  // uv_err_name maps -errno to the POSIX name on Unix ("EPERM").
  const char *name = uv_err_name(-err);
  snprintf(text, sizeof text, "%s %s (%s)", syscall, name, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_int32(env, err, &errnum);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "code", code);
  napi_set_named_property(env, error, "errno", errnum);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
  return NULL;
}

// Reads up to `n` arguments; returns false (with a TypeError thrown) if fewer were passed.
static bool get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < n) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return false;
  }
  return true;
}

static bool get_int(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an integer");
    return false;
  }
  return true;
}

static bool get_bytes(napi_env env, napi_value v, void **data, size_t *len) {
  if (napi_get_buffer_info(env, v, data, len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a Buffer");
    return false;
  }
  return true;
}

static napi_value make_int(napi_env env, int64_t v) {
  napi_value out;
  napi_create_int64(env, v, &out);
  return out;
}

// socket(domain, type, protocol, netnsPath?) -> fd. Always non-blocking (the fd is driven by
// uv_poll) and close-on-exec (health-check scripts must not inherit raw sockets).
// With netnsPath (e.g. /run/netns/NAME) the socket is created inside that network namespace: the
// calling thread enters it for the socket() call only, and the socket stays bound to it. This is
// how one process talks to several namespaces (keepalived's net_namespace, and the tests).
static int socket_in_netns(const char *path, int domain, int type, int protocol) {
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return -1;
  int target = open(path, O_RDONLY | O_CLOEXEC);
  if (target < 0 || setns(target, CLONE_NEWNET) < 0) {
    int err = errno;
    if (target >= 0) close(target);
    close(self);
    errno = err;
    return -1;
  }
  int fd = socket(domain, type, protocol);
  int err = errno;
  // Going back cannot fail for a namespace we were just in; if it did, this thread would keep
  // running in the wrong namespace, which is worse than dying.
  if (setns(self, CLONE_NEWNET) < 0) abort();
  close(target);
  close(self);
  errno = err;
  return fd;
}

static napi_value js_socket(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  size_t argc = 4;
  int32_t domain, type, protocol;
  char path[256];
  napi_valuetype vt = napi_undefined;
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "missing arguments");
    return NULL;
  }
  if (!get_int(env, argv[0], &domain) || !get_int(env, argv[1], &type) ||
      !get_int(env, argv[2], &protocol))
    return NULL;
  if (argc > 3) NAPI_CALL(env, napi_typeof(env, argv[3], &vt));
  int flags = type | SOCK_NONBLOCK | SOCK_CLOEXEC;
  int fd;
  if (vt == napi_string) {
    size_t len;
    NAPI_CALL(env, napi_get_value_string_utf8(env, argv[3], path, sizeof path, &len));
    fd = socket_in_netns(path, domain, flags, protocol);
  } else {
    fd = socket(domain, flags, protocol);
  }
  if (fd < 0) return throw_errno(env, errno, "socket");
  return make_int(env, fd);
}

// setsockopt(fd, level, name, value): value is a number (passed as int) or a Buffer (a struct).
static napi_value js_setsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name, ival;
  napi_valuetype vt;
  if (!get_args(env, info, 4, argv) || !get_int(env, argv[0], &fd) ||
      !get_int(env, argv[1], &level) || !get_int(env, argv[2], &name))
    return NULL;
  NAPI_CALL(env, napi_typeof(env, argv[3], &vt));
  int rc;
  if (vt == napi_number) {
    if (!get_int(env, argv[3], &ival)) return NULL;
    int v = ival;
    rc = setsockopt(fd, level, name, &v, sizeof v);
  } else {
    void *data;
    size_t len;
    if (!get_bytes(env, argv[3], &data, &len)) return NULL;
    rc = setsockopt(fd, level, name, data, (socklen_t)len);
  }
  if (rc < 0) return throw_errno(env, errno, "setsockopt");
  return NULL;
}

// getsockopt(fd, level, name) -> int (every option we read back is an int).
static napi_value js_getsockopt(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, level, name;
  if (!get_args(env, info, 3, argv) || !get_int(env, argv[0], &fd) ||
      !get_int(env, argv[1], &level) || !get_int(env, argv[2], &name))
    return NULL;
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(fd, level, name, &v, &len) < 0) return throw_errno(env, errno, "getsockopt");
  return make_int(env, v);
}

// bind(fd, sockaddr bytes)
static napi_value js_bind(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *addr;
  size_t len;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], &fd) ||
      !get_bytes(env, argv[1], &addr, &len))
    return NULL;
  if (bind(fd, (struct sockaddr *)addr, (socklen_t)len) < 0)
    return throw_errno(env, errno, "bind");
  return NULL;
}

// getsockname(fd) -> sockaddr bytes (netlink: the port id the kernel assigned at bind).
static napi_value js_getsockname(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int32_t fd;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
    return throw_errno(env, errno, "getsockname");
  NAPI_CALL(env, napi_create_buffer_copy(env, len, &ss, NULL, &out));
  return out;
}

// sendto(fd, data, sockaddr bytes) -> bytes sent.
static napi_value js_sendto(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  void *data, *addr;
  size_t len, alen;
  if (!get_args(env, info, 3, argv) || !get_int(env, argv[0], &fd) ||
      !get_bytes(env, argv[1], &data, &len) || !get_bytes(env, argv[2], &addr, &alen))
    return NULL;
  ssize_t n = sendto(fd, data, len, 0, (struct sockaddr *)addr, (socklen_t)alen);
  if (n < 0) return throw_errno(env, errno, "sendto");
  return make_int(env, n);
}

static void set_int_prop(napi_env env, napi_value obj, const char *key, int64_t v) {
  napi_set_named_property(env, obj, key, make_int(env, v));
}

static void set_bytes_prop(napi_env env, napi_value obj, const char *key, const void *p, size_t n) {
  napi_value buf;
  if (napi_create_buffer_copy(env, n, p, NULL, &buf) == napi_ok)
    napi_set_named_property(env, obj, key, buf);
}

// recvmsg(fd) -> { data, from (sockaddr bytes), truncated, ifindex?, destination?, ttl?,
// hopLimit? } or null when nothing is queued (EAGAIN). The optional fields come from the
// IP_PKTINFO / IP_TTL / IPV6_PKTINFO / IPV6_HOPLIMIT cmsgs the caller enabled.
static napi_value js_recvmsg(napi_env env, napi_callback_info info) {
  // Per thread: worker threads may load the addon too.
  static _Thread_local unsigned char buffer[RECV_BUFFER_SIZE];
  // A union gives the control buffer cmsghdr alignment.
  static _Thread_local union {
    struct cmsghdr align;
    unsigned char bytes[CONTROL_BUFFER_SIZE];
  } control;
  napi_value argv[1], out, nul;
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;

  struct sockaddr_storage from;
  struct iovec iov = {.iov_base = buffer, .iov_len = sizeof buffer};
  struct msghdr msg = {.msg_name = &from,
                       .msg_namelen = sizeof from,
                       .msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = control.bytes,
                       .msg_controllen = sizeof control.bytes};
  ssize_t n;
  do n = recvmsg(fd, &msg, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      napi_get_null(env, &nul);
      return nul;
    }
    return throw_errno(env, errno, "recvmsg");
  }

  NAPI_CALL(env, napi_create_object(env, &out));
  set_bytes_prop(env, out, "data", buffer, (size_t)n);
  set_bytes_prop(env, out, "from", &from, msg.msg_namelen);
  napi_value truncated;
  napi_get_boolean(env, (msg.msg_flags & MSG_TRUNC) != 0, &truncated);
  napi_set_named_property(env, out, "truncated", truncated);

  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      set_int_prop(env, out, "ifindex", pi.ipi_ifindex);
      set_bytes_prop(env, out, "destination", &pi.ipi_addr, sizeof pi.ipi_addr);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
      int ttl;
      memcpy(&ttl, CMSG_DATA(c), sizeof ttl);
      set_int_prop(env, out, "ttl", ttl);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      set_int_prop(env, out, "ifindex", pi.ipi6_ifindex);
      set_bytes_prop(env, out, "destination", &pi.ipi6_addr, sizeof pi.ipi6_addr);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      int hops;
      memcpy(&hops, CMSG_DATA(c), sizeof hops);
      set_int_prop(env, out, "hopLimit", hops);
    }
  }
  return out;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  if (close(fd) < 0) return throw_errno(env, errno, "close");
  return NULL;
}

static napi_value js_if_nametoindex(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char name[IF_NAMESIZE];
  size_t len;
  if (!get_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return NULL;
  }
  unsigned idx = if_nametoindex(name);
  if (idx == 0) return throw_errno(env, errno, "if_nametoindex");
  return make_int(env, idx);
}

static napi_value js_if_indextoname(napi_env env, napi_callback_info info) {
  napi_value argv[1], out;
  int32_t idx;
  char name[IF_NAMESIZE];
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &idx)) return NULL;
  if (if_indextoname((unsigned)idx, name) == NULL)
    return throw_errno(env, errno, "if_indextoname");
  NAPI_CALL(env, napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &out));
  return out;
}

// ---- readability watcher ---------------------------------------------------------------------
// One uv_poll per socket. The JS callback runs through napi_make_callback so that promise
// continuations queued by it run before control returns to libuv, as for any Node I/O callback.

typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
} watcher_t;

static void on_watcher_closed(uv_handle_t *h) { free(h->data); }

static void on_readable(uv_poll_t *h, int status, int events) {
  watcher_t *w = h->data;
  napi_handle_scope scope;
  napi_value cb, recv, result, argv[1];
  (void)events;
  if (status < 0) {
    // libuv reports POLLERR as an error and stops the watcher. On a socket, POLLERR means a
    // pending socket error (netlink: ENOBUFS after an overflow) that the next recvmsg returns
    // and clears. Re-arm and let JS read, so it sees the real errno and the socket lives on.
    int rc = uv_poll_start(h, UV_READABLE, on_readable);
    status = rc < 0 ? rc : 0;
  }
  napi_open_handle_scope(w->env, &scope);
  napi_get_reference_value(w->env, w->callback, &cb);
  // napi_make_callback needs an object receiver (it converts it with ToObject).
  napi_get_global(w->env, &recv);
  // status < 0 only if re-arming failed (the fd went bad): hand it to JS as a negative errno.
  napi_create_int32(w->env, status, &argv[0]);
  if (napi_make_callback(w->env, w->context, recv, cb, 1, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(w->env, &err);
    napi_fatal_exception(w->env, err);
  }
  napi_close_handle_scope(w->env, scope);
}

// watchStart(fd, callback) -> handle. Starts polling fd for readability.
static napi_value js_watch_start(napi_env env, napi_callback_info info) {
  napi_value argv[2], handle, name;
  int32_t fd;
  uv_loop_t *loop;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], &fd)) return NULL;
  NAPI_CALL(env, napi_get_uv_event_loop(env, &loop));
  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "watchStart");
  w->env = env;
  int rc = uv_poll_init(loop, &w->handle, fd);
  if (rc < 0) {
    free(w);
    return throw_errno(env, -rc, "uv_poll_init");
  }
  w->handle.data = w;
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_create_string_utf8(env, "kts_native.watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  rc = uv_poll_start(&w->handle, UV_READABLE, on_readable);
  if (rc < 0) {
    napi_delete_reference(env, w->callback);
    napi_async_destroy(env, w->context);
    uv_close((uv_handle_t *)&w->handle, on_watcher_closed);
    return throw_errno(env, -rc, "uv_poll_start");
  }
  // No finalizer: the watcher is freed by watchStop (uv_close), which NativeSocket.close() calls;
  // the libuv handle must not be freed while it is still registered with the loop.
  NAPI_CALL(env, napi_create_external(env, w, NULL, NULL, &handle));
  return handle;
}

static watcher_t *get_watcher(napi_env env, napi_value v) {
  void *w = NULL;
  if (napi_get_value_external(env, v, &w) != napi_ok || w == NULL)
    napi_throw_type_error(env, NULL, "expected a watcher handle");
  return w;
}

// watchStop(handle): stops and frees the watcher. Call before closing the fd.
static napi_value js_watch_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  watcher_t *w = get_watcher(env, argv[0]);
  if (w == NULL) return NULL;
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  uv_close((uv_handle_t *)&w->handle, on_watcher_closed);
  return NULL;
}

// watchRef(handle, bool): whether this watcher keeps the process alive (uv_ref / uv_unref).
// A netlink request socket is unref'd while idle so a finished program can exit.
static napi_value js_watch_ref(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  bool ref;
  if (!get_args(env, info, 2, argv)) return NULL;
  watcher_t *w = get_watcher(env, argv[0]);
  if (w == NULL) return NULL;
  NAPI_CALL(env, napi_get_value_bool(env, argv[1], &ref));
  if (ref)
    uv_ref((uv_handle_t *)&w->handle);
  else
    uv_unref((uv_handle_t *)&w->handle);
  return NULL;
}

// setThreadRealtime(priority): the calling thread, not the process, to SCHED_RR at `priority`
// (1..99), or back to SCHED_OTHER with 0. SCHED_RESET_ON_FORK: threads and processes it creates
// later (the checker worker, notify scripts) start with the normal policy instead of inheriting it.
static napi_value js_set_thread_realtime(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t priority;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &priority)) return NULL;
  struct sched_param sp = {.sched_priority = priority};
  int policy = priority > 0 ? SCHED_RR | SCHED_RESET_ON_FORK : SCHED_OTHER;
  if (sched_setscheduler(0, policy, &sp) < 0) return throw_errno(env, errno, "sched_setscheduler");
  return NULL;
}

// setRealtimeCpuLimit(softUs, hardUs): RLIMIT_RTTIME, the CPU time a realtime thread may use
// without blocking; hardUs < 0 leaves the hard limit unlimited.
static napi_value js_set_realtime_cpu_limit(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t soft, hard;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], &soft) || !get_int(env, argv[1], &hard))
    return NULL;
  struct rlimit lim = {.rlim_cur = (rlim_t)soft, .rlim_max = hard < 0 ? RLIM_INFINITY : (rlim_t)hard};
  if (setrlimit(RLIMIT_RTTIME, &lim) < 0) return throw_errno(env, errno, "setrlimit");
  return NULL;
}

// ---- sub-millisecond timers ------------------------------------------------------------------
// libuv counts timeouts in whole milliseconds against a loop clock read once per iteration, so a
// setTimeout fires up to 2 ms after its deadline. A timerfd on CLOCK_MONOTONIC (the clock of
// performance.now()) makes epoll return to the microsecond; it is watched like a socket.

// timerfdCreate() -> fd: a one-shot CLOCK_MONOTONIC timer, non-blocking, close-on-exec.
static napi_value js_timerfd_create(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "timerfd_create");
  napi_value out;
  NAPI_CALL(env, napi_create_int32(env, fd, &out));
  return out;
}

// timerfdArm(fd, delayUs): expires once, delayUs microseconds from now (at least 1: 0 disarms).
static napi_value js_timerfd_arm(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  double us;
  if (!get_args(env, info, 2, argv) || !get_int(env, argv[0], &fd)) return NULL;
  NAPI_CALL(env, napi_get_value_double(env, argv[1], &us));
  if (!(us >= 1)) us = 1;
  struct itimerspec its = {0};
  its.it_value.tv_sec = (time_t)(us / 1e6);
  its.it_value.tv_nsec = (long)((us - (double)its.it_value.tv_sec * 1e6) * 1000);
  if (timerfd_settime(fd, 0, &its, NULL) < 0) return throw_errno(env, errno, "timerfd_settime");
  return NULL;
}

// timerfdAck(fd): consumes the expiration, so the fd stops being readable (none pending: no-op).
static napi_value js_timerfd_ack(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  uint64_t expirations;
  if (!get_args(env, info, 1, argv) || !get_int(env, argv[0], &fd)) return NULL;
  if (read(fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
    return throw_errno(env, errno, "read timerfd");
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socket", NULL, js_socket, NULL, NULL, NULL, napi_default, NULL},
      {"setsockopt", NULL, js_setsockopt, NULL, NULL, NULL, napi_default, NULL},
      {"getsockopt", NULL, js_getsockopt, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL},
      {"getsockname", NULL, js_getsockname, NULL, NULL, NULL, napi_default, NULL},
      {"sendto", NULL, js_sendto, NULL, NULL, NULL, napi_default, NULL},
      {"recvmsg", NULL, js_recvmsg, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"ifNameToIndex", NULL, js_if_nametoindex, NULL, NULL, NULL, napi_default, NULL},
      {"ifIndexToName", NULL, js_if_indextoname, NULL, NULL, NULL, napi_default, NULL},
      {"watchStart", NULL, js_watch_start, NULL, NULL, NULL, napi_default, NULL},
      {"watchStop", NULL, js_watch_stop, NULL, NULL, NULL, napi_default, NULL},
      {"watchRef", NULL, js_watch_ref, NULL, NULL, NULL, napi_default, NULL},
      {"setThreadRealtime", NULL, js_set_thread_realtime, NULL, NULL, NULL, napi_default, NULL},
      {"setRealtimeCpuLimit", NULL, js_set_realtime_cpu_limit, NULL, NULL, NULL, napi_default, NULL},
      {"timerfdCreate", NULL, js_timerfd_create, NULL, NULL, NULL, napi_default, NULL},
      {"timerfdArm", NULL, js_timerfd_arm, NULL, NULL, NULL, napi_default, NULL},
      {"timerfdAck", NULL, js_timerfd_ack, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
